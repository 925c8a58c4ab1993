-- ---------------------------------------------------------------------------
-- timeline(): a customer's interactions on every channel, newest first,
-- keyset-paginated: a backward scan of interaction_customer_timeline_idx with
-- a LIMIT, whatever the page depth (no OFFSET, no Sort).
--
-- The cursor is the (occurred_at, id) of the last row of the previous page.
-- With before_id NULL, "before" alone means "strictly older than before".
--
-- PL/pgSQL, the survivor of a merged customer looked up first: on Citus
-- the page is then one query on the customer's shard (Citus plans no SQL
-- function over its tables).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.timeline(
    customer  bigint,
    before    timestamptz DEFAULT NULL,
    lim       integer DEFAULT 50,
    channels  omnichannel.channel[] DEFAULT NULL,
    before_id bigint DEFAULT NULL,
    since     timestamptz DEFAULT NULL)
RETURNS SETOF omnichannel.interaction
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer bigint;
BEGIN
    -- a merged customer's history is its survivor's (merge_customers)
    v_customer := COALESCE((SELECT c.merged_into FROM omnichannel.customer AS c
                             WHERE c.id = timeline.customer), timeline.customer);
    RETURN QUERY
    SELECT i.*
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_customer
       AND (i.occurred_at, i.id) <
           (COALESCE(timeline.before, 'infinity'::timestamptz),
            COALESCE(timeline.before_id,
                     CASE WHEN timeline.before IS NULL THEN 9223372036854775807
                          ELSE '-9223372036854775808'::bigint END))
       -- "what did the customer do since ...": a lower bound of the index range
       AND i.occurred_at >= COALESCE(timeline.since, '-infinity'::timestamptz)
       AND (timeline.channels IS NULL OR i.channel = ANY (timeline.channels))
     ORDER BY i.occurred_at DESC, i.id DESC
     LIMIT timeline.lim;
END
$$;
COMMENT ON FUNCTION omnichannel.timeline(bigint, timestamptz, integer, omnichannel.channel[], bigint, timestamptz) IS
    'Interactions of a customer on every channel, newest first; page with the (occurred_at, id) of the last row returned; since: only interactions at or after it (an index range); lim => NULL: no limit';
