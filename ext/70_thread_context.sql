-- ---------------------------------------------------------------------------
-- thread_context(): what the next agent needs to know about a thread, on any
-- channel ("context cookies"): IVR choices and self-service steps, business
-- keys, the last topics, the channels used, the previous agent.  Derived
-- from the thread's interactions when asked (index interaction_thread_idx),
-- so it is never stale; thread.context (free-form, written by applications)
-- is included as it is.  See docs/stitching.md "Thread context".
-- ---------------------------------------------------------------------------

-- PL/pgSQL, the thread's customer looked up first: on Citus the context is
-- then one query on the customer's shard (Citus plans no SQL function over
-- its tables).
CREATE OR REPLACE FUNCTION omnichannel.thread_context(thread bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer bigint;
    v_context  jsonb;
BEGIN
    SELECT t.customer_id INTO v_customer FROM omnichannel.thread AS t WHERE t.id = thread_context.thread;
    IF v_customer IS NULL THEN
        RETURN NULL;
    END IF;
    WITH t AS (
        SELECT * FROM omnichannel.thread AS t
         WHERE t.customer_id = v_customer AND t.id = thread_context.thread
    ), i AS (
        SELECT * FROM omnichannel.interaction AS i
         WHERE i.customer_id = v_customer AND i.thread_id = thread_context.thread
    ), l AS (
        SELECT * FROM i ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1
    )
    SELECT jsonb_build_object(
        'thread', t.id,
        'customer', t.customer_id,
        'status', t.status,
        'priority', t.priority,
        'subject', t.subject,
        'channels', to_jsonb(t.channels),
        'opened_at', t.opened_at,
        'last_activity_at', t.last_activity_at,
        'merged_into', t.merged_into,
        'interactions', (SELECT count(*) FROM i),
        'ivr', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('at', i.occurred_at, 'channel', i.channel,
                                                'choices', i.attributes -> 'ivr')
                             ORDER BY i.occurred_at, i.id)
              FROM i WHERE i.attributes ? 'ivr'), '[]'::jsonb),
        'keys', COALESCE((
            SELECT jsonb_object_agg(k.key, k.value)
              FROM (SELECT DISTINCT ON (e.key) e.key, e.value
                      FROM i, jsonb_each(i.business_keys) AS e
                     ORDER BY e.key, i.occurred_at DESC, i.id DESC) AS k), '{}'::jsonb),
        'last_topics', COALESCE((
            SELECT jsonb_agg(s.subject ORDER BY s.at DESC)
              FROM (SELECT DISTINCT ON (omnichannel.normalize_subject(i.subject))
                           i.subject, i.occurred_at AS at
                      FROM i
                     WHERE i.subject IS NOT NULL
                       AND omnichannel.normalize_subject(i.subject) OPERATOR(pg_catalog.<>) ''
                     ORDER BY omnichannel.normalize_subject(i.subject), i.occurred_at DESC) AS s),
            '[]'::jsonb),
        -- the agent before the current one: of the latest earlier
        -- customer-facing interaction on a human channel whose agent is not
        -- the current agent (the latest interaction's if a human's, else the
        -- assignee)
        'previous_agent', (
            SELECT p.agent
              FROM i AS p, l
             WHERE p.agent IS NOT NULL
               AND p.channel OPERATOR(pg_catalog.<>) ALL ('{ivr,chatbot}'::omnichannel.channel[])
               AND p.direction OPERATOR(pg_catalog.<>) 'internal'
               AND (p.occurred_at, p.id) OPERATOR(pg_catalog.<) (l.occurred_at, l.id)
               AND p.agent IS DISTINCT FROM
                   COALESCE(CASE WHEN l.channel OPERATOR(pg_catalog.<>) ALL ('{ivr,chatbot}'::omnichannel.channel[])
                                 THEN l.agent END,
                            t.assignee)
             ORDER BY p.occurred_at DESC, p.id DESC LIMIT 1),
        'last_interaction', (
            SELECT jsonb_build_object('at', l.occurred_at, 'channel', l.channel,
                                      'direction', l.direction, 'agent', l.agent,
                                      'subject', l.subject)
              FROM l),
        'context', t.context)
      INTO v_context
      FROM t;
    RETURN v_context;
END
$$;
COMMENT ON FUNCTION omnichannel.thread_context(bigint) IS
    'What the next agent needs about a thread on any channel: IVR choices, business keys, last topics, channels, previous agent, last interaction, and thread.context; NULL for an unknown thread';
