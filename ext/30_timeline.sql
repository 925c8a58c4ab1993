-- ---------------------------------------------------------------------------
-- timeline(): a customer's interactions on every channel, newest first,
-- keyset-paginated.  A plain SQL function so the planner inlines it: the
-- query becomes a backward scan of interaction_customer_timeline_idx with a
-- LIMIT, whatever the page depth (no OFFSET, no Sort).
--
-- The cursor is the (occurred_at, id) of the last row of the previous page.
-- With before_id NULL, "before" alone means "strictly older than before".
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.timeline(
    customer  bigint,
    before    timestamptz DEFAULT NULL,
    lim       integer DEFAULT 50,
    channels  omnichannel.channel[] DEFAULT NULL,
    before_id bigint DEFAULT NULL,
    since     timestamptz DEFAULT NULL)
RETURNS SETOF omnichannel.interaction
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT i.*
      FROM omnichannel.interaction AS i
     -- a merged customer's history is its survivor's (merge_customers)
     WHERE i.customer_id OPERATOR(pg_catalog.=)
           COALESCE((SELECT c.merged_into FROM omnichannel.customer AS c
                      WHERE c.id OPERATOR(pg_catalog.=) customer), customer)
       AND (i.occurred_at, i.id) OPERATOR(pg_catalog.<)
           (COALESCE(before, 'infinity'::pg_catalog.timestamptz),
            COALESCE(before_id,
                     CASE WHEN before IS NULL THEN 9223372036854775807
                          ELSE '-9223372036854775808'::bigint END))
       -- "what did the customer do since ...": a lower bound of the index range
       AND i.occurred_at OPERATOR(pg_catalog.>=) COALESCE(since, '-infinity'::pg_catalog.timestamptz)
       AND (channels IS NULL OR i.channel OPERATOR(pg_catalog.=) ANY (channels))
     ORDER BY i.occurred_at DESC, i.id DESC
     LIMIT lim
$$;
COMMENT ON FUNCTION omnichannel.timeline(bigint, timestamptz, integer, omnichannel.channel[], bigint, timestamptz) IS
    'Interactions of a customer on every channel, newest first; page with the (occurred_at, id) of the last row returned; since: only interactions at or after it (an index range); lim => NULL: no limit';
