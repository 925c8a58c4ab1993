-- ---------------------------------------------------------------------------
-- The 360-degree view: customer_360(customer) returns the whole customer as
-- one jsonb document for a CRM front end (identity, channels used, open
-- threads with their SLA state and effort, the latest interactions, the
-- handoff context for the next agent).  Every part is an index-driven read;
-- the per-channel counts come from customer_channel, a rollup the ingest
-- trigger keeps current (src/pg/ingest_write.c), so that a
-- customer with 100,000 interactions is not counted row by row.  See
-- docs/360.md.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.customer_channel (
    customer_id     bigint NOT NULL,
    channel         omnichannel.channel NOT NULL,
    inbound         bigint NOT NULL DEFAULT 0,
    outbound        bigint NOT NULL DEFAULT 0,
    internal        bigint NOT NULL DEFAULT 0,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    last_inbound_at timestamptz,
    -- derived data: no foreign key (customer_channel_refresh() rebuilds it),
    -- and not dumped: restoring the interactions through the ingest rebuilds it
    CONSTRAINT customer_channel_pkey PRIMARY KEY (customer_id, channel)
);
COMMENT ON TABLE omnichannel.customer_channel IS
    'Rollup kept by ingest: per customer and channel, interactions by direction and the first and latest; rebuilt for given customers by customer_channel_refresh()';
COMMENT ON COLUMN omnichannel.customer_channel.customer_id IS 'Customer (merges move the counts to the surviving customer)';
COMMENT ON COLUMN omnichannel.customer_channel.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.customer_channel.inbound IS 'Customer messages on the channel';
COMMENT ON COLUMN omnichannel.customer_channel.outbound IS 'Replies to the customer on the channel';
COMMENT ON COLUMN omnichannel.customer_channel.internal IS 'Internal notes on the channel';
COMMENT ON COLUMN omnichannel.customer_channel.first_at IS 'occurred_at of the customer''s first interaction on the channel';
COMMENT ON COLUMN omnichannel.customer_channel.last_at IS 'occurred_at of the latest';
COMMENT ON COLUMN omnichannel.customer_channel.last_inbound_at IS 'occurred_at of the latest customer message on the channel';

-- A customer's unsolved threads, without reading the solved ones (a
-- customer with 100,000 interactions has some 20,000 threads).  The
-- predicate is the queue view's, so that the view read by customer uses it
-- too (a merged thread is closed: thread_merged_is_closed).
CREATE INDEX thread_customer_unsolved_idx ON omnichannel.thread (customer_id)
    WHERE status IN ('open', 'pending', 'on_hold');
COMMENT ON INDEX omnichannel.thread_customer_unsolved_idx IS
    'A customer''s open, pending and on-hold threads (customer_360, the queue view by customer)';
