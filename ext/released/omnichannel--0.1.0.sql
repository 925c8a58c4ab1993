-- omnichannel install script, assembled by the Makefile from ext/[0-9]*.sql.
-- Objects live in schema omnichannel (created by CREATE EXTENSION from the
-- control file).  Every name is schema-qualified so that the script is safe
-- under any search_path of the installing role.

\echo Use "CREATE EXTENSION omnichannel" to load this file. \quit
-- ---------------------------------------------------------------------------
-- omnichannel.contact_point: a normalized customer address on some channel,
-- text form kind:value (email:jan@example.pl, tel:+48123456789, ...).
-- Stored as its canonical text; equality and order are bytewise, so indexes
-- never depend on a collation.  Rules: docs/contact-points.md.
--
-- Volatility: phone numbers in national form are read with the session's
-- omnichannel.default_region, so the text and binary input functions (and
-- through them the text -> contact_point cast) and contact_point(kind, value)
-- are STABLE, like timestamptz_in.  Functions that take the region as an
-- argument are IMMUTABLE.  Output, comparison and hash support functions
-- depend only on the stored bytes and are IMMUTABLE.
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.contact_point;

CREATE FUNCTION omnichannel.contact_point_in(pg_catalog.cstring)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_in'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_out(omnichannel.contact_point)
    RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'oc_contact_point_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_recv(pg_catalog.internal)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_recv'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_send(omnichannel.contact_point)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'oc_contact_point_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE omnichannel.contact_point (
    INPUT = omnichannel.contact_point_in,
    OUTPUT = omnichannel.contact_point_out,
    RECEIVE = omnichannel.contact_point_recv,
    SEND = omnichannel.contact_point_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U',
    COLLATABLE = false
);

COMMENT ON TYPE omnichannel.contact_point IS
    'A normalized customer address on some channel, text form kind:value (email:jan@example.pl, tel:+48123456789, twitter:@handle)';
COMMENT ON FUNCTION omnichannel.contact_point_in(pg_catalog.cstring) IS
    'Input function of contact_point: normalizes kind:value, a bare e-mail address or a bare phone number (national numbers use omnichannel.default_region)';
COMMENT ON FUNCTION omnichannel.contact_point_out(omnichannel.contact_point) IS
    'Output function of contact_point: the canonical kind:value text';
COMMENT ON FUNCTION omnichannel.contact_point_recv(pg_catalog.internal) IS
    'Binary input function of contact_point: a version byte and the text, normalized and validated again (national numbers use omnichannel.default_region)';
COMMENT ON FUNCTION omnichannel.contact_point_send(omnichannel.contact_point) IS
    'Binary output function of contact_point: a version byte (1) and the canonical text';

-- Comparison -----------------------------------------------------------------

CREATE FUNCTION omnichannel.contact_point_eq(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_ne(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_ne'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_lt(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_lt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_le(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_le'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_gt(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_gt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_ge(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_ge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'oc_contact_point_cmp'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_hash(omnichannel.contact_point)
    RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'oc_contact_point_hash'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8)
    RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'oc_contact_point_hash_extended'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.contact_point_eq(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the = operator of contact_point (same canonical text)';
COMMENT ON FUNCTION omnichannel.contact_point_ne(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the <> operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_lt(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the < operator of contact_point (bytewise: kind, then value)';
COMMENT ON FUNCTION omnichannel.contact_point_le(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the <= operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_gt(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the > operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_ge(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the >= operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point) IS
    'Btree comparison support of contact_point: -1, 0 or 1, bytewise on the canonical text';
COMMENT ON FUNCTION omnichannel.contact_point_hash(omnichannel.contact_point) IS
    'Hash support of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8) IS
    'Seeded 64-bit hash support of contact_point';

CREATE OPERATOR omnichannel.= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_eq,
    COMMUTATOR = OPERATOR(omnichannel.=),
    NEGATOR = OPERATOR(omnichannel.<>),
    RESTRICT = pg_catalog.eqsel,
    JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);

CREATE OPERATOR omnichannel.<> (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_ne,
    COMMUTATOR = OPERATOR(omnichannel.<>),
    NEGATOR = OPERATOR(omnichannel.=),
    RESTRICT = pg_catalog.neqsel,
    JOIN = pg_catalog.neqjoinsel
);

CREATE OPERATOR omnichannel.< (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_lt,
    COMMUTATOR = OPERATOR(omnichannel.>),
    NEGATOR = OPERATOR(omnichannel.>=),
    RESTRICT = pg_catalog.scalarltsel,
    JOIN = pg_catalog.scalarltjoinsel
);

CREATE OPERATOR omnichannel.<= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_le,
    COMMUTATOR = OPERATOR(omnichannel.>=),
    NEGATOR = OPERATOR(omnichannel.>),
    RESTRICT = pg_catalog.scalarlesel,
    JOIN = pg_catalog.scalarlejoinsel
);

CREATE OPERATOR omnichannel.> (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_gt,
    COMMUTATOR = OPERATOR(omnichannel.<),
    NEGATOR = OPERATOR(omnichannel.<=),
    RESTRICT = pg_catalog.scalargtsel,
    JOIN = pg_catalog.scalargtjoinsel
);

CREATE OPERATOR omnichannel.>= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_ge,
    COMMUTATOR = OPERATOR(omnichannel.<=),
    NEGATOR = OPERATOR(omnichannel.<),
    RESTRICT = pg_catalog.scalargesel,
    JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR omnichannel.= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Same customer address (equal canonical text)';
COMMENT ON OPERATOR omnichannel.<> (omnichannel.contact_point, omnichannel.contact_point) IS
    'Different customer addresses';
COMMENT ON OPERATOR omnichannel.< (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts before (bytewise on the canonical text: kind, then value)';
COMMENT ON OPERATOR omnichannel.<= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts before or equal';
COMMENT ON OPERATOR omnichannel.> (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts after (bytewise on the canonical text: kind, then value)';
COMMENT ON OPERATOR omnichannel.>= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts after or equal';

CREATE OPERATOR CLASS omnichannel.contact_point_ops
    DEFAULT FOR TYPE omnichannel.contact_point USING btree AS
        OPERATOR 1 omnichannel.< ,
        OPERATOR 2 omnichannel.<= ,
        OPERATOR 3 omnichannel.= ,
        OPERATOR 4 omnichannel.>= ,
        OPERATOR 5 omnichannel.> ,
        FUNCTION 1 omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point);

CREATE OPERATOR CLASS omnichannel.contact_point_hash_ops
    DEFAULT FOR TYPE omnichannel.contact_point USING hash AS
        OPERATOR 1 omnichannel.= ,
        FUNCTION 1 omnichannel.contact_point_hash(omnichannel.contact_point),
        FUNCTION 2 omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8);

COMMENT ON OPERATOR CLASS omnichannel.contact_point_ops USING btree IS
    'Default btree operator class of contact_point: bytewise order of the canonical text';
COMMENT ON OPERATOR CLASS omnichannel.contact_point_hash_ops USING hash IS
    'Default hash operator class of contact_point';

-- Casts, accessors, constructor ----------------------------------------------

CREATE CAST (pg_catalog.text AS omnichannel.contact_point)
    WITH INOUT AS ASSIGNMENT;
CREATE CAST (omnichannel.contact_point AS pg_catalog.text)
    WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (pg_catalog.text AS omnichannel.contact_point) IS
    'Normalizes text through the contact_point input function (STABLE: national phone numbers use omnichannel.default_region)';
COMMENT ON CAST (omnichannel.contact_point AS pg_catalog.text) IS
    'The canonical kind:value text';

CREATE FUNCTION omnichannel.kind(omnichannel.contact_point)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_kind'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.kind(omnichannel.contact_point) IS
    'The canonical kind of a contact point (email, tel, whatsapp, twitter, crm, ...)';

CREATE FUNCTION omnichannel.value(omnichannel.contact_point)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_value'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.value(omnichannel.contact_point) IS
    'The canonical value of a contact point, after "kind:"';

CREATE FUNCTION omnichannel.contact_point(kind pg_catalog.text, value pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_make'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.contact_point(pg_catalog.text, pg_catalog.text) IS
    'Builds a contact point from a kind (or alias) and a value, normalizing both; national phone numbers use omnichannel.default_region';

CREATE FUNCTION omnichannel.contact_point(kind pg_catalog.text, value pg_catalog.text,
                                          region pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_make_region'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.contact_point(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Builds a contact point from a kind and a value; a national phone number is read in the given region (two-letter ISO code, '' for none)';

CREATE FUNCTION omnichannel.to_contact_point(input pg_catalog.text, region pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_to_contact_point'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.to_contact_point(pg_catalog.text, pg_catalog.text) IS
    'Normalizes kind:value, a bare e-mail address or a bare phone number like the input function, reading a national phone number in the given region ('' for none) instead of omnichannel.default_region';

CREATE FUNCTION omnichannel.phone_info(number pg_catalog.text)
    RETURNS pg_catalog.jsonb
    AS 'MODULE_PATHNAME', 'oc_phone_info_jsonb'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.phone_info(pg_catalog.text) IS
    'What libphonenumber says about a phone number (e164, accepted, reason, detail, valid, possible, type, region, country_code, national, international); national numbers use omnichannel.default_region';

CREATE FUNCTION omnichannel.phone_info(number pg_catalog.text, region pg_catalog.text)
    RETURNS pg_catalog.jsonb
    AS 'MODULE_PATHNAME', 'oc_phone_info_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.phone_info(pg_catalog.text, pg_catalog.text) IS
    'What libphonenumber says about a phone number, reading a national number in the given region (two-letter ISO code, '' for none)';

CREATE FUNCTION omnichannel.normalizer_version()
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_normalizer_version'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.normalizer_version() IS
    'Version of the contact point normalizer (ICU and Unicode), e.g. icu-72.1/unicode-15.0; record it next to stored values';
-- ---------------------------------------------------------------------------
-- The core model: channels, customers and the identifiers that resolve to
-- them, threads, interactions.  Every table is extension-owned and marked
-- with pg_extension_config_dump, so pg_dump (full or --data-only) carries the
-- customer history; see docs/install.md "Backup".
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.channel AS ENUM (
    'phone', 'ivr', 'email', 'chat', 'sms', 'messaging', 'social', 'web',
    'forum', 'chatbot', 'in_person', 'video', 'other');
COMMENT ON TYPE omnichannel.channel IS
    'The channel an interaction happened on';

CREATE TYPE omnichannel.direction AS ENUM ('inbound', 'outbound', 'internal');
COMMENT ON TYPE omnichannel.direction IS
    'inbound: from the customer; outbound: to the customer; internal: a note or transfer not seen by the customer';

CREATE TYPE omnichannel.thread_status AS ENUM (
    'open', 'pending', 'on_hold', 'solved', 'closed');
COMMENT ON TYPE omnichannel.thread_status IS
    'Life cycle of a thread: open (awaiting the company), pending (awaiting the customer), on_hold (awaiting a third party), solved, closed';

CREATE TYPE omnichannel.priority AS ENUM ('low', 'normal', 'high', 'urgent');
COMMENT ON TYPE omnichannel.priority IS
    'Thread priority; enum order is urgency order, so ORDER BY priority DESC puts urgent first';

-- Customers ------------------------------------------------------------------

CREATE TABLE omnichannel.customer (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    display_name    text,
    language        text,
    attributes      jsonb NOT NULL DEFAULT '{}'::jsonb
                    CHECK (pg_catalog.jsonb_typeof(attributes) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- set by merge_customers (ext/80_identity.sql); never a chain
    merged_into     bigint
                    CONSTRAINT customer_merged_into_fkey REFERENCES omnichannel.customer (id)
                    CONSTRAINT customer_merged_into_not_self CHECK (merged_into <> id)
);
CREATE INDEX customer_merged_into_idx
    ON omnichannel.customer (merged_into) WHERE merged_into IS NOT NULL;
COMMENT ON TABLE omnichannel.customer IS
    'One row per customer; every interaction on every channel resolves to one';
COMMENT ON COLUMN omnichannel.customer.id IS 'Customer key; every customer-scoped table carries it';
COMMENT ON COLUMN omnichannel.customer.display_name IS 'Name to show to agents, in any script';
COMMENT ON COLUMN omnichannel.customer.language IS 'Preferred language as a BCP 47 tag (ro, pl, ru, es, en-GB, ...)';
COMMENT ON COLUMN omnichannel.customer.attributes IS 'Free-form customer attributes (tier, segment, ...) as a JSON object';
COMMENT ON COLUMN omnichannel.customer.created_at IS 'When the customer was first seen';
COMMENT ON COLUMN omnichannel.customer.merged_into IS
    'The customer this one was merged into (merge_customers); its identifiers, threads and interactions are there now; NULL for a customer of its own';

CREATE TABLE omnichannel.customer_identifier (
    contact         omnichannel.contact_point PRIMARY KEY,
    customer_id     bigint NOT NULL REFERENCES omnichannel.customer (id),
    source          text NOT NULL DEFAULT 'ingest'
                    CHECK (source IN ('ingest', 'manual', 'import')),
    normalized_with text NOT NULL DEFAULT omnichannel.normalizer_version(),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX customer_identifier_customer_idx
    ON omnichannel.customer_identifier (customer_id);
COMMENT ON TABLE omnichannel.customer_identifier IS
    'Contact point to customer: an exact normalized identifier links to exactly one customer';
COMMENT ON COLUMN omnichannel.customer_identifier.contact IS 'The normalized contact point (stored, never recomputed)';
COMMENT ON COLUMN omnichannel.customer_identifier.customer_id IS 'The customer this contact point belongs to';
COMMENT ON COLUMN omnichannel.customer_identifier.source IS 'How the link was made: ingest (first interaction), manual or import';
COMMENT ON COLUMN omnichannel.customer_identifier.normalized_with IS 'Normalizer (ICU/Unicode) version that produced the stored value';
COMMENT ON COLUMN omnichannel.customer_identifier.created_at IS 'When the link was made';

-- Threads ----------------------------------------------------------------------

CREATE TABLE omnichannel.thread (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL REFERENCES omnichannel.customer (id),
    status           omnichannel.thread_status NOT NULL DEFAULT 'open',
    priority         omnichannel.priority NOT NULL DEFAULT 'normal',
    subject          text,
    channels         omnichannel.channel[] NOT NULL DEFAULT '{}',
    opened_at        timestamptz NOT NULL,
    last_activity_at timestamptz NOT NULL,
    assignee         text,
    context          jsonb NOT NULL DEFAULT '{}'::jsonb
                     CHECK (pg_catalog.jsonb_typeof(context) = 'object'),
    -- links written by ingest (docs/stitching.md); no foreign keys: a
    -- thread outlives the erasure or merge of what it points to
    follow_up_of     bigint,
    related_to       bigint,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT thread_customer_id_id_key UNIQUE (customer_id, id)
);
COMMENT ON TABLE omnichannel.thread IS
    'A conversation or case of one customer, spanning channels';
COMMENT ON COLUMN omnichannel.thread.id IS 'Thread key';
COMMENT ON COLUMN omnichannel.thread.customer_id IS 'The customer whose thread this is (a thread never mixes customers)';
COMMENT ON COLUMN omnichannel.thread.status IS 'open, pending, on_hold, solved or closed';
COMMENT ON COLUMN omnichannel.thread.priority IS 'low, normal, high or urgent';
COMMENT ON COLUMN omnichannel.thread.subject IS 'Subject of the first interaction that had one';
COMMENT ON COLUMN omnichannel.thread.channels IS 'Channels used in the thread, in order of first use';
COMMENT ON COLUMN omnichannel.thread.opened_at IS 'occurred_at of the earliest interaction';
COMMENT ON COLUMN omnichannel.thread.last_activity_at IS 'occurred_at of the latest interaction';
COMMENT ON COLUMN omnichannel.thread.assignee IS 'Agent the thread is assigned to, if any';
COMMENT ON COLUMN omnichannel.thread.context IS 'Hand-off context for the next agent (IVR choices, business keys, topics) as a JSON object';
COMMENT ON COLUMN omnichannel.thread.follow_up_of IS 'The closed (or long solved) thread of the same customer this one continues: its first interaction named it by reference, token or business key, and closed threads never reopen';
COMMENT ON COLUMN omnichannel.thread.related_to IS 'A thread of another customer that this one''s first interaction referenced or quoted a token of: linked, never joined (participant check)';
COMMENT ON COLUMN omnichannel.thread.created_at IS 'When the thread row was created';

-- Interactions -----------------------------------------------------------------

CREATE TABLE omnichannel.interaction (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    -- no foreign key of its own: (customer_id, thread_id) -> thread below
    -- implies it, since thread.customer_id -> customer (one check per row
    -- less at ingest)
    customer_id     bigint NOT NULL,
    thread_id       bigint NOT NULL,
    channel         omnichannel.channel NOT NULL,
    direction       omnichannel.direction NOT NULL,
    occurred_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ended_at        timestamptz,
    contact         omnichannel.contact_point,
    agent           text,
    queue           text,
    subject         text,
    body            text,
    external_id     text,
    in_reply_to     text,
    refs            text[],
    attributes      jsonb NOT NULL DEFAULT '{}'::jsonb
                    CHECK (pg_catalog.jsonb_typeof(attributes) = 'object'),
    business_keys   jsonb
                    CHECK (pg_catalog.jsonb_typeof(business_keys) = 'object'),
    subject_key     text,
    stitch_reason   text NOT NULL
                    CHECK (stitch_reason IN ('reference', 'token', 'business_key',
                                             'subject', 'recency', 'new', 'manual')),
    stitch_evidence jsonb,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT interaction_ended_after_start CHECK (ended_at >= occurred_at),
    CONSTRAINT interaction_external_id_not_empty CHECK (external_id <> ''),
    -- (customer_id, thread_id) keeps every interaction in a thread of its
    -- own customer.  Deferred, so that a restore or a bulk load may bring
    -- interactions before their threads within a transaction.
    CONSTRAINT interaction_thread_fkey FOREIGN KEY (customer_id, thread_id)
        REFERENCES omnichannel.thread (customer_id, id)
        ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
);
-- (external_id, channel): dedupe of retried deliveries (ON CONFLICT DO
-- NOTHING) and the reference look-up by external_id on any channel.
CREATE UNIQUE INDEX interaction_external_id_key
    ON omnichannel.interaction (external_id, channel);
-- Timeline keyset: newest first is a backward scan of this index.
CREATE INDEX interaction_customer_timeline_idx
    ON omnichannel.interaction (customer_id, occurred_at, id);
CREATE INDEX interaction_thread_idx
    ON omnichannel.interaction (thread_id, occurred_at);

COMMENT ON TABLE omnichannel.interaction IS
    'One row per contact on any channel; INSERT or COPY resolves the customer and the thread';
COMMENT ON COLUMN omnichannel.interaction.id IS 'Interaction key';
COMMENT ON COLUMN omnichannel.interaction.customer_id IS 'Resolved from contact when not given';
COMMENT ON COLUMN omnichannel.interaction.thread_id IS 'Assigned by stitching when not given';
COMMENT ON COLUMN omnichannel.interaction.channel IS 'Channel of the contact';
COMMENT ON COLUMN omnichannel.interaction.direction IS 'inbound, outbound or internal';
COMMENT ON COLUMN omnichannel.interaction.occurred_at IS 'When the contact started (call answered, message sent)';
COMMENT ON COLUMN omnichannel.interaction.ended_at IS 'When the contact ended (calls, chats, visits)';
COMMENT ON COLUMN omnichannel.interaction.contact IS 'The customer address the contact came from or went to';
COMMENT ON COLUMN omnichannel.interaction.agent IS 'Agent who handled it, if any';
COMMENT ON COLUMN omnichannel.interaction.queue IS 'Queue or skill group it came through';
COMMENT ON COLUMN omnichannel.interaction.subject IS 'Subject line or topic';
COMMENT ON COLUMN omnichannel.interaction.body IS 'Message text, transcript or call notes';
COMMENT ON COLUMN omnichannel.interaction.external_id IS 'The channel''s own id (Message-ID, chat session id, call id); unique per channel';
COMMENT ON COLUMN omnichannel.interaction.in_reply_to IS 'external_id of the message this one answers (any channel)';
COMMENT ON COLUMN omnichannel.interaction.refs IS 'external_ids this one refers to, oldest first (mail References)';
COMMENT ON COLUMN omnichannel.interaction.attributes IS 'Channel-specific facts (IVR choices, order numbers, ...) as a JSON object';
COMMENT ON COLUMN omnichannel.interaction.subject_key IS 'normalize_subject(subject), stored by ingest on channels with a subject window (the key of the subject rule); NULL otherwise';
COMMENT ON COLUMN omnichannel.interaction.business_keys IS 'Business keys found by ingest (attributes->''keys'' and business_key_pattern matches), e.g. {"order": "A-1234"}; NULL if none';
COMMENT ON COLUMN omnichannel.interaction.stitch_reason IS 'Why it joined its thread: reference, token, business_key, subject, recency, new or manual';
COMMENT ON COLUMN omnichannel.interaction.stitch_evidence IS 'What matched (which external id, key or window), as JSON';
COMMENT ON COLUMN omnichannel.interaction.created_at IS 'When the row was stored';

-- Ingest: resolve the customer and the thread inside INSERT / COPY -----------

CREATE FUNCTION omnichannel.interaction_before_insert()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_before_insert'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_before_insert() IS
    'Ingest trigger: resolves or creates the customer from contact, decides the thread, opens it or records activity on it';

CREATE FUNCTION omnichannel.interaction_after_statement()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_after_statement'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_after_statement() IS
    'Ingest statement trigger: writes the activity, queue facts and due times of the threads the statement''s rows joined (moving their SLA clocks through sla_ingest), records their key and subject look-up rows, and removes threads opened for rows that ON CONFLICT DO NOTHING skipped and that no stored row joined';

CREATE FUNCTION omnichannel.interaction_after_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_after_row'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_after_row() IS
    'Ingest row trigger: writes the threads the statement opened (and the rest of its thread bookkeeping) before the first opening row''s foreign key is checked';

CREATE TRIGGER ingest
    BEFORE INSERT ON omnichannel.interaction
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_before_insert();
-- The threads a statement opens are written once, at its end, with what all
-- its rows made of them.  Under SET CONSTRAINTS ... IMMEDIATE the foreign key
-- of interaction to thread is checked row by row before any statement
-- trigger fires, so the first row that opened a thread writes them all;
-- triggers fire in name order and the foreign key's own trigger is named
-- "RI_ConstraintTrigger_...": this name sorts before it (upper-case I).
CREATE TRIGGER "Ingest_threads"
    AFTER INSERT ON omnichannel.interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH ROW WHEN (NEW.stitch_reason = 'new')
    EXECUTE FUNCTION omnichannel.interaction_after_row();
COMMENT ON TRIGGER "Ingest_threads" ON omnichannel.interaction IS
    'Writes the threads the statement opened before the first opening row''s foreign key is checked (named to fire before the foreign key''s trigger)';
CREATE TRIGGER ingest_cleanup
    AFTER INSERT ON omnichannel.interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.interaction_after_statement();
COMMENT ON TRIGGER ingest ON omnichannel.interaction IS
    'Resolves the customer and the thread of each new interaction';
COMMENT ON TRIGGER ingest_cleanup ON omnichannel.interaction IS
    'Writes the threads'' activity, queue facts and SLA clocks once per statement, and removes threads left empty by rows that ON CONFLICT skipped';

-- pg_dump: the history is data of the extension's own tables.
SELECT pg_catalog.pg_extension_config_dump('omnichannel.customer', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.customer_identifier', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.thread', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.interaction', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.customer', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.thread', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.interaction', 'id'), '');
-- ---------------------------------------------------------------------------
-- Stitching settings and helpers (rules: docs/stitching.md).
--
-- The built-in recency windows live in the C core; stitch_setting holds only
-- the DBA's overrides (so pg_dump carries exactly those and a restore never
-- collides with seeded rows), and the stitch_settings view shows what is in
-- force.
-- ---------------------------------------------------------------------------

CREATE DOMAIN omnichannel.stitch_window AS interval
    CONSTRAINT stitch_window_check
    CHECK (VALUE >= interval '0'
           AND pg_catalog.date_part('month', VALUE) = 0
           AND pg_catalog.date_part('year', VALUE) = 0);
COMMENT ON DOMAIN omnichannel.stitch_window IS
    'A stitching window: zero (the rule is off) or positive elapsed time, without months or years (days are 24 hours)';

CREATE TABLE omnichannel.stitch_setting (
    channel         omnichannel.channel PRIMARY KEY,
    recency_window  omnichannel.stitch_window,
    subject_window  omnichannel.stitch_window,
    reopen_window   omnichannel.stitch_window,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE omnichannel.stitch_setting IS
    'DBA overrides of the stitching windows per channel; channels without a row use the built-in defaults (see view stitch_settings)';
COMMENT ON COLUMN omnichannel.stitch_setting.channel IS 'The channel of the new interaction the setting applies to';
COMMENT ON COLUMN omnichannel.stitch_setting.recency_window IS
    'How close to a still-open thread''s activity a new interaction of this channel must be to join it by recency; 0 turns the rule off, NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting.subject_window IS
    'How close to an open thread''s activity a new interaction of this channel with the same base subject must be to join it; 0 turns the rule off, NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting.reopen_window IS
    'How long after its last activity a solved thread is still joined (and reopened) by a reference, token or business key; later, a new thread follows it up. NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting.updated_at IS 'When the override was written';
COMMENT ON COLUMN omnichannel.stitch_setting.updated_by IS 'Who wrote it';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.stitch_setting', '');

CREATE FUNCTION omnichannel.default_recency_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_recency_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_recency_window(omnichannel.channel) IS
    'Built-in recency window of a channel (0: the recency rule is off for it)';

CREATE FUNCTION omnichannel.default_subject_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_subject_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_subject_window(omnichannel.channel) IS
    'Built-in subject window of a channel: 30 days for mail-like channels (email, web, forum), 0 (rule off) for the others';

CREATE FUNCTION omnichannel.default_reopen_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_reopen_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_reopen_window(omnichannel.channel) IS
    'Built-in reopen window of a channel: 7 days';

CREATE VIEW omnichannel.stitch_settings AS
SELECT c.channel,
       COALESCE(s.recency_window, omnichannel.default_recency_window(c.channel)) AS recency_window,
       COALESCE(s.subject_window, omnichannel.default_subject_window(c.channel)) AS subject_window,
       COALESCE(s.reopen_window, omnichannel.default_reopen_window(c.channel)) AS reopen_window,
       omnichannel.default_recency_window(c.channel) AS default_recency_window,
       omnichannel.default_subject_window(c.channel) AS default_subject_window,
       omnichannel.default_reopen_window(c.channel) AS default_reopen_window,
       s.channel IS NOT NULL AS overridden
  FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.stitch_setting AS s ON s.channel OPERATOR(pg_catalog.=) c.channel;
COMMENT ON VIEW omnichannel.stitch_settings IS
    'Stitching windows in force per channel: the override if any, else the built-in default';
COMMENT ON COLUMN omnichannel.stitch_settings.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.stitch_settings.recency_window IS 'Recency window in force (0: rule off)';
COMMENT ON COLUMN omnichannel.stitch_settings.subject_window IS 'Subject window in force (0: rule off)';
COMMENT ON COLUMN omnichannel.stitch_settings.reopen_window IS 'Reopen window in force for solved threads';
COMMENT ON COLUMN omnichannel.stitch_settings.default_recency_window IS 'Built-in default recency window';
COMMENT ON COLUMN omnichannel.stitch_settings.default_subject_window IS 'Built-in default subject window';
COMMENT ON COLUMN omnichannel.stitch_settings.default_reopen_window IS 'Built-in default reopen window';
COMMENT ON COLUMN omnichannel.stitch_settings.overridden IS 'Whether stitch_setting has a row for the channel (its NULL columns still take the defaults)';

-- Business keys --------------------------------------------------------------

CREATE TABLE omnichannel.business_key_pattern (
    name        text PRIMARY KEY
                CONSTRAINT business_key_pattern_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    pattern     text NOT NULL
                CONSTRAINT business_key_pattern_compiles
                CHECK (('' OPERATOR(pg_catalog.~) pattern) IS NOT NULL),
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.business_key_pattern IS
    'Named regular expressions that find business keys (order numbers, claim ids, ...) in subjects and bodies at ingest; none are predefined';
COMMENT ON COLUMN omnichannel.business_key_pattern.name IS 'Key name, e.g. order (lower case, digits, underscores)';
COMMENT ON COLUMN omnichannel.business_key_pattern.pattern IS
    'PostgreSQL regular expression; the first parenthesized group, or else the whole match, is the key value (as substring(text FROM pattern))';
COMMENT ON COLUMN omnichannel.business_key_pattern.enabled IS 'Whether ingest applies it';
COMMENT ON COLUMN omnichannel.business_key_pattern.created_at IS 'When the pattern was added';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.business_key_pattern', '');

CREATE TABLE omnichannel.thread_key (
    customer_id     bigint NOT NULL,
    name            text NOT NULL,
    value           text NOT NULL,
    thread_id       bigint NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    PRIMARY KEY (customer_id, name, value, thread_id),
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
        ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE omnichannel.thread_key IS
    'Which threads of a customer carry which business key: the look-up behind the business_key stitching rule (maintained by ingest)';
COMMENT ON COLUMN omnichannel.thread_key.customer_id IS 'The customer';
COMMENT ON COLUMN omnichannel.thread_key.name IS 'Key name (order, claim, ...)';
COMMENT ON COLUMN omnichannel.thread_key.value IS 'Key value (A-1234, ...)';
COMMENT ON COLUMN omnichannel.thread_key.thread_id IS 'A thread of the customer whose interactions carried the key';
COMMENT ON COLUMN omnichannel.thread_key.first_seen_at IS 'occurred_at of the interaction that first recorded it for the thread (written once)';
-- Derived from interaction (ingest records it for restored rows too): not
-- dumped, so a restore neither duplicates nor conflicts with it.

-- Subjects ---------------------------------------------------------------------

CREATE TABLE omnichannel.thread_subject (
    customer_id     bigint NOT NULL,
    subject_key     text NOT NULL,
    thread_id       bigint NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    PRIMARY KEY (customer_id, subject_key, thread_id),
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
        ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE omnichannel.thread_subject IS
    'Which threads of a customer carried which base subject on a channel with a subject window: the look-up behind the subject stitching rule (maintained by ingest)';
COMMENT ON COLUMN omnichannel.thread_subject.customer_id IS 'The customer';
COMMENT ON COLUMN omnichannel.thread_subject.subject_key IS 'normalize_subject() of an interaction''s subject';
COMMENT ON COLUMN omnichannel.thread_subject.thread_id IS 'A thread of the customer whose interactions carried it';
COMMENT ON COLUMN omnichannel.thread_subject.first_seen_at IS 'occurred_at of the interaction that first recorded it for the thread (written once)';
-- Derived from interaction (ingest records it for restored rows too): not
-- dumped, so a restore neither duplicates nor conflicts with it.

-- References that found nothing yet ------------------------------------------------

CREATE TABLE omnichannel.pending_reference (
    external_id     text NOT NULL,
    customer_id     bigint NOT NULL,
    interaction_id  bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (external_id, customer_id, interaction_id)
);
COMMENT ON TABLE omnichannel.pending_reference IS
    'References (in_reply_to, refs) that named no stored interaction when they arrived: when the named message arrives, it joins the referring interaction''s thread (late and out-of-order arrival); resolved rows are deleted';
COMMENT ON COLUMN omnichannel.pending_reference.external_id IS 'The external id named, not yet stored';
COMMENT ON COLUMN omnichannel.pending_reference.customer_id IS 'Customer of the referring interaction';
COMMENT ON COLUMN omnichannel.pending_reference.interaction_id IS 'The referring interaction';
COMMENT ON COLUMN omnichannel.pending_reference.created_at IS 'When the reference was recorded';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.pending_reference', '');

CREATE FUNCTION omnichannel.thread_token(thread bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_thread_token'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.thread_token(bigint) IS
    'The token of a thread, e.g. [#T123]: put it in the subject of outbound messages so that replies join the thread on any channel';
-- ---------------------------------------------------------------------------
-- timeline(): a customer's interactions on every channel, newest first,
-- keyset-paginated.  A plain SQL function so the planner inlines it: the
-- query becomes a backward scan of interaction_customer_timeline_idx with a
-- LIMIT, whatever the page depth (no OFFSET, no Sort).
--
-- The cursor is the (occurred_at, id) of the last row of the previous page.
-- With before_id NULL, "before" alone means "strictly older than before".
-- ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.timeline(
    customer  bigint,
    before    timestamptz DEFAULT NULL,
    lim       integer DEFAULT 50,
    channels  omnichannel.channel[] DEFAULT NULL,
    before_id bigint DEFAULT NULL)
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
       AND (channels IS NULL OR i.channel OPERATOR(pg_catalog.=) ANY (channels))
     ORDER BY i.occurred_at DESC, i.id DESC
     LIMIT lim
$$;
COMMENT ON FUNCTION omnichannel.timeline(bigint, timestamptz, integer, omnichannel.channel[], bigint) IS
    'Interactions of a customer on every channel, newest first; page with the (occurred_at, id) of the last row returned';
-- ---------------------------------------------------------------------------
-- omnichannel.business_hours: a working-time calendar (IANA zone, weekly
-- hours, holidays, breaks, date-specific shifts).  Text form: canonical
-- JSON; storage: a compact binary form read directly by the engine.  The
-- business-time functions compute over it in real elapsed time.  Rules:
-- docs/business-hours.md.
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.business_hours;

CREATE FUNCTION omnichannel.business_hours_in(pg_catalog.cstring)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_out(omnichannel.business_hours)
    RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'oc_business_hours_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_recv(pg_catalog.internal)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_send(omnichannel.business_hours)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'oc_business_hours_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE omnichannel.business_hours (
    INPUT = omnichannel.business_hours_in,
    OUTPUT = omnichannel.business_hours_out,
    RECEIVE = omnichannel.business_hours_recv,
    SEND = omnichannel.business_hours_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U',
    COLLATABLE = false
);

COMMENT ON TYPE omnichannel.business_hours IS
    'A working-time calendar: IANA time zone, weekly hours, holidays, breaks and date-specific shifts; text form canonical JSON';
COMMENT ON FUNCTION omnichannel.business_hours_in(pg_catalog.cstring) IS
    'Input function of business_hours: parses and validates the JSON text form';
COMMENT ON FUNCTION omnichannel.business_hours_out(omnichannel.business_hours) IS
    'Output function of business_hours: the canonical JSON text (sorted, merged, times HH:MM or HH:MM:SS)';
COMMENT ON FUNCTION omnichannel.business_hours_recv(pg_catalog.internal) IS
    'Binary input function of business_hours: a version byte and the JSON text, parsed and validated again';
COMMENT ON FUNCTION omnichannel.business_hours_send(omnichannel.business_hours) IS
    'Binary output function of business_hours: a version byte (1) and the canonical JSON text';

CREATE FUNCTION omnichannel.business_hours(pg_catalog.jsonb)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_from_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.business_hours(pg_catalog.jsonb) IS
    'Builds a business_hours calendar from a jsonb document {"time_zone", "hours", "holidays", "breaks", "shifts"}';

-- Business-time functions ----------------------------------------------------

CREATE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval,
                                              excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz,
                                                  excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.is_open(omnichannel.business_hours, pg_catalog.timestamptz)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_business_is_open'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.next_open(omnichannel.business_hours, pg_catalog.timestamptz)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_next_open'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.business_time_add(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.interval) IS
    'The instant a business duration (hours, minutes, seconds; real elapsed time) after a timestamp; a result is always an open instant (closing time gives the next opening); a negative duration walks backward';
COMMENT ON FUNCTION omnichannel.business_time_add(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.tstzmultirange) IS
    'business_time_add not counting the UTC pauses in excluding; NULL while an unbounded pause holds the clock';
COMMENT ON FUNCTION omnichannel.business_time_between(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Business time (real elapsed, to the microsecond) from the first timestamp to the second; negative when the second is earlier';
COMMENT ON FUNCTION omnichannel.business_time_between(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.tstzmultirange) IS
    'business_time_between not counting the UTC pauses in excluding';
COMMENT ON FUNCTION omnichannel.is_open(omnichannel.business_hours, pg_catalog.timestamptz) IS
    'Whether the calendar is open at an instant (intervals are half-open: open at the opening, closed at the closing)';
COMMENT ON FUNCTION omnichannel.next_open(omnichannel.business_hours, pg_catalog.timestamptz) IS
    'The instant itself if the calendar is open then, else its next opening';
-- ---------------------------------------------------------------------------
-- omnichannel.normalize_subject: the base subject of an e-mail-like
-- interaction (RFC 5256 section 2.1 with reply/forward prefixes in many
-- languages), NFKC case-folded with ICU.  The stitching engine compares it
-- between interactions of one customer.  Rules: docs/subjects.md.
-- ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.normalize_subject(subject pg_catalog.text)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_normalize_subject'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.normalize_subject(pg_catalog.text) IS
    'Base subject for thread matching: RFC 5256 prefixes, [list] tags and (fwd) trailers removed, reply/forward prefixes in many languages (Re, AW, SV, Odp, Ответ, 回复, ...), white space folded, NFKC case-folded; empty means no subject evidence; only the first 4096 bytes are read; depends on the ICU version (see normalizer_version())';
-- ---------------------------------------------------------------------------
-- Operator functions on threads: move an interaction, split a thread, merge
-- two threads, each recorded in the append-only audit table thread_event.
-- See docs/stitching.md "Operator functions".
--
-- Concurrency: every operation first takes
--   LOCK TABLE omnichannel.interaction IN SHARE ROW EXCLUSIVE MODE
-- (conflicts with INSERT/UPDATE/DELETE/COPY and with itself, not with
-- SELECT), then locks the threads involved FOR UPDATE in id order.  So an
-- operation waits for in-flight ingest to commit and then sees (and moves)
-- its rows, ingest waits for the operation's transaction, and two operators
-- run one after the other.  READ COMMITTED is required: a REPEATABLE READ
-- snapshot taken before the lock could miss a reply committed meanwhile.
-- ---------------------------------------------------------------------------

-- Threads absorbed by a merge (or emptied by a move) -----------------------------

ALTER TABLE omnichannel.thread
    ADD COLUMN merged_into bigint,
    ADD CONSTRAINT thread_merged_into_fkey FOREIGN KEY (customer_id, merged_into)
        REFERENCES omnichannel.thread (customer_id, id) ON UPDATE CASCADE,
    ADD CONSTRAINT thread_merged_into_not_self CHECK (merged_into <> id),
    ADD CONSTRAINT thread_merged_is_closed
        CHECK (merged_into IS NULL OR status = 'closed'::omnichannel.thread_status);
CREATE INDEX thread_merged_into_idx
    ON omnichannel.thread (merged_into) WHERE merged_into IS NOT NULL;
COMMENT ON COLUMN omnichannel.thread.merged_into IS
    'The thread that took over this one''s interactions (merge_threads, or move_interaction of its last interaction); such a thread is closed and empty';

-- The audit trail ------------------------------------------------------------------

CREATE TABLE omnichannel.thread_event (
    id              bigint GENERATED BY DEFAULT AS IDENTITY,
    customer_id     bigint NOT NULL,
    occurred_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    actor           text NOT NULL DEFAULT CURRENT_USER,
    action          text NOT NULL CHECK (action IN ('move', 'split', 'merge', 'restitch')),
    thread_id       bigint NOT NULL,
    other_thread_id bigint NOT NULL,
    interaction_ids bigint[] NOT NULL,
    reason          text,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb
                    CHECK (pg_catalog.jsonb_typeof(details) = 'object'),
    -- No foreign keys to thread: an audit trail outlives what it describes,
    -- and TRUNCATE/DELETE of threads must not depend on it.
    CONSTRAINT thread_event_pkey PRIMARY KEY (customer_id, id)
);
-- "Events of a thread": a thread appears in either column.
CREATE INDEX thread_event_thread_idx
    ON omnichannel.thread_event (thread_id, occurred_at);
CREATE INDEX thread_event_other_thread_idx
    ON omnichannel.thread_event (other_thread_id, occurred_at);
COMMENT ON TABLE omnichannel.thread_event IS
    'Append-only audit trail of operator changes to threads (move, split, merge)';
COMMENT ON COLUMN omnichannel.thread_event.id IS 'Event key, in order of recording';
COMMENT ON COLUMN omnichannel.thread_event.customer_id IS 'The customer whose threads changed';
COMMENT ON COLUMN omnichannel.thread_event.occurred_at IS 'When the operation ran (transaction start time)';
COMMENT ON COLUMN omnichannel.thread_event.actor IS 'Database role that ran the operation';
COMMENT ON COLUMN omnichannel.thread_event.action IS 'move, split, merge, or restitch (interactions that restitch() moved from thread_id to other_thread_id)';
COMMENT ON COLUMN omnichannel.thread_event.thread_id IS 'move and restitch: the thread the interactions left; split: the thread split; merge: the surviving thread';
COMMENT ON COLUMN omnichannel.thread_event.other_thread_id IS 'move and restitch: the thread they went to; split: the new thread; merge: the absorbed thread';
COMMENT ON COLUMN omnichannel.thread_event.interaction_ids IS 'Interactions that changed thread, in (occurred_at, id) order';
COMMENT ON COLUMN omnichannel.thread_event.reason IS 'Free-text reason given by the operator';
COMMENT ON COLUMN omnichannel.thread_event.details IS 'What else happened (previous stitch reasons, emptied or re-pointed threads), as a JSON object';

-- Append-only audit tables (thread_event here, sla_event in ext/85_sla.sql):
-- the trigger's arguments are the refusal's message and hint.
CREATE FUNCTION omnichannel.audit_append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the only change allowed is customer_id (customers merged)
    IF TG_OP = 'UPDATE'
       AND pg_catalog.to_jsonb(NEW) - 'customer_id' = pg_catalog.to_jsonb(OLD) - 'customer_id'
    THEN
        RETURN NEW;
    END IF;
    -- ... and the privacy redaction of an erased customer's event (see
    -- ext/89_privacy.sql): only by the table's owner (forget_customer runs
    -- as it, SECURITY DEFINER), reason cleared and details replaced by
    -- privacy_redact_jsonb(details), nothing else changed
    -- (the owner test first and on its own: other roles may not read customer)
    IF TG_OP = 'UPDATE'
       AND (SELECT pg_catalog.pg_get_userbyid(c.relowner)
              FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) = CURRENT_USER
    THEN
        IF pg_catalog.to_jsonb(NEW) - 'reason' - 'details' = pg_catalog.to_jsonb(OLD) - 'reason' - 'details'
           AND coalesce(pg_catalog.to_jsonb(NEW) -> 'reason', 'null'::jsonb) = 'null'::jsonb
           AND (pg_catalog.to_jsonb(NEW) -> 'details')
               IS NOT DISTINCT FROM omnichannel.privacy_redact_jsonb(pg_catalog.to_jsonb(OLD) -> 'details')
           AND EXISTS (SELECT FROM omnichannel.customer AS c
                        WHERE c.id = OLD.customer_id AND c.erased_at IS NOT NULL)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0]
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s of event %s of %s.%s was refused.',
                                         TG_OP, OLD.id, TG_TABLE_SCHEMA, TG_TABLE_NAME),
              HINT = TG_ARGV[1];
END
$$;
COMMENT ON FUNCTION omnichannel.audit_append_only() IS
    'Trigger: refuses UPDATE and DELETE on an audit table (except changing customer_id when customers are merged, and the privacy redaction of an erased customer''s event by the table''s owner: reason cleared, details redacted); arguments: the message and the hint';

CREATE TRIGGER thread_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.thread_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'thread events are append-only',
        'Record a correcting operation (move_interaction, split_thread, merge_threads) instead.');
COMMENT ON TRIGGER thread_event_append_only ON omnichannel.thread_event IS
    'Keeps the audit trail append-only';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.thread_event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.thread_event', 'id'), '');

-- Shared helpers -----------------------------------------------------------------

CREATE FUNCTION omnichannel.refresh_thread(thread bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_thread  bigint := refresh_thread.thread;
    v_n       bigint;
    v_first   timestamptz;
    v_last    timestamptz;
    v_subject text;
    v_chans   omnichannel.channel[];
BEGIN
    IF v_thread IS NULL THEN
        RAISE EXCEPTION 'thread must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT count(*), min(i.occurred_at), max(i.occurred_at),
           (array_agg(i.subject ORDER BY i.occurred_at, i.id)
                FILTER (WHERE i.subject IS NOT NULL))[1]
      INTO v_n, v_first, v_last, v_subject
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_thread;
    SELECT coalesce(array_agg(c.channel ORDER BY c.first_at, c.first_id),
                    '{}'::omnichannel.channel[])
      INTO v_chans
      FROM (SELECT i.channel, min(i.occurred_at) AS first_at, min(i.id) AS first_id
              FROM omnichannel.interaction AS i
             WHERE i.thread_id = v_thread
             GROUP BY i.channel) AS c;
    IF v_n > 0 THEN
        UPDATE omnichannel.thread AS t
           SET opened_at = v_first, last_activity_at = v_last,
               subject = v_subject, channels = v_chans
         WHERE t.id = v_thread;
    ELSE
        -- an empty thread keeps its times and subject as history
        UPDATE omnichannel.thread AS t
           SET channels = v_chans
         WHERE t.id = v_thread;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'thread % does not exist', v_thread
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- the queue facts (ext/85_sla.sql) from the customer-visible messages;
    -- the SLA clocks are left as they ran
    UPDATE omnichannel.thread AS t
       SET first_inbound_at = f.first_in, last_inbound_at = f.last_in,
           last_outbound_at = f.last_out,
           first_response_at = r.first_reply,
           waiting_since = CASE WHEN f.last_in > COALESCE(f.last_out, '-infinity') THEN w.streak END,
           waiting_channel = COALESCE(f.last_in_channel, t.waiting_channel),
           queue = COALESCE(f.last_queue, t.queue)
      FROM (SELECT min(i.occurred_at) FILTER (WHERE i.direction = 'inbound') AS first_in,
                   max(i.occurred_at) FILTER (WHERE i.direction = 'inbound') AS last_in,
                   max(i.occurred_at) FILTER (WHERE i.direction = 'outbound') AS last_out,
                   (array_agg(i.channel ORDER BY i.occurred_at DESC, i.id DESC)
                        FILTER (WHERE i.direction = 'inbound'))[1] AS last_in_channel,
                   (array_agg(i.queue ORDER BY i.occurred_at DESC, i.id DESC)
                        FILTER (WHERE i.direction = 'inbound' AND i.queue IS NOT NULL))[1] AS last_queue
              FROM omnichannel.interaction AS i
             WHERE i.thread_id = v_thread) AS f,
           LATERAL (SELECT min(o.occurred_at) AS first_reply
                      FROM omnichannel.interaction AS o
                     WHERE o.thread_id = v_thread AND o.direction = 'outbound'
                       AND o.occurred_at >= f.first_in) AS r,
           LATERAL (SELECT min(i.occurred_at) AS streak
                      FROM omnichannel.interaction AS i
                     WHERE i.thread_id = v_thread AND i.direction = 'inbound'
                       AND i.occurred_at > COALESCE(f.last_out, '-infinity')) AS w
     WHERE t.id = v_thread
       AND (t.first_inbound_at, t.last_inbound_at, t.last_outbound_at, t.first_response_at,
            t.waiting_since, t.waiting_channel, t.queue)
           IS DISTINCT FROM
           (f.first_in, f.last_in, f.last_out, r.first_reply,
            CASE WHEN f.last_in > COALESCE(f.last_out, '-infinity') THEN w.streak END,
            COALESCE(f.last_in_channel, t.waiting_channel), COALESCE(f.last_queue, t.queue));
END
$$;
COMMENT ON FUNCTION omnichannel.refresh_thread(bigint) IS
    'Recomputes a thread''s opened_at, last_activity_at, channels, subject and queue facts (first and last customer message, first reply, waiting since) from its interactions (an empty thread keeps its times and subject); SLA clocks are not re-derived';

-- Takes the operation lock and checks the isolation level (internal).
CREATE FUNCTION omnichannel.thread_ops_lock()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'thread operations require the READ COMMITTED isolation level'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('The current transaction is %s; its snapshot could miss interactions committed by concurrent ingest.',
                                             upper(current_setting('transaction_isolation'))),
                  HINT = 'Run the operation in a READ COMMITTED transaction.';
    END IF;
    LOCK TABLE omnichannel.interaction IN SHARE ROW EXCLUSIVE MODE;
END
$$;
COMMENT ON FUNCTION omnichannel.thread_ops_lock() IS
    'Internal to the thread operator functions: refuses non-READ COMMITTED transactions and serializes against ingest and other operators';

-- The operations -------------------------------------------------------------------

CREATE FUNCTION omnichannel.move_interaction(interaction bigint, thread bigint,
                                             reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_interaction bigint := move_interaction.interaction;
    v_target      bigint := move_interaction.thread;
    v_reason      text := move_interaction.reason;
    v_from        bigint;
    v_customer    bigint;
    v_prev_reason text;
    v_prev_ev     jsonb;
    v_target_cust bigint;
    v_target_merged bigint;
    v_left        bigint;
    v_event       bigint;
    r             record;
BEGIN
    IF v_interaction IS NULL OR v_target IS NULL THEN
        RAISE EXCEPTION 'interaction and thread must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    SELECT i.thread_id, i.customer_id, i.stitch_reason, i.stitch_evidence
      INTO v_from, v_customer, v_prev_reason, v_prev_ev
      FROM omnichannel.interaction AS i
     WHERE i.id = v_interaction;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'interaction % does not exist', v_interaction
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    -- lock both threads in id order
    FOR r IN SELECT t.id, t.customer_id, t.merged_into
               FROM omnichannel.thread AS t
              WHERE t.id IN (v_from, v_target)
              ORDER BY t.id
                FOR UPDATE
    LOOP
        IF r.id = v_target THEN
            v_target_cust := r.customer_id;
            v_target_merged := r.merged_into;
        END IF;
    END LOOP;
    IF v_target_cust IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_target
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_target_cust <> v_customer THEN
        RAISE EXCEPTION 'thread % belongs to customer %, not to customer %',
                        v_target, v_target_cust, v_customer
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = pg_catalog.format('Interaction %s belongs to customer %s; a thread never mixes customers.',
                                             v_interaction, v_customer),
                  HINT = 'Merge the customers first if they are the same person.';
    END IF;
    IF v_target = v_from THEN
        RAISE EXCEPTION 'interaction % is already in thread %', v_interaction, v_target
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_target_merged IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was merged into thread %', v_target, v_target_merged
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Move the interaction to thread %s instead.', v_target_merged);
    END IF;

    SELECT count(*) INTO v_left
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_from AND i.id <> v_interaction;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_customer, 'move', v_from, v_target, ARRAY[v_interaction], v_reason,
            jsonb_build_object('previous_reason', v_prev_reason,
                               'previous_evidence', v_prev_ev,
                               'emptied_thread', v_left = 0))
    RETURNING id INTO v_event;

    UPDATE omnichannel.interaction AS i
       SET thread_id = v_target,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'move', 'by', CURRENT_USER, 'event_id', v_event,
               'from_thread', v_from, 'reason', v_reason,
               'previous_reason', v_prev_reason, 'previous_evidence', v_prev_ev)
     WHERE i.id = v_interaction;

    IF v_left = 0 THEN
        -- the emptied thread stays (events reference it), closed, pointing
        -- at where its interaction went; so do threads merged into it
        UPDATE omnichannel.thread AS t
           SET merged_into = v_target, status = 'closed'
         WHERE t.id = v_from OR t.merged_into = v_from;
    END IF;
    PERFORM omnichannel.refresh_thread(v_from);
    PERFORM omnichannel.refresh_thread(v_target);
    RETURN v_event;
END
$$;
COMMENT ON FUNCTION omnichannel.move_interaction(bigint, bigint, text) IS
    'Moves one interaction to another thread of the same customer (stitch_reason manual), records a thread_event and returns its id';

CREATE FUNCTION omnichannel.split_thread(interaction bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_interaction bigint := split_thread.interaction;
    v_reason      text := split_thread.reason;
    v_from        bigint;
    v_customer    bigint;
    v_at          timestamptz;
    v_priority    omnichannel.priority;
    v_new         bigint;
    v_ids         bigint[];
    v_prev        jsonb;
    v_event       bigint;
BEGIN
    IF v_interaction IS NULL THEN
        RAISE EXCEPTION 'interaction must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    SELECT i.thread_id, i.customer_id, i.occurred_at
      INTO v_from, v_customer, v_at
      FROM omnichannel.interaction AS i
     WHERE i.id = v_interaction;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'interaction % does not exist', v_interaction
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT t.priority INTO v_priority
      FROM omnichannel.thread AS t WHERE t.id = v_from FOR UPDATE;

    SELECT array_agg(i.id ORDER BY i.occurred_at, i.id),
           jsonb_object_agg(i.id::text, jsonb_build_object(
               'previous_reason', i.stitch_reason,
               'previous_evidence', i.stitch_evidence))
      INTO v_ids, v_prev
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_from AND (i.occurred_at, i.id) >= (v_at, v_interaction);
    IF NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                    WHERE i.thread_id = v_from
                      AND (i.occurred_at, i.id) < (v_at, v_interaction)) THEN
        RAISE EXCEPTION 'interaction % is the first interaction of thread %', v_interaction, v_from
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Splitting there would leave nothing in the thread.',
                  HINT = 'Split at a later interaction, or move interactions with move_interaction.';
    END IF;

    INSERT INTO omnichannel.thread
           (customer_id, status, priority, opened_at, last_activity_at)
    VALUES (v_customer, 'open', v_priority, v_at, v_at)
    RETURNING id INTO v_new;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_customer, 'split', v_from, v_new, v_ids, v_reason,
            jsonb_build_object('at_interaction', v_interaction, 'previous', v_prev))
    RETURNING id INTO v_event;

    UPDATE omnichannel.interaction AS i
       SET thread_id = v_new,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'split', 'by', CURRENT_USER, 'event_id', v_event,
               'from_thread', v_from, 'reason', v_reason,
               'previous_reason', i.stitch_reason, 'previous_evidence', i.stitch_evidence)
     WHERE i.id = ANY (v_ids);

    PERFORM omnichannel.refresh_thread(v_from);
    PERFORM omnichannel.refresh_thread(v_new);
    RETURN v_new;
END
$$;
COMMENT ON FUNCTION omnichannel.split_thread(bigint, text) IS
    'Moves an interaction and every later one of its thread (by occurred_at, id) to a new thread, records a thread_event and returns the new thread''s id';

CREATE FUNCTION omnichannel.merge_threads(keep bigint, absorb bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := merge_threads.keep;
    v_absorb   bigint := merge_threads.absorb;
    v_reason   text := merge_threads.reason;
    v_keep_row record;
    v_abs_row  record;
    v_ids      bigint[];
    v_prev     jsonb;
    v_repoint  bigint[];
    v_event    bigint;
    r          record;
BEGIN
    IF v_keep IS NULL OR v_absorb IS NULL THEN
        RAISE EXCEPTION 'keep and absorb must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_keep = v_absorb THEN
        RAISE EXCEPTION 'could not merge thread % into itself', v_keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    -- lock both threads in id order
    FOR r IN SELECT t.id, t.customer_id, t.status, t.merged_into
               FROM omnichannel.thread AS t
              WHERE t.id IN (v_keep, v_absorb)
              ORDER BY t.id
                FOR UPDATE
    LOOP
        IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
    END LOOP;
    IF v_keep_row IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_keep
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_abs_row IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_absorb
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_keep_row.customer_id <> v_abs_row.customer_id THEN
        RAISE EXCEPTION 'thread % belongs to customer %, not to customer %',
                        v_absorb, v_abs_row.customer_id, v_keep_row.customer_id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'Only threads of the same customer can be merged.',
                  HINT = 'Merge the customers first if they are the same person.';
    END IF;
    IF v_keep_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was merged into thread %', v_keep, v_keep_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Merge into thread %s instead.', v_keep_row.merged_into);
    END IF;
    IF v_abs_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was already merged into thread %', v_absorb, v_abs_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    SELECT coalesce(array_agg(i.id ORDER BY i.occurred_at, i.id), '{}'),
           coalesce(jsonb_object_agg(i.id::text, jsonb_build_object(
               'previous_reason', i.stitch_reason,
               'previous_evidence', i.stitch_evidence)), '{}')
      INTO v_ids, v_prev
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_absorb;
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_repoint
      FROM omnichannel.thread AS t
     WHERE t.merged_into = v_absorb;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_keep_row.customer_id, 'merge', v_keep, v_absorb, v_ids, v_reason,
            jsonb_build_object('absorbed_status', v_abs_row.status,
                               'repointed_threads', to_jsonb(v_repoint),
                               'previous', v_prev))
    RETURNING id INTO v_event;

    UPDATE omnichannel.interaction AS i
       SET thread_id = v_keep,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'merge', 'by', CURRENT_USER, 'event_id', v_event,
               'from_thread', v_absorb, 'reason', v_reason,
               'previous_reason', i.stitch_reason, 'previous_evidence', i.stitch_evidence)
     WHERE i.thread_id = v_absorb;

    -- no chains: whatever pointed at the absorbed thread now points at keep
    UPDATE omnichannel.thread AS t
       SET merged_into = v_keep, status = 'closed'
     WHERE t.id = v_absorb OR t.merged_into = v_absorb;

    PERFORM omnichannel.refresh_thread(v_absorb);
    PERFORM omnichannel.refresh_thread(v_keep);
    RETURN v_keep;
END
$$;
COMMENT ON FUNCTION omnichannel.merge_threads(bigint, bigint, text) IS
    'Moves every interaction of thread absorb into thread keep (same customer), closes absorb with merged_into = keep, records a thread_event and returns keep';

-- Automatic merges by ingest ------------------------------------------------------

CREATE FUNCTION omnichannel.late_arrival_merge(keep bigint, absorb bigint, evidence jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := late_arrival_merge.keep;
    v_absorb   bigint := late_arrival_merge.absorb;
    v_keep_row record;
    v_abs_row  record;
    v_ids      bigint[];
    r          record;
BEGIN
    -- ingest already holds ROW EXCLUSIVE on interaction; operators (SHARE
    -- ROW EXCLUSIVE) cannot run meanwhile.  Lock the threads in id order
    -- against concurrent ingest touching them.
    FOR r IN SELECT t.id, t.customer_id, t.status, t.merged_into
               FROM omnichannel.thread AS t
              WHERE t.id IN (v_keep, v_absorb)
              ORDER BY t.id
                FOR UPDATE
    LOOP
        IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
    END LOOP;
    IF v_keep = v_absorb OR v_keep_row IS NULL OR v_abs_row IS NULL
       OR v_keep_row.customer_id <> v_abs_row.customer_id
       OR v_keep_row.merged_into IS NOT NULL OR v_abs_row.merged_into IS NOT NULL THEN
        RETURN;     -- nothing (left) to merge
    END IF;

    SELECT coalesce(array_agg(i.id ORDER BY i.occurred_at, i.id), '{}')
      INTO v_ids
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_absorb;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_keep_row.customer_id, 'merge', v_keep, v_absorb, v_ids, 'late arrival',
            jsonb_build_object('automatic', true, 'evidence', evidence,
                               'absorbed_status', v_abs_row.status));

    -- the interactions keep their stitch_reason and evidence; the event
    -- says why they moved
    UPDATE omnichannel.interaction AS i
       SET thread_id = v_keep
     WHERE i.thread_id = v_absorb;
    UPDATE omnichannel.thread AS t
       SET merged_into = v_keep, status = 'closed'
     WHERE t.id = v_absorb OR t.merged_into = v_absorb;

    PERFORM omnichannel.refresh_thread(v_absorb);
    PERFORM omnichannel.refresh_thread(v_keep);
END
$$;
COMMENT ON FUNCTION omnichannel.late_arrival_merge(bigint, bigint, jsonb) IS
    'Internal to ingest: a message arrived after replies to it that had opened their own thread; merges that thread into the message''s (thread_event action merge, reason late arrival, details.automatic)';

-- Recompute a customer's threads ---------------------------------------------------

CREATE FUNCTION omnichannel.restitch(customer bigint, reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer bigint := restitch.customer;
    v_reason   text := restitch.reason;
    v_rows     omnichannel.interaction[];
    v_old      jsonb;           -- interaction id -> old thread
    v_old_threads bigint[];     -- the threads that held them
    v_claimed  bigint[] := '{}';
    v_after    bigint;
    v_moved    bigint := 0;
    v_events   bigint := 0;
    r          record;
    n          record;
BEGIN
    IF v_customer IS NULL THEN
        RAISE EXCEPTION 'customer must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    PERFORM FROM omnichannel.customer AS c WHERE c.id = v_customer FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', v_customer
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM FROM omnichannel.thread AS t WHERE t.customer_id = v_customer ORDER BY t.id FOR UPDATE;

    SELECT coalesce(array_agg(i ORDER BY i.occurred_at, i.id), '{}'),
           coalesce(jsonb_object_agg(i.id::text, i.thread_id), '{}'),
           coalesce(array_agg(DISTINCT i.thread_id), '{}')
      INTO v_rows, v_old, v_old_threads
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_customer;

    -- Forget what ingest derived, then store the history again in time
    -- order: the ingest trigger decides every thread afresh.  Manual
    -- decisions (stitch_reason manual) keep their thread; the rows keep
    -- their ids and every other column.
    DELETE FROM omnichannel.thread_key AS k WHERE k.customer_id = v_customer;
    DELETE FROM omnichannel.thread_subject AS k WHERE k.customer_id = v_customer;
    DELETE FROM omnichannel.pending_reference AS p WHERE p.customer_id = v_customer;
    DELETE FROM omnichannel.interaction AS i WHERE i.customer_id = v_customer;
    FOR r IN SELECT * FROM unnest(v_rows) AS u ORDER BY u.occurred_at, u.id LOOP
        INSERT INTO omnichannel.interaction
               (id, customer_id, thread_id, channel, direction, occurred_at, ended_at, contact,
                agent, queue, subject, body, external_id, in_reply_to, refs, attributes,
                stitch_reason, stitch_evidence, created_at)
        VALUES (r.id, r.customer_id,
                CASE WHEN r.stitch_reason = 'manual' THEN r.thread_id END,
                r.channel, r.direction, r.occurred_at, r.ended_at, r.contact,
                r.agent, r.queue, r.subject, r.body, r.external_id, r.in_reply_to, r.refs,
                r.attributes,
                CASE WHEN r.stitch_reason = 'manual' THEN 'manual' END,
                CASE WHEN r.stitch_reason = 'manual' THEN r.stitch_evidence END,
                r.created_at);
    END LOOP;

    -- A thread ingest opened now takes the id of the old thread that held
    -- its earliest interaction, when that one holds nothing but manual
    -- placements and is not yet taken, so that threads keep their ids,
    -- status, assignee and context.
    FOR n IN SELECT t.id AS new_id,
                    (v_old ->> (SELECT i.id FROM omnichannel.interaction AS i
                                 WHERE i.thread_id = t.id
                                 ORDER BY i.occurred_at, i.id LIMIT 1)::text)::bigint AS old_id
               FROM omnichannel.thread AS t
              WHERE t.customer_id = v_customer
                AND t.id <> ALL (v_old_threads)
                AND EXISTS (SELECT FROM omnichannel.interaction AS i WHERE i.thread_id = t.id)
              ORDER BY t.opened_at, t.id
    LOOP
        IF n.old_id IS NOT NULL AND n.old_id <> ALL (v_claimed)
           AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                            WHERE i.thread_id = n.old_id AND i.stitch_reason <> 'manual')
           AND (SELECT t.merged_into IS NULL FROM omnichannel.thread AS t WHERE t.id = n.old_id) THEN
            UPDATE omnichannel.interaction AS i SET thread_id = n.old_id WHERE i.thread_id = n.new_id;
            UPDATE omnichannel.thread_key AS k SET thread_id = n.old_id WHERE k.thread_id = n.new_id;
            UPDATE omnichannel.thread_subject AS k SET thread_id = n.old_id WHERE k.thread_id = n.new_id;
            UPDATE omnichannel.thread AS t SET merged_into = n.old_id WHERE t.merged_into = n.new_id;
            DELETE FROM omnichannel.thread AS t WHERE t.id = n.new_id;
            PERFORM omnichannel.refresh_thread(n.old_id);
            v_claimed := v_claimed || n.old_id;
        END IF;
    END LOOP;

    -- Old threads left empty point to where their first interaction went.
    FOR r IN SELECT t.id,
                    (SELECT i.thread_id FROM omnichannel.interaction AS i
                      WHERE (v_old ->> i.id::text)::bigint = t.id
                      ORDER BY i.occurred_at, i.id LIMIT 1) AS went_to
               FROM omnichannel.thread AS t
              WHERE t.customer_id = v_customer AND t.merged_into IS NULL
                AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i WHERE i.thread_id = t.id)
    LOOP
        IF r.went_to IS NOT NULL AND r.went_to <> r.id THEN
            UPDATE omnichannel.thread AS t SET merged_into = r.went_to, status = 'closed'
             WHERE t.id = r.id OR t.merged_into = r.id;
        END IF;
    END LOOP;

    -- One audit row per (from, to) pair of threads.
    FOR r IN SELECT (v_old ->> i.id::text)::bigint AS from_thread, i.thread_id AS to_thread,
                    array_agg(i.id ORDER BY i.occurred_at, i.id) AS ids
               FROM omnichannel.interaction AS i
              WHERE i.customer_id = v_customer
                AND (v_old ->> i.id::text)::bigint IS DISTINCT FROM i.thread_id
              GROUP BY 1, 2 ORDER BY 1, 2
    LOOP
        INSERT INTO omnichannel.thread_event
               (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
        VALUES (v_customer, 'restitch', r.from_thread, r.to_thread, r.ids, v_reason,
                jsonb_build_object('automatic', false));
        v_moved := v_moved + cardinality(r.ids);
        v_events := v_events + 1;
    END LOOP;
    FOR r IN SELECT t.id FROM omnichannel.thread AS t WHERE t.customer_id = v_customer LOOP
        PERFORM omnichannel.refresh_thread(r.id);
    END LOOP;

    SELECT count(DISTINCT i.thread_id) INTO v_after
      FROM omnichannel.interaction AS i WHERE i.customer_id = v_customer;
    RETURN jsonb_build_object('customer', v_customer,
                              'interactions', cardinality(v_rows),
                              'threads_before', cardinality(v_old_threads),
                              'threads_after', v_after,
                              'moved', v_moved,
                              'events', v_events);
END
$$;
COMMENT ON FUNCTION omnichannel.restitch(bigint, text) IS
    'Recomputes a customer''s threads from scratch: every interaction not placed by hand (stitch_reason manual) is stitched again in (occurred_at, id) order; threads keep their ids where they can; moves are recorded as thread_event rows (action restitch); returns a summary';
-- ---------------------------------------------------------------------------
-- thread_context(): what the next agent needs to know about a thread, on any
-- channel ("context cookies"): IVR choices and self-service steps, business
-- keys, the last topics, the channels used, the previous agent.  Derived
-- from the thread's interactions when asked (index interaction_thread_idx),
-- so it is never stale; thread.context (free-form, written by applications)
-- is included as it is.  See docs/stitching.md "Thread context".
-- ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.thread_context(thread bigint)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH t AS (
        SELECT * FROM omnichannel.thread WHERE id OPERATOR(pg_catalog.=) thread_context.thread
    ), i AS (
        SELECT * FROM omnichannel.interaction
         WHERE thread_id OPERATOR(pg_catalog.=) thread_context.thread
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
        'previous_agent', (
            SELECT i.agent FROM i WHERE i.agent IS NOT NULL
             ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1),
        'last_interaction', (
            SELECT jsonb_build_object('at', i.occurred_at, 'channel', i.channel,
                                      'direction', i.direction, 'agent', i.agent,
                                      'subject', i.subject)
              FROM i ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1),
        'context', t.context)
      FROM t
$$;
COMMENT ON FUNCTION omnichannel.thread_context(bigint) IS
    'What the next agent needs about a thread on any channel: IVR choices, business keys, last topics, channels, previous agent, last interaction, and thread.context; NULL for an unknown thread';
-- ---------------------------------------------------------------------------
-- Identity: merging two customers that are the same person, and undoing it.
-- See docs/identity.md.
--
-- A merge moves everything of the absorbed customer to the survivor: its
-- identifiers, its threads (and with them, by ON UPDATE CASCADE, their
-- interactions and look-up rows), its audit rows and pending references.
-- The absorbed customer's row stays, pointing at the survivor
-- (customer.merged_into), so ids held by a CRM keep resolving: ingest and
-- timeline() follow the pointer.  Every merge and unmerge is a row of the
-- append-only identity_event with what moved, which is what unmerge()
-- reads to put it back.
--
-- Concurrency: like the thread operations, a merge takes
-- thread_ops_lock() (SHARE ROW EXCLUSIVE on interaction: it waits for
-- in-flight ingest and holds new ingest until it commits) and locks both
-- customers FOR UPDATE in id order.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.identity_event (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    occurred_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    actor             text NOT NULL DEFAULT CURRENT_USER,
    action            text NOT NULL CHECK (action IN ('link', 'merge', 'unmerge')),
    customer_id       bigint NOT NULL,
    other_customer_id bigint,
    reason            text,
    details           jsonb NOT NULL DEFAULT '{}'::jsonb
                      CHECK (pg_catalog.jsonb_typeof(details) = 'object'),
    undone_by         bigint,
    -- No foreign keys to customer: the log outlives what it describes.
    CONSTRAINT identity_event_not_self CHECK (customer_id <> other_customer_id),
    CONSTRAINT identity_event_link_has_one_customer
        CHECK ((action = 'link') = (other_customer_id IS NULL))
);
CREATE INDEX identity_event_customer_idx ON omnichannel.identity_event (customer_id, id);
CREATE INDEX identity_event_other_customer_idx ON omnichannel.identity_event (other_customer_id, id);
COMMENT ON TABLE omnichannel.identity_event IS
    'Append-only log of identity changes: identifiers linked to a customer from an interaction, customer merges and unmerges, with their evidence (the only later change: undone_by, set once by unmerge)';
COMMENT ON COLUMN omnichannel.identity_event.id IS 'Event key, in order of recording';
COMMENT ON COLUMN omnichannel.identity_event.occurred_at IS 'When it ran (transaction start time)';
COMMENT ON COLUMN omnichannel.identity_event.actor IS 'Database role that ran it';
COMMENT ON COLUMN omnichannel.identity_event.action IS 'link (an identifier attached to a customer), merge or unmerge';
COMMENT ON COLUMN omnichannel.identity_event.customer_id IS 'link: the customer; merge: the survivor; unmerge: the one that kept the rest';
COMMENT ON COLUMN omnichannel.identity_event.other_customer_id IS 'merge: the absorbed customer; unmerge: the one restored; NULL for a link';
COMMENT ON COLUMN omnichannel.identity_event.reason IS 'Free-text reason given';
COMMENT ON COLUMN omnichannel.identity_event.details IS
    'Evidence and what moved: link: the contact point and the interaction that carried it; merge: identifiers, threads, thread_events, customers re-pointed; unmerge: the merge event undone and what arrived since';
COMMENT ON COLUMN omnichannel.identity_event.undone_by IS 'For a merge: the unmerge event that undid it';

CREATE FUNCTION omnichannel.identity_event_append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the only change allowed is recording, once, the unmerge that undid a merge
    IF TG_OP = 'UPDATE' AND OLD.undone_by IS NULL AND NEW.undone_by IS NOT NULL
       AND (NEW.id, NEW.occurred_at, NEW.actor, NEW.action, NEW.customer_id,
            NEW.other_customer_id, NEW.reason, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.occurred_at, OLD.actor, OLD.action, OLD.customer_id,
            OLD.other_customer_id, OLD.reason, OLD.details)
    THEN
        RETURN NEW;
    END IF;
    -- ... and the privacy redaction of an event of an erased customer (see
    -- ext/89_privacy.sql): only by the table's owner (forget_customer runs
    -- as it, SECURITY DEFINER), reason cleared and details replaced by
    -- privacy_redact_jsonb(details), nothing else changed
    -- (the owner test first and on its own: other roles may not read customer)
    IF TG_OP = 'UPDATE'
       AND (SELECT pg_catalog.pg_get_userbyid(c.relowner)
              FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) = CURRENT_USER
    THEN
        IF NEW.reason IS NULL
           AND (NEW.id, NEW.occurred_at, NEW.actor, NEW.action, NEW.customer_id,
                NEW.other_customer_id, NEW.undone_by)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.occurred_at, OLD.actor, OLD.action, OLD.customer_id,
                OLD.other_customer_id, OLD.undone_by)
           AND NEW.details IS NOT DISTINCT FROM omnichannel.privacy_redact_jsonb(OLD.details)
           AND EXISTS (SELECT FROM omnichannel.customer AS c
                        WHERE c.id IN (OLD.customer_id, OLD.other_customer_id)
                          AND c.erased_at IS NOT NULL)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'identity events are append-only'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s of event %s of omnichannel.identity_event was refused.', TG_OP, OLD.id),
              HINT = 'Undo a merge with omnichannel.unmerge(event).';
END
$$;
COMMENT ON FUNCTION omnichannel.identity_event_append_only() IS
    'Trigger: refuses UPDATE and DELETE on identity_event, except setting undone_by once, and the privacy redaction of an erased customer''s event by the table''s owner (reason cleared, details redacted)';
CREATE TRIGGER identity_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.identity_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.identity_event_append_only();
COMMENT ON TRIGGER identity_event_append_only ON omnichannel.identity_event IS
    'Keeps the identity log append-only';

CREATE TABLE omnichannel.identity_no_link (
    customer_a  bigint NOT NULL,
    customer_b  bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  text NOT NULL DEFAULT CURRENT_USER,
    reason      text,
    PRIMARY KEY (customer_a, customer_b),
    CONSTRAINT identity_no_link_ordered CHECK (customer_a < customer_b)
);
COMMENT ON TABLE omnichannel.identity_no_link IS
    'Pairs of customers that must not be merged again (written by unmerge, or by the DBA); merge_customers refuses them';
COMMENT ON COLUMN omnichannel.identity_no_link.customer_a IS 'The lower customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_no_link.customer_b IS 'The higher customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_no_link.created_at IS 'When the pair was recorded';
COMMENT ON COLUMN omnichannel.identity_no_link.created_by IS 'Who recorded it';
COMMENT ON COLUMN omnichannel.identity_no_link.reason IS 'Why (for unmerge: the event undone)';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.identity_event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.identity_event', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.identity_no_link', '');

-- Merge ------------------------------------------------------------------------------

CREATE FUNCTION omnichannel.merge_customers(keep bigint, absorb bigint, reason text DEFAULT NULL,
                                            force boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := merge_customers.keep;
    v_absorb   bigint := merge_customers.absorb;
    v_reason   text := merge_customers.reason;
    v_found    bigint[];
    v_keep_row record;
    v_abs_row  record;
    v_crm_keep text[];
    v_crm_abs  text[];
    v_contacts text[];
    v_threads  bigint[];
    v_tevents  bigint[];
    v_pending  jsonb;
    v_repoint  bigint[];
    v_event    bigint;
    r          record;
BEGIN
    IF v_keep IS NULL OR v_absorb IS NULL OR force IS NULL THEN
        RAISE EXCEPTION 'keep, absorb and force must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_keep = v_absorb THEN
        RAISE EXCEPTION 'could not merge customer % into itself', v_keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    FOR r IN SELECT c.id, c.merged_into
               FROM omnichannel.customer AS c
              WHERE c.id IN (v_keep, v_absorb)
              ORDER BY c.id
                FOR UPDATE
    LOOP
        IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
    END LOOP;
    IF v_keep_row IS NULL THEN
        RAISE EXCEPTION 'customer % does not exist', v_keep USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_abs_row IS NULL THEN
        RAISE EXCEPTION 'customer % does not exist', v_absorb USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_keep_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged into customer %', v_keep, v_keep_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Merge into customer %s instead.', v_keep_row.merged_into);
    END IF;
    IF v_abs_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was already merged into customer %', v_absorb, v_abs_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                WHERE n.customer_a = least(v_keep, v_absorb)
                  AND n.customer_b = greatest(v_keep, v_absorb)) THEN
        RAISE EXCEPTION 'customers % and % must not be merged', v_keep, v_absorb
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The pair is in omnichannel.identity_no_link (an earlier merge of them was undone).',
                  HINT = 'Delete the pair from omnichannel.identity_no_link if they are the same person after all.';
    END IF;

    -- merge protection: different CRM ids are different people
    SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_keep
      FROM omnichannel.customer_identifier AS i
     WHERE i.customer_id = v_keep AND omnichannel.kind(i.contact) = 'crm';
    SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_abs
      FROM omnichannel.customer_identifier AS i
     WHERE i.customer_id = v_absorb AND omnichannel.kind(i.contact) = 'crm';
    IF v_crm_keep IS NOT NULL AND v_crm_abs IS NOT NULL AND NOT v_crm_keep && v_crm_abs
       AND NOT force THEN
        RAISE EXCEPTION 'customers % and % have different CRM ids', v_keep, v_absorb
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Customer %s is %s in the CRM, customer %s is %s.',
                                             v_keep, array_to_string(v_crm_keep, ', '),
                                             v_absorb, array_to_string(v_crm_abs, ', ')),
                  HINT = 'Pass force => true if the CRM records are duplicates of one person.';
    END IF;

    -- what moves, recorded for unmerge
    SELECT coalesce(array_agg(i.contact::text ORDER BY i.contact::text), '{}') INTO v_contacts
      FROM omnichannel.customer_identifier AS i WHERE i.customer_id = v_absorb;
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_threads
      FROM omnichannel.thread AS t WHERE t.customer_id = v_absorb;
    SELECT coalesce(array_agg(e.id ORDER BY e.id), '{}') INTO v_tevents
      FROM omnichannel.thread_event AS e WHERE e.customer_id = v_absorb;
    SELECT coalesce(jsonb_agg(jsonb_build_array(p.external_id, p.interaction_id)
                              ORDER BY p.external_id, p.interaction_id), '[]') INTO v_pending
      FROM omnichannel.pending_reference AS p WHERE p.customer_id = v_absorb;
    SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') INTO v_repoint
      FROM omnichannel.customer AS c WHERE c.merged_into = v_absorb;

    INSERT INTO omnichannel.identity_event (action, customer_id, other_customer_id, reason, details)
    VALUES ('merge', v_keep, v_absorb, v_reason,
            jsonb_build_object('identifiers', to_jsonb(v_contacts),
                               'threads', to_jsonb(v_threads),
                               'thread_events', to_jsonb(v_tevents),
                               'pending_references', v_pending,
                               'repointed_customers', to_jsonb(v_repoint),
                               'interactions', (SELECT count(*) FROM omnichannel.interaction AS i
                                                 WHERE i.customer_id = v_absorb),
                               'forced', force))
    RETURNING id INTO v_event;

    UPDATE omnichannel.customer_identifier AS i SET customer_id = v_keep
     WHERE i.customer_id = v_absorb;
    -- threads carry their interactions and look-up rows (ON UPDATE CASCADE)
    UPDATE omnichannel.thread AS t SET customer_id = v_keep
     WHERE t.customer_id = v_absorb;
    UPDATE omnichannel.thread_event AS e SET customer_id = v_keep
     WHERE e.customer_id = v_absorb;
    UPDATE omnichannel.sla_event AS e SET customer_id = v_keep
     WHERE e.customer_id = v_absorb;
    UPDATE omnichannel.pending_reference AS p SET customer_id = v_keep
     WHERE p.customer_id = v_absorb;
    -- no chains
    UPDATE omnichannel.customer AS c SET merged_into = v_keep
     WHERE c.id = v_absorb OR c.merged_into = v_absorb;
    RETURN v_event;
END
$$;
COMMENT ON FUNCTION omnichannel.merge_customers(bigint, bigint, text, boolean) IS
    'Merges customer absorb into keep: identifiers, threads, interactions and audit rows move, absorb points to keep; refuses pairs in identity_no_link and, unless force, customers with different crm: ids; returns the identity_event id';

-- Unmerge ----------------------------------------------------------------------------

CREATE FUNCTION omnichannel.unmerge(event bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_event    bigint := unmerge.event;
    v_reason   text := unmerge.reason;
    e          omnichannel.identity_event;
    v_keep     bigint;
    v_absorb   bigint;
    v_contacts text[];
    v_threads  bigint[];
    v_since    bigint[];
    v_split    jsonb := '[]';
    v_new      bigint;
    v_ids      bigint[];
    v_undo     bigint;
    r          record;
BEGIN
    IF v_event IS NULL THEN
        RAISE EXCEPTION 'event must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    SELECT * INTO e FROM omnichannel.identity_event AS ev WHERE ev.id = v_event FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'identity event % does not exist', v_event
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF e.action <> 'merge' THEN
        RAISE EXCEPTION 'identity event % is not a merge', v_event
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF e.undone_by IS NOT NULL THEN
        RAISE EXCEPTION 'merge % was already undone by event %', v_event, e.undone_by
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    v_keep := e.customer_id;
    v_absorb := e.other_customer_id;
    PERFORM FROM omnichannel.customer AS c WHERE c.id IN (v_keep, v_absorb) ORDER BY c.id FOR UPDATE;
    IF (SELECT c.merged_into FROM omnichannel.customer AS c WHERE c.id = v_absorb)
       IS DISTINCT FROM v_keep THEN
        RAISE EXCEPTION 'customer % is no longer merged into customer %', v_absorb, v_keep
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A later merge moved the survivor; undo that merge first.';
    END IF;
    IF (SELECT c.merged_into FROM omnichannel.customer AS c WHERE c.id = v_keep) IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged again since', v_keep
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Undo the later merge of the survivor first.';
    END IF;

    SELECT coalesce(array_agg(x), '{}') INTO v_contacts
      FROM jsonb_array_elements_text(e.details->'identifiers') AS x;
    SELECT coalesce(array_agg(x::bigint), '{}') INTO v_threads
      FROM jsonb_array_elements_text(e.details->'threads') AS x;

    -- what arrived since through the absorbed customer's identifiers: a
    -- thread made only of such interactions goes back whole; such
    -- interactions in a thread shared with the survivor go to a new thread
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_since
      FROM omnichannel.thread AS t
     WHERE t.customer_id = v_keep AND t.created_at >= e.occurred_at
       AND t.id <> ALL (v_threads)
       AND EXISTS (SELECT FROM omnichannel.interaction AS i WHERE i.thread_id = t.id)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.thread_id = t.id
                          AND (i.contact IS NULL OR i.contact::text <> ALL (v_contacts)));
    FOR r IN SELECT i.thread_id, array_agg(i.id ORDER BY i.occurred_at, i.id) AS ids,
                    min(i.occurred_at) AS first_at
               FROM omnichannel.interaction AS i
              WHERE i.customer_id = v_keep AND i.created_at >= e.occurred_at
                AND i.contact::text = ANY (v_contacts)
                AND i.thread_id <> ALL (v_threads) AND i.thread_id <> ALL (v_since)
              GROUP BY i.thread_id ORDER BY i.thread_id
    LOOP
        INSERT INTO omnichannel.thread (customer_id, opened_at, last_activity_at)
        VALUES (v_absorb, r.first_at, r.first_at)
        RETURNING id INTO v_new;
        -- the interactions leave the survivor's thread for the new one
        UPDATE omnichannel.interaction AS i
           SET customer_id = v_absorb, thread_id = v_new, stitch_reason = 'manual',
               stitch_evidence = jsonb_build_object('action', 'unmerge', 'by', CURRENT_USER,
                                                    'identity_event', v_event,
                                                    'from_thread', r.thread_id,
                                                    'previous_reason', i.stitch_reason,
                                                    'previous_evidence', i.stitch_evidence)
         WHERE i.id = ANY (r.ids);
        PERFORM omnichannel.refresh_thread(r.thread_id);
        PERFORM omnichannel.refresh_thread(v_new);
        v_split := v_split || jsonb_build_object('from_thread', r.thread_id, 'new_thread', v_new,
                                                 'interactions', to_jsonb(r.ids));
    END LOOP;

    UPDATE omnichannel.customer_identifier AS i SET customer_id = v_absorb
     WHERE i.customer_id = v_keep AND i.contact::text = ANY (v_contacts);
    UPDATE omnichannel.thread AS t SET customer_id = v_absorb
     WHERE t.customer_id = v_keep AND (t.id = ANY (v_threads) OR t.id = ANY (v_since));
    UPDATE omnichannel.thread_event AS te SET customer_id = v_absorb
     WHERE te.customer_id = v_keep
       AND te.id IN (SELECT x::bigint FROM jsonb_array_elements_text(e.details->'thread_events') AS x);
    -- the SLA log follows its threads
    UPDATE omnichannel.sla_event AS se SET customer_id = v_absorb
     WHERE se.customer_id = v_keep AND (se.thread_id = ANY (v_threads) OR se.thread_id = ANY (v_since));
    UPDATE omnichannel.pending_reference AS p SET customer_id = v_absorb
     WHERE p.customer_id = v_keep
       AND (p.external_id, p.interaction_id) IN
           (SELECT x->>0, (x->>1)::bigint FROM jsonb_array_elements(e.details->'pending_references') AS x);
    UPDATE omnichannel.customer AS c SET merged_into = NULL WHERE c.id = v_absorb;
    UPDATE omnichannel.customer AS c SET merged_into = v_absorb
     WHERE c.id IN (SELECT x::bigint FROM jsonb_array_elements_text(e.details->'repointed_customers') AS x)
       AND c.merged_into = v_keep;

    INSERT INTO omnichannel.identity_no_link (customer_a, customer_b, reason)
    VALUES (least(v_keep, v_absorb), greatest(v_keep, v_absorb),
            coalesce(v_reason, pg_catalog.format('unmerge of identity event %s', v_event)))
    ON CONFLICT DO NOTHING;

    INSERT INTO omnichannel.identity_event (action, customer_id, other_customer_id, reason, details)
    VALUES ('unmerge', v_keep, v_absorb, v_reason,
            jsonb_build_object('undoes', v_event,
                               'threads_arrived_since', to_jsonb(v_since),
                               'interactions_split_off', v_split))
    RETURNING id INTO v_undo;
    UPDATE omnichannel.identity_event AS ev SET undone_by = v_undo WHERE ev.id = v_event;
    RETURN v_undo;
END
$$;
COMMENT ON FUNCTION omnichannel.unmerge(bigint, text) IS
    'Undoes a merge_customers event: the absorbed customer gets back its identifiers, threads, interactions and audit rows, and what arrived since through its identifiers; records the pair in identity_no_link and an unmerge identity_event, whose id it returns';

-- Suggestions: weak evidence, never a merge ----------------------------------------

CREATE FUNCTION omnichannel.email_provider_key(contact omnichannel.contact_point)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_email_provider_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.email_provider_key(omnichannel.contact_point) IS
    'Provider-folded key of an e-mail contact point (a +tag dropped; dots dropped and googlemail.com read as gmail.com at Gmail), NULL for other kinds; a suggestion key only';

CREATE FUNCTION omnichannel.name_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_name_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.name_key(text) IS
    'Name key for duplicate suggestions: NFKC case-folded, Romanian cedilla letters read as comma-below, punctuation and white space folded to one space; diacritics and scripts kept; NULL if nothing is left; depends on the ICU version';

CREATE FUNCTION omnichannel.name_translit_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_name_translit_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.name_translit_key(text) IS
    'name_key transliterated to ASCII (ICU Any-Latin; Latin-ASCII): matches Дмитрий and Dmitrij, but also makes different surnames collide (Сухов, Шухов); a weak suggestion key only';

CREATE VIEW omnichannel.identity_suggestions AS
WITH active AS (
    SELECT c.id, c.display_name
      FROM omnichannel.customer AS c
     WHERE c.merged_into IS NULL
), keys AS (
    SELECT i.customer_id, 'email_provider'::text AS kind,
           omnichannel.email_provider_key(i.contact) AS key, i.contact::text AS evidence
      FROM omnichannel.customer_identifier AS i
      JOIN active AS a ON a.id = i.customer_id
     WHERE omnichannel.kind(i.contact) = 'email'
    UNION ALL
    SELECT a.id, 'name', omnichannel.name_key(a.display_name), a.display_name
      FROM active AS a WHERE a.display_name IS NOT NULL
    UNION ALL
    SELECT a.id, 'name_translit', omnichannel.name_translit_key(a.display_name), a.display_name
      FROM active AS a WHERE a.display_name IS NOT NULL
), pairs AS (
    SELECT DISTINCT x.customer_id AS customer_a, y.customer_id AS customer_b, x.kind, x.key,
           x.evidence AS evidence_a, y.evidence AS evidence_b
      FROM keys AS x
      JOIN keys AS y ON y.kind = x.kind AND y.key = x.key AND y.customer_id > x.customer_id
     WHERE x.key IS NOT NULL
)
SELECT p.customer_a, p.customer_b,
       -- the strongest evidence counts: a provider-folded address 0.6, the
       -- name 0.3, only the transliterated name 0.1
       least(1.0, coalesce(max(0.6) FILTER (WHERE p.kind = 'email_provider'), 0)
                  + coalesce(max(0.3) FILTER (WHERE p.kind = 'name'),
                             max(0.1) FILTER (WHERE p.kind = 'name_translit'), 0))::numeric(3,2) AS score,
       pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'kind', p.kind, 'key', p.key, 'a', p.evidence_a, 'b', p.evidence_b)
           ORDER BY p.kind, p.evidence_a, p.evidence_b) AS evidence
  FROM pairs AS p
 WHERE NOT EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                    WHERE n.customer_a = p.customer_a AND n.customer_b = p.customer_b)
 GROUP BY p.customer_a, p.customer_b;
COMMENT ON VIEW omnichannel.identity_suggestions IS
    'Likely duplicate customers from weak evidence (provider-folded e-mail, name keys), with the evidence and a score; never merged automatically: an operator decides with merge_customers';
COMMENT ON COLUMN omnichannel.identity_suggestions.customer_a IS 'The lower customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_suggestions.customer_b IS 'The higher customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_suggestions.score IS
    'How strong the evidence is, 0 to 1: provider-folded e-mail 0.6, plus name 0.3 (or only the transliterated name 0.1)';
COMMENT ON COLUMN omnichannel.identity_suggestions.evidence IS
    'What matched: [{"kind": email_provider | name | name_translit, "key", "a", "b"}]';

-- Several identifiers on one interaction ------------------------------------------
--
-- An interaction may carry more identifiers than its contact point:
-- attributes->'identifiers', e.g. a web form's e-mail and phone, or an
-- authenticated chat's CRM id.  Ingest links the unknown ones to the
-- interaction's customer at once.  One that already belongs to another
-- customer is a request to merge the two, which ingest only records: merges
-- take the operation lock, so apply_identity_links() carries them out in
-- its own transaction (from cron), under the safety rules.

CREATE TABLE omnichannel.identity_block (
    pattern     text PRIMARY KEY
                CONSTRAINT identity_block_pattern_compiles
                CHECK (('' OPERATOR(pg_catalog.~) pattern) IS NOT NULL),
    note        text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.identity_block IS
    'The DBA''s additions to the built-in block list: contact points matching a pattern never link customers';
COMMENT ON COLUMN omnichannel.identity_block.pattern IS 'PostgreSQL regular expression matched, case-insensitively, against the contact point''s text form (kind:value)';
COMMENT ON COLUMN omnichannel.identity_block.note IS 'Why';
COMMENT ON COLUMN omnichannel.identity_block.created_at IS 'When the pattern was added';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.identity_block', '');

CREATE FUNCTION omnichannel.builtin_identity_blocklist()
RETURNS TABLE (pattern text, note text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES ('^email:(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)([+._-][^@]*)?@',
            'automatic senders'),
           ('^email:(unknown|none|null|nobody|noemail|no-?mail|test|n/?a)@', 'placeholder addresses'),
           ('^tel:\+[0-9]{1,3}(0{6,}|9{6,}|1234567890?)$', 'placeholder numbers'),
           ('^[a-z]+:(0+|unknown|none|null|n/?a|-+|x+)$', 'placeholder ids')
$$;
COMMENT ON FUNCTION omnichannel.builtin_identity_blocklist() IS
    'The built-in block list: contact points that never link customers (automatic senders, placeholders)';

CREATE VIEW omnichannel.identity_blocklist AS
SELECT b.pattern, b.note, true AS builtin FROM omnichannel.builtin_identity_blocklist() AS b
UNION ALL
SELECT u.pattern, u.note, false FROM omnichannel.identity_block AS u;
COMMENT ON VIEW omnichannel.identity_blocklist IS 'The block list in force: built-in patterns and the DBA''s (identity_block)';
COMMENT ON COLUMN omnichannel.identity_blocklist.pattern IS 'Regular expression on kind:value';
COMMENT ON COLUMN omnichannel.identity_blocklist.note IS 'Why';
COMMENT ON COLUMN omnichannel.identity_blocklist.builtin IS 'Built in, or added in identity_block';

CREATE FUNCTION omnichannel.identity_blocked(contact omnichannel.contact_point)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT FROM omnichannel.identity_blocklist AS b
                    WHERE contact::pg_catalog.text OPERATOR(pg_catalog.~*) b.pattern)
$$;
COMMENT ON FUNCTION omnichannel.identity_blocked(omnichannel.contact_point) IS
    'Whether a contact point is on the block list (it never links customers)';

CREATE TABLE omnichannel.identity_kind_limit (
    kind          text PRIMARY KEY,
    max_customers integer NOT NULL CHECK (max_customers > 0)
);
COMMENT ON TABLE omnichannel.identity_kind_limit IS
    'Per-kind limits: an identifier claimed by more customers than this stops linking (a company switchboard, a shared family address); kinds without a row: 2';
COMMENT ON COLUMN omnichannel.identity_kind_limit.kind IS 'Contact point kind (email, tel, whatsapp, crm, ...)';
COMMENT ON COLUMN omnichannel.identity_kind_limit.max_customers IS 'How many customers may claim one identifier before it stops linking';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.identity_kind_limit', '');

CREATE TABLE omnichannel.identity_link_request (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    contact           omnichannel.contact_point NOT NULL,
    customer_id       bigint NOT NULL,
    other_customer_id bigint NOT NULL,
    interaction_id    bigint NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'merged', 'same', 'refused')),
    decided_at        timestamptz,
    decision          jsonb,
    CONSTRAINT identity_link_request_not_self CHECK (customer_id <> other_customer_id)
);
CREATE UNIQUE INDEX identity_link_request_pair_key
    ON omnichannel.identity_link_request (contact, customer_id, other_customer_id);
CREATE INDEX identity_link_request_pending_idx
    ON omnichannel.identity_link_request (id) WHERE state = 'pending';
COMMENT ON TABLE omnichannel.identity_link_request IS
    'An interaction of customer_id carried an identifier of other_customer_id: a request to merge them, decided by apply_identity_links() under the safety rules';
COMMENT ON COLUMN omnichannel.identity_link_request.id IS 'Request key, in order of arrival';
COMMENT ON COLUMN omnichannel.identity_link_request.contact IS 'The identifier both customers claim';
COMMENT ON COLUMN omnichannel.identity_link_request.customer_id IS 'Customer of the interaction that carried it';
COMMENT ON COLUMN omnichannel.identity_link_request.other_customer_id IS 'Customer the identifier belonged to';
COMMENT ON COLUMN omnichannel.identity_link_request.interaction_id IS 'The interaction that carried it';
COMMENT ON COLUMN omnichannel.identity_link_request.created_at IS 'When it was recorded';
COMMENT ON COLUMN omnichannel.identity_link_request.state IS 'pending, merged (an identity_event), same (already one customer) or refused (a safety rule)';
COMMENT ON COLUMN omnichannel.identity_link_request.decided_at IS 'When apply_identity_links() decided it';
COMMENT ON COLUMN omnichannel.identity_link_request.decision IS 'Why: {"event": ...} or {"refused": "blocked" | "limit" | "no_link" | "crm", ...}';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.identity_link_request', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.identity_link_request', 'id'), '');

-- Called by the ingest trigger for an interaction with attributes->'identifiers'.
CREATE FUNCTION omnichannel.link_identifiers(customer bigint, identifiers jsonb, interaction bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer bigint := link_identifiers.customer;
    v_item     jsonb;
    v_contact  omnichannel.contact_point;
    v_owner    bigint;
BEGIN
    IF jsonb_typeof(identifiers) <> 'array' THEN
        RAISE EXCEPTION 'invalid attributes->''identifiers'': %', identifiers::text
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'attributes->''identifiers'' must be a JSON array of contact points.',
                  HINT = 'Write e.g. {"identifiers": ["ana@example.ro", "+40 721 234 567", "crm:ACME-42"]}.';
    END IF;
    FOR v_item IN SELECT x FROM jsonb_array_elements(identifiers) AS x LOOP
        IF jsonb_typeof(v_item) <> 'string' THEN
            RAISE EXCEPTION 'invalid identifier %', v_item::text
                USING ERRCODE = 'invalid_text_representation',
                      DETAIL = 'Every element of attributes->''identifiers'' must be a string.';
        END IF;
        v_contact := (v_item #>> '{}')::omnichannel.contact_point;
        CONTINUE WHEN omnichannel.identity_blocked(v_contact);
        SELECT i.customer_id INTO v_owner
          FROM omnichannel.customer_identifier AS i WHERE i.contact OPERATOR(omnichannel.=) v_contact;
        IF v_owner IS NULL THEN
            INSERT INTO omnichannel.customer_identifier (contact, customer_id)
            VALUES (v_contact, v_customer)
            ON CONFLICT (contact) DO NOTHING
            RETURNING customer_id INTO v_owner;
            IF v_owner IS NOT NULL THEN
                INSERT INTO omnichannel.identity_event (action, customer_id, details)
                VALUES ('link', v_customer,
                        jsonb_build_object('contact', v_contact::text, 'interaction_id', interaction,
                                           'via', 'attributes.identifiers'));
                CONTINUE;
            END IF;
            SELECT i.customer_id INTO v_owner   -- linked concurrently
              FROM omnichannel.customer_identifier AS i WHERE i.contact OPERATOR(omnichannel.=) v_contact;
        END IF;
        CONTINUE WHEN v_owner = v_customer;
        INSERT INTO omnichannel.identity_link_request
               (contact, customer_id, other_customer_id, interaction_id)
        VALUES (v_contact, v_customer, v_owner, interaction)
        ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.link_identifiers(bigint, jsonb, bigint) IS
    'Internal to ingest: links the unknown identifiers of attributes->''identifiers'' to the interaction''s customer; one of another customer becomes an identity_link_request; blocked ones are ignored';

CREATE FUNCTION omnichannel.apply_identity_links(max_requests integer DEFAULT 1000)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r          record;
    v_a        bigint;
    v_b        bigint;
    v_limit    integer;
    v_claims   bigint;
    v_crm_a    text[];
    v_crm_b    text[];
    v_event    bigint;
    v_state    text;
    v_decision jsonb;
    v_done     jsonb := '{"merged": 0, "same": 0, "refused": 0}';
BEGIN
    IF max_requests IS NULL OR max_requests < 1 THEN
        RAISE EXCEPTION 'max_requests must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    FOR r IN SELECT q.* FROM omnichannel.identity_link_request AS q
              WHERE q.state = 'pending' ORDER BY q.id LIMIT max_requests
    LOOP
        -- where both customers are now
        SELECT coalesce(c.merged_into, c.id) INTO v_a FROM omnichannel.customer AS c WHERE c.id = r.customer_id;
        SELECT coalesce(c.merged_into, c.id) INTO v_b FROM omnichannel.customer AS c WHERE c.id = r.other_customer_id;
        SELECT coalesce((SELECT l.max_customers FROM omnichannel.identity_kind_limit AS l
                          WHERE l.kind = omnichannel.kind(r.contact)), 2) INTO v_limit;
        -- every customer that claimed the identifier: its owner and the requesters
        -- (as recorded: customers merged since still count as claimants)
        SELECT count(*) INTO v_claims
          FROM (SELECT q.customer_id FROM omnichannel.identity_link_request AS q
                 WHERE q.contact OPERATOR(omnichannel.=) r.contact
                UNION SELECT q.other_customer_id FROM omnichannel.identity_link_request AS q
                 WHERE q.contact OPERATOR(omnichannel.=) r.contact) AS claimants;
        SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_a
          FROM omnichannel.customer_identifier AS i
         WHERE i.customer_id = v_a AND omnichannel.kind(i.contact) = 'crm';
        SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_b
          FROM omnichannel.customer_identifier AS i
         WHERE i.customer_id = v_b AND omnichannel.kind(i.contact) = 'crm';
        v_event := NULL;
        IF v_a IS NULL OR v_b IS NULL OR v_a = v_b THEN
            v_state := 'same';
            v_decision := jsonb_build_object('customer', coalesce(v_a, v_b));
        ELSIF omnichannel.identity_blocked(r.contact) THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'blocked');
        ELSIF v_claims > v_limit THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'limit', 'customers', v_claims, 'limit', v_limit);
        ELSIF EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                       WHERE n.customer_a = least(v_a, v_b) AND n.customer_b = greatest(v_a, v_b)) THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'no_link');
        ELSIF v_crm_a IS NOT NULL AND v_crm_b IS NOT NULL AND NOT v_crm_a && v_crm_b THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'crm', 'crm_ids', to_jsonb(v_crm_a || v_crm_b));
        ELSE
            -- the older customer survives
            v_event := omnichannel.merge_customers(least(v_a, v_b), greatest(v_a, v_b),
                           pg_catalog.format('identifier %s on interaction %s', r.contact, r.interaction_id));
            v_state := 'merged';
            v_decision := jsonb_build_object('event', v_event);
        END IF;
        UPDATE omnichannel.identity_link_request AS q
           SET state = v_state, decided_at = now(), decision = v_decision
         WHERE q.id = r.id;
        v_done := jsonb_set(v_done, ARRAY[v_state], to_jsonb((v_done->>v_state)::int + 1));
    END LOOP;
    RETURN v_done || jsonb_build_object('pending', (SELECT count(*) FROM omnichannel.identity_link_request AS q
                                                     WHERE q.state = 'pending'));
END
$$;
COMMENT ON FUNCTION omnichannel.apply_identity_links(integer) IS
    'Decides pending identity_link_requests in arrival order: merges the two customers (the older survives) unless the identifier is blocked, claimed by more customers than its kind''s limit, the pair is in identity_no_link, or both have different crm: ids; returns counts';
-- ---------------------------------------------------------------------------
-- SLA clocks: policies, named business calendars, one clock row per running
-- or finished target (first response, next response, periodic update,
-- resolution), an append-only event log, and the triggers that move the
-- clocks in the same transaction as the event that moves them:
--
--   * ingest (sla_ingest, called by the ingest statement trigger with the
--     statement's interactions classified per thread): inbound rows start
--     response clocks, customer-visible outbound rows achieve them and
--     restart the periodic update;
--   * a thread's status or priority changing (trigger sla_status on
--     thread): pending and on_hold pause, leaving them resumes, solved
--     achieves resolution, reopening resumes it.
--
-- Due times are business_time_add(calendar, started_at, target, pauses): the
-- business-time engine with the closed pauses subtracted; NULL while a pause
-- is open.  See docs/sla.md.
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.sla_metric AS ENUM (
    'first_response', 'next_response', 'periodic_update', 'resolution');
COMMENT ON TYPE omnichannel.sla_metric IS
    'What an SLA clock measures: first_response, next_response, periodic_update or resolution';

CREATE DOMAIN omnichannel.sla_target AS interval
    CONSTRAINT sla_target_check
    CHECK (VALUE > interval '0'
           AND pg_catalog.date_part('month', VALUE) = 0
           AND pg_catalog.date_part('year', VALUE) = 0
           AND pg_catalog.date_part('day', VALUE) = 0);
COMMENT ON DOMAIN omnichannel.sla_target IS
    'An SLA target in business time: positive hours, minutes and seconds (a business day is not 24 hours: write interval ''24 hours'', not ''1 day'')';

-- Named calendars -------------------------------------------------------------

CREATE TABLE omnichannel.business_calendar (
    name        text PRIMARY KEY CHECK (name <> ''),
    hours       omnichannel.business_hours NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.business_calendar IS
    'Named working-time calendars that SLA policies count business time in; after changing one, run recompute_sla(calendar => name)';
COMMENT ON COLUMN omnichannel.business_calendar.name IS 'Calendar name, referenced by sla_policy.calendar';
COMMENT ON COLUMN omnichannel.business_calendar.hours IS 'The calendar (weekly hours, time zone, holidays, breaks, shifts)';
COMMENT ON COLUMN omnichannel.business_calendar.updated_at IS 'When the row was last written';

CREATE FUNCTION omnichannel.always_open()
RETURNS omnichannel.business_hours
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN omnichannel.business_hours(
    '{"time_zone": "UTC", "hours": {"mon": [["00:00","24:00"]], "tue": [["00:00","24:00"]],
      "wed": [["00:00","24:00"]], "thu": [["00:00","24:00"]], "fri": [["00:00","24:00"]],
      "sat": [["00:00","24:00"]], "sun": [["00:00","24:00"]]}}'::pg_catalog.jsonb);
COMMENT ON FUNCTION omnichannel.always_open() IS
    'The around-the-clock calendar, used by SLA policies without a calendar';

-- Policies --------------------------------------------------------------------

CREATE TABLE omnichannel.sla_policy (
    id               integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (name <> ''),
    position         integer NOT NULL,
    active           boolean NOT NULL DEFAULT true,
    channels         omnichannel.channel[],
    priorities       omnichannel.priority[],
    customer_match   jsonb CHECK (pg_catalog.jsonb_typeof(customer_match) = 'object'),
    calendar         text REFERENCES omnichannel.business_calendar (name) ON UPDATE CASCADE,
    first_response   omnichannel.sla_target,
    next_response    omnichannel.sla_target,
    periodic_update  omnichannel.sla_target,
    resolution       omnichannel.sla_target,
    warning_ratio    real NOT NULL DEFAULT 0.75
                     CHECK (warning_ratio > 0 AND warning_ratio <= 1),
    pause_statuses   omnichannel.thread_status[] NOT NULL DEFAULT '{pending,on_hold}'
                     CONSTRAINT sla_policy_pause_statuses_check
                     CHECK (pause_statuses OPERATOR(pg_catalog.<@) '{pending,on_hold}'::omnichannel.thread_status[]),
    updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT sla_policy_position_key UNIQUE (position)
);
COMMENT ON TABLE omnichannel.sla_policy IS
    'SLA policies, tried in position order when a thread''s first clock starts: the first active one whose conditions all hold applies. After changing one, run recompute_sla(policy => id)';
COMMENT ON COLUMN omnichannel.sla_policy.id IS 'Policy key';
COMMENT ON COLUMN omnichannel.sla_policy.name IS 'Policy name, for people';
COMMENT ON COLUMN omnichannel.sla_policy.position IS 'Matching order: lower first; first match wins';
COMMENT ON COLUMN omnichannel.sla_policy.active IS 'Inactive policies are never matched';
COMMENT ON COLUMN omnichannel.sla_policy.channels IS 'Condition: the channel of the customer message that starts the thread''s clocks is one of these (NULL: any)';
COMMENT ON COLUMN omnichannel.sla_policy.priorities IS 'Condition: the thread''s priority is one of these (NULL: any)';
COMMENT ON COLUMN omnichannel.sla_policy.customer_match IS 'Condition: the customer''s attributes contain this JSON object, e.g. {"tier": "gold"} (NULL: any)';
COMMENT ON COLUMN omnichannel.sla_policy.calendar IS 'business_calendar the targets count in (NULL: around the clock)';
COMMENT ON COLUMN omnichannel.sla_policy.first_response IS 'Target from the first customer message of a thread to the first customer-visible reply (NULL: not measured)';
COMMENT ON COLUMN omnichannel.sla_policy.next_response IS 'Target from a customer message that follows a reply to the next customer-visible reply (NULL: not measured)';
COMMENT ON COLUMN omnichannel.sla_policy.periodic_update IS 'Target between two customer-visible replies while the thread is unsolved (NULL: not measured)';
COMMENT ON COLUMN omnichannel.sla_policy.resolution IS 'Target from the first customer message to solved, with solved periods before a reopening left out (NULL: not measured)';
COMMENT ON COLUMN omnichannel.sla_policy.warning_ratio IS 'Share of a target''s business time after which a running clock is in the warning state (0.75: the last quarter)';
COMMENT ON COLUMN omnichannel.sla_policy.pause_statuses IS 'Thread statuses during which every clock of the thread is paused (a subset of pending, on_hold)';
COMMENT ON COLUMN omnichannel.sla_policy.updated_at IS 'When the row was last written';

CREATE FUNCTION omnichannel.sla_policy_touch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_policy_touch() IS
    'Trigger: keeps updated_at of SLA policies and calendars current';
CREATE TRIGGER sla_policy_touch BEFORE UPDATE ON omnichannel.sla_policy
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_policy_touch();
COMMENT ON TRIGGER sla_policy_touch ON omnichannel.sla_policy IS 'Keeps updated_at current';
CREATE TRIGGER business_calendar_touch BEFORE UPDATE ON omnichannel.business_calendar
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_policy_touch();
COMMENT ON TRIGGER business_calendar_touch ON omnichannel.business_calendar IS 'Keeps updated_at current';

-- What the queue and the clocks need to know about a thread ----------------------

ALTER TABLE omnichannel.thread
    ADD COLUMN status_changed_at   timestamptz,
    ADD COLUMN sla_policy_id       integer REFERENCES omnichannel.sla_policy (id),
    ADD COLUMN first_inbound_at    timestamptz,
    ADD COLUMN first_response_at   timestamptz,
    ADD COLUMN last_inbound_at     timestamptz,
    ADD COLUMN last_outbound_at    timestamptz,
    ADD COLUMN waiting_since       timestamptz,
    ADD COLUMN waiting_channel     omnichannel.channel,
    ADD COLUMN queue               text,
    ADD COLUMN language            text,
    ADD COLUMN required_skills     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN preferred_agent     text,
    ADD COLUMN assigned_at         timestamptz,
    ADD COLUMN first_response_due  timestamptz,
    ADD COLUMN next_response_due   timestamptz,
    ADD COLUMN periodic_update_due timestamptz,
    ADD COLUMN resolution_due      timestamptz,
    ADD COLUMN sla_due_at          timestamptz,
    ADD COLUMN sla_paused          boolean NOT NULL DEFAULT false,
    ADD COLUMN solved_at           timestamptz,
    ADD COLUMN reopen_count        integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN omnichannel.thread.status_changed_at IS 'When status last changed; an UPDATE that changes status may set it (back-filling), otherwise it is now()';
COMMENT ON COLUMN omnichannel.thread.sla_policy_id IS 'The SLA policy whose targets the thread''s clocks run on (matched when its first clock starts, again on a priority change and by recompute_sla)';
COMMENT ON COLUMN omnichannel.thread.first_inbound_at IS 'The first customer message';
COMMENT ON COLUMN omnichannel.thread.first_response_at IS 'The first customer-visible reply after the first customer message';
COMMENT ON COLUMN omnichannel.thread.last_inbound_at IS 'The latest customer message';
COMMENT ON COLUMN omnichannel.thread.last_outbound_at IS 'The latest customer-visible reply (internal notes do not count)';
COMMENT ON COLUMN omnichannel.thread.waiting_since IS 'The oldest customer message not yet answered by a customer-visible reply; NULL when the last word was the company''s';
COMMENT ON COLUMN omnichannel.thread.waiting_channel IS 'Channel of the latest customer message: what the thread costs an agent''s capacity';
COMMENT ON COLUMN omnichannel.thread.queue IS 'Queue of the latest customer message that named one (interaction.queue); agents serve the queues in agent.queues';
COMMENT ON COLUMN omnichannel.thread.language IS 'Language the thread is served in (the customer''s language when the first clock started); matched against agent.languages';
COMMENT ON COLUMN omnichannel.thread.required_skills IS 'Skills an agent must have to claim the thread (set by routing rules or supervisors)';
COMMENT ON COLUMN omnichannel.thread.preferred_agent IS 'The agent of the customer''s previous thread, who gets the thread first while available (dispatch_setting.previous_agent_wait)';
COMMENT ON COLUMN omnichannel.thread.assigned_at IS 'When the current assignee took the thread';
COMMENT ON COLUMN omnichannel.thread.first_response_due IS 'Due time of the running first-response clock (NULL: none running, or paused)';
COMMENT ON COLUMN omnichannel.thread.next_response_due IS 'Due time of the running next-response clock (NULL: none running, or paused)';
COMMENT ON COLUMN omnichannel.thread.periodic_update_due IS 'Due time of the running periodic-update clock (NULL: none running, or paused)';
COMMENT ON COLUMN omnichannel.thread.resolution_due IS 'Due time of the running resolution clock (NULL: none running, or paused)';
COMMENT ON COLUMN omnichannel.thread.sla_due_at IS 'The earliest of the due times above: what the queue is ordered by';
COMMENT ON COLUMN omnichannel.thread.sla_paused IS 'The thread''s clocks are paused (its status is one of its policy''s pause_statuses)';
COMMENT ON COLUMN omnichannel.thread.solved_at IS 'When the thread was last set to solved or closed from an open, pending or on-hold status (NULL while it is not resolved); for reporting';
COMMENT ON COLUMN omnichannel.thread.reopen_count IS 'How many times the thread went from solved or closed back to open, pending or on hold';

CREATE INDEX thread_sla_due_idx
    ON omnichannel.thread (sla_due_at) WHERE sla_due_at IS NOT NULL;

-- Clocks and their events --------------------------------------------------------

CREATE TABLE omnichannel.sla_clock (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL,
    thread_id        bigint NOT NULL,
    metric           omnichannel.sla_metric NOT NULL,
    policy_id        integer NOT NULL REFERENCES omnichannel.sla_policy (id),
    channel          omnichannel.channel,
    target           omnichannel.sla_target NOT NULL,
    started_at       timestamptz NOT NULL,
    started_by       bigint,
    pauses           tstzmultirange NOT NULL DEFAULT '{}',
    paused_since     timestamptz,
    due_at           timestamptz,
    breached_at      timestamptz,
    stopped_at       timestamptz,
    stopped_by       bigint,
    outcome          text CHECK (outcome IN ('achieved', 'breached', 'cancelled')),
    business_seconds double precision,
    wall_seconds     double precision,
    CONSTRAINT sla_clock_thread_fkey FOREIGN KEY (customer_id, thread_id)
        REFERENCES omnichannel.thread (customer_id, id) ON UPDATE CASCADE,
    CONSTRAINT sla_clock_stopped CHECK ((stopped_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT sla_clock_due CHECK (stopped_at IS NOT NULL OR (due_at IS NULL) = (paused_since IS NOT NULL))
);
-- at most one running clock per thread and metric
CREATE UNIQUE INDEX sla_clock_running_key
    ON omnichannel.sla_clock (thread_id, metric) WHERE stopped_at IS NULL;
CREATE INDEX sla_clock_thread_idx ON omnichannel.sla_clock (thread_id, started_at);
-- the breach sweep
CREATE INDEX sla_clock_unbreached_due_idx
    ON omnichannel.sla_clock (due_at) WHERE stopped_at IS NULL AND breached_at IS NULL;
-- attainment by the day the outcome was decided
CREATE INDEX sla_clock_stopped_idx ON omnichannel.sla_clock (stopped_at) WHERE stopped_at IS NOT NULL;

COMMENT ON TABLE omnichannel.sla_clock IS
    'One SLA clock per thread, metric and start: running (stopped_at NULL), paused (paused_since set, due_at NULL) or stopped with an outcome';
COMMENT ON COLUMN omnichannel.sla_clock.id IS 'Clock key';
COMMENT ON COLUMN omnichannel.sla_clock.customer_id IS 'The thread''s customer';
COMMENT ON COLUMN omnichannel.sla_clock.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.sla_clock.metric IS 'first_response, next_response, periodic_update or resolution';
COMMENT ON COLUMN omnichannel.sla_clock.policy_id IS 'The policy whose target applies';
COMMENT ON COLUMN omnichannel.sla_clock.channel IS 'Channel of the interaction that started the clock';
COMMENT ON COLUMN omnichannel.sla_clock.target IS 'The target, in business time';
COMMENT ON COLUMN omnichannel.sla_clock.started_at IS 'When the clock started (the starting interaction''s occurred_at)';
COMMENT ON COLUMN omnichannel.sla_clock.started_by IS 'The interaction that started it';
COMMENT ON COLUMN omnichannel.sla_clock.pauses IS 'Closed pauses (and, for a reopened resolution, the solved period), left out of business time';
COMMENT ON COLUMN omnichannel.sla_clock.paused_since IS 'Start of the open pause; due_at is NULL meanwhile';
COMMENT ON COLUMN omnichannel.sla_clock.due_at IS 'business_time_add(calendar, started_at, target, pauses); NULL while paused';
COMMENT ON COLUMN omnichannel.sla_clock.breached_at IS 'The due time, once the clock was seen running past it (sla_sweep or the stop)';
COMMENT ON COLUMN omnichannel.sla_clock.stopped_at IS 'When the clock stopped';
COMMENT ON COLUMN omnichannel.sla_clock.stopped_by IS 'The interaction that stopped it (replies), if any';
COMMENT ON COLUMN omnichannel.sla_clock.outcome IS 'achieved (stopped by its achieving event at or before due_at), breached (stopped after due_at, by whatever) or cancelled (stopped before due_at without being achieved, e.g. solved without a reply; not counted)';
COMMENT ON COLUMN omnichannel.sla_clock.business_seconds IS 'Business seconds from start to stop, pauses left out';
COMMENT ON COLUMN omnichannel.sla_clock.wall_seconds IS 'Wall-clock seconds from start to stop';

CREATE TABLE omnichannel.sla_event (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    clock_id         bigint NOT NULL,
    customer_id      bigint NOT NULL,
    thread_id        bigint NOT NULL,
    metric           omnichannel.sla_metric NOT NULL,
    event            text NOT NULL
                     CHECK (event IN ('start', 'pause', 'resume', 'achieve', 'breach',
                                      'cancel', 'recompute')),
    at               timestamptz NOT NULL,
    due_at           timestamptz,
    business_seconds double precision,
    wall_seconds     double precision,
    details          jsonb,
    recorded_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX sla_event_thread_idx ON omnichannel.sla_event (thread_id, id);
COMMENT ON TABLE omnichannel.sla_event IS
    'Append-only log of every SLA clock start, pause, resume, achievement, breach, cancellation and recomputation';
COMMENT ON COLUMN omnichannel.sla_event.id IS 'Event key, in recording order';
COMMENT ON COLUMN omnichannel.sla_event.clock_id IS 'The clock (sla_clock.id)';
COMMENT ON COLUMN omnichannel.sla_event.customer_id IS 'The thread''s customer';
COMMENT ON COLUMN omnichannel.sla_event.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.sla_event.metric IS 'The clock''s metric';
COMMENT ON COLUMN omnichannel.sla_event.event IS 'start, pause, resume, achieve, breach, cancel or recompute; a clock stopped after its due time has a breach event (at the due time) before its achieve or cancel event, and its outcome is breached';
COMMENT ON COLUMN omnichannel.sla_event.at IS 'When it happened (event time: the interaction''s occurred_at, the status change, the due time for a breach)';
COMMENT ON COLUMN omnichannel.sla_event.due_at IS 'The clock''s due time after the event';
COMMENT ON COLUMN omnichannel.sla_event.business_seconds IS 'Business seconds used from the start to at (pauses left out)';
COMMENT ON COLUMN omnichannel.sla_event.wall_seconds IS 'Wall-clock seconds from the start to at';
COMMENT ON COLUMN omnichannel.sla_event.details IS 'Context (status change, previous due time, policy), as a JSON object';
COMMENT ON COLUMN omnichannel.sla_event.recorded_at IS 'When the row was written';

CREATE TRIGGER sla_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.sla_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'SLA events are append-only',
        'Change the policy or the calendar and run omnichannel.recompute_sla() instead.');
COMMENT ON TRIGGER sla_event_append_only ON omnichannel.sla_event IS
    'Keeps the SLA log append-only';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.business_calendar', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.sla_policy', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.sla_policy', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.sla_clock', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.sla_clock', 'id'), '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.sla_event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.sla_event', 'id'), '');

-- Helpers ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.sla_policy_for(channel omnichannel.channel,
                                          priority omnichannel.priority,
                                          customer_attributes jsonb)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p.id
      FROM omnichannel.sla_policy AS p
     WHERE p.active
       AND (p.channels IS NULL OR $1 = ANY (p.channels))
       AND (p.priorities IS NULL OR $2 = ANY (p.priorities))
       AND (p.customer_match IS NULL OR COALESCE($3, '{}'::jsonb) @> p.customer_match)
     ORDER BY p.position, p.id
     LIMIT 1
$$;
COMMENT ON FUNCTION omnichannel.sla_policy_for(omnichannel.channel, omnichannel.priority, jsonb) IS
    'The SLA policy that applies to a thread started on channel, with priority, for a customer with these attributes: the first active match in position order, or NULL';

CREATE FUNCTION omnichannel.sla_target_of(policy omnichannel.sla_policy, metric omnichannel.sla_metric)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE $2
           WHEN 'first_response' THEN ($1).first_response
           WHEN 'next_response' THEN ($1).next_response
           WHEN 'periodic_update' THEN ($1).periodic_update
           WHEN 'resolution' THEN ($1).resolution END::interval
$$;
COMMENT ON FUNCTION omnichannel.sla_target_of(omnichannel.sla_policy, omnichannel.sla_metric) IS
    'A policy''s target for one metric (NULL: not measured)';

CREATE FUNCTION omnichannel.sla_calendar_of(policy integer)
RETURNS omnichannel.business_hours
LANGUAGE sql STABLE PARALLEL SAFE
-- readers of the queue view need not read the policy and calendar tables
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT c.hours FROM omnichannel.sla_policy AS p
                       JOIN omnichannel.business_calendar AS c ON c.name = p.calendar
                      WHERE p.id = $1),
                    omnichannel.always_open())
$$;
COMMENT ON FUNCTION omnichannel.sla_calendar_of(integer) IS
    'The calendar a policy counts business time in (around the clock when it names none)';

-- The channel a thread's policy is matched on: that of the customer message
-- that started its first clock.
CREATE FUNCTION omnichannel.sla_thread_channel(thread bigint, fallback omnichannel.channel)
RETURNS omnichannel.channel
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT c.channel FROM omnichannel.sla_clock AS c
                      WHERE c.thread_id = $1 ORDER BY c.started_at, c.id LIMIT 1), $2)
$$;
COMMENT ON FUNCTION omnichannel.sla_thread_channel(bigint, omnichannel.channel) IS
    'The channel a thread''s SLA policy is matched on: the channel of the customer message that started its first clock (fallback when it has none)';

-- A thread's due-time columns from its running clocks, one row (thread_id
-- NULL when none runs), read through the running-clock index.  No SET
-- clause, so that it is inlined into its callers (which pin search_path
-- themselves, or qualify every operator like the ingest trigger); every
-- name is qualified.
CREATE FUNCTION omnichannel.sla_dues(thread bigint)
RETURNS TABLE (thread_id bigint, first_response_due timestamptz, next_response_due timestamptz,
               periodic_update_due timestamptz, resolution_due timestamptz,
               sla_due_at timestamptz, sla_paused boolean, policy_id integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.max(c.thread_id),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'first_response'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'next_response'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'periodic_update'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'resolution'),
           pg_catalog.min(c.due_at),
           pg_catalog.bool_or(c.paused_since IS NOT NULL),
           pg_catalog.max(c.policy_id)
      FROM omnichannel.sla_clock AS c
     WHERE c.thread_id OPERATOR(pg_catalog.=) $1 AND c.stopped_at IS NULL
$$;
COMMENT ON FUNCTION omnichannel.sla_dues(bigint) IS
    'The due times of a thread''s running clocks per metric, the earliest, whether they are paused and their policy (one row; thread_id NULL when no clock runs)';

-- The same for many threads: a row per thread with running clocks.
CREATE FUNCTION omnichannel.sla_dues_of(threads bigint[])
RETURNS TABLE (thread_id bigint, first_response_due timestamptz, next_response_due timestamptz,
               periodic_update_due timestamptz, resolution_due timestamptz,
               sla_due_at timestamptz, sla_paused boolean, policy_id integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT d.*
      FROM (SELECT DISTINCT u.id FROM pg_catalog.unnest($1) AS u(id)) AS t
     CROSS JOIN LATERAL omnichannel.sla_dues(t.id) AS d
     WHERE d.thread_id IS NOT NULL
$$;
COMMENT ON FUNCTION omnichannel.sla_dues_of(bigint[]) IS
    'The due times of the threads'' running clocks per metric, the earliest, whether they are paused and their policy: a row per thread that has running clocks';

-- One thread's due-time columns, as one row (NULLs and not paused without clocks).
CREATE FUNCTION omnichannel.sla_thread_dues(thread bigint,
    OUT first_response_due timestamptz, OUT next_response_due timestamptz,
    OUT periodic_update_due timestamptz, OUT resolution_due timestamptz,
    OUT sla_due_at timestamptz, OUT sla_paused boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.first_response_due, d.next_response_due, d.periodic_update_due, d.resolution_due,
           d.sla_due_at, COALESCE(d.sla_paused, false)
      FROM omnichannel.sla_dues($1) AS d
$$;
COMMENT ON FUNCTION omnichannel.sla_thread_dues(bigint) IS
    'The due times of a thread''s running clocks per metric, the earliest, and whether they are paused';

-- Status and priority changes ---------------------------------------------------------

CREATE FUNCTION omnichannel.sla_status_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_at        timestamptz;
    v_policy    omnichannel.sla_policy;
    v_cal       omnichannel.business_hours;
    v_was_pause boolean;
    v_is_pause  boolean;
    v_reopen    boolean;
    d           record;
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        -- an UPDATE that sets status_changed_at itself back-fills the time
        IF NEW.status_changed_at IS NOT DISTINCT FROM OLD.status_changed_at
           OR NEW.status_changed_at IS NULL THEN
            NEW.status_changed_at := pg_catalog.now();
        END IF;
        -- status changes never go back in time (an ingest reopening by an
        -- older message happens "now" for the clocks)
        NEW.status_changed_at := GREATEST(NEW.status_changed_at, OLD.status_changed_at);
        v_at := NEW.status_changed_at;
    END IF;

    IF NEW.priority IS DISTINCT FROM OLD.priority AND NEW.sla_policy_id IS NOT NULL THEN
        -- the policy may depend on the priority: match again, re-derive targets
        NEW.sla_policy_id := omnichannel.sla_policy_for(
            omnichannel.sla_thread_channel(NEW.id, COALESCE(NEW.waiting_channel, NEW.channels[1])),
            NEW.priority,
            (SELECT cu.attributes FROM omnichannel.customer AS cu WHERE cu.id = NEW.customer_id));
        IF NEW.sla_policy_id IS DISTINCT FROM OLD.sla_policy_id THEN
            PERFORM omnichannel.sla_rederive(ARRAY[NEW.id], ARRAY[NEW.sla_policy_id], ARRAY[OLD.status],
                                             '{"reason": "priority changed"}');
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
        -- for reporting: when it was last resolved, how often it came back
        IF NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed') THEN
            NEW.solved_at := v_at;
        ELSIF OLD.status IN ('solved', 'closed') AND NEW.status NOT IN ('solved', 'closed') THEN
            NEW.solved_at := NULL;
            NEW.reopen_count := OLD.reopen_count + 1;
        END IF;
        IF NEW.status IN ('solved', 'closed') THEN
            -- the company considers it answered: a later message starts a
            -- new response clock
            NEW.waiting_since := NULL;
        ELSIF OLD.status IN ('solved', 'closed') AND OLD.assignee IS NOT NULL
              AND NEW.assignee IS NOT DISTINCT FROM OLD.assignee THEN
            -- reopened: back to the queue, its last agent preferred
            NEW.preferred_agent := OLD.assignee;
            NEW.assignee := NULL;
            NEW.assigned_at := NULL;
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status AND NEW.sla_policy_id IS NOT NULL THEN
        SELECT * INTO v_policy FROM omnichannel.sla_policy AS p WHERE p.id = NEW.sla_policy_id;
        v_cal := omnichannel.sla_calendar_of(NEW.sla_policy_id);
        v_was_pause := OLD.status = ANY (v_policy.pause_statuses);
        v_is_pause := NEW.status = ANY (v_policy.pause_statuses);
        v_reopen := OLD.status IN ('solved', 'closed') AND NEW.status NOT IN ('solved', 'closed');

        IF v_reopen THEN
            -- resolution resumes: the solved period is left out like a pause
            WITH last AS (
                SELECT c.id FROM omnichannel.sla_clock AS c
                 WHERE c.thread_id = NEW.id AND c.metric = 'resolution'
                   AND c.outcome IN ('achieved', 'breached')
                 ORDER BY c.started_at DESC, c.id DESC LIMIT 1),
            res AS (
                UPDATE omnichannel.sla_clock AS c
                   SET pauses = c.pauses + tstzmultirange(tstzrange(c.stopped_at, v_at)),
                       stopped_at = NULL, stopped_by = NULL, outcome = NULL,
                       business_seconds = NULL, wall_seconds = NULL, breached_at = NULL,
                       paused_since = CASE WHEN v_is_pause THEN v_at END,
                       due_at = CASE WHEN v_is_pause THEN NULL ELSE
                           omnichannel.business_time_add(v_cal, c.started_at, c.target,
                               c.pauses + tstzmultirange(tstzrange(c.stopped_at, v_at))) END
                  FROM last
                 WHERE c.id = last.id
                   AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_clock AS r
                                    WHERE r.thread_id = NEW.id AND r.metric = 'resolution'
                                      AND r.stopped_at IS NULL)
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
            SELECT res.id, res.customer_id, res.thread_id, res.metric, 'resume', v_at, res.due_at,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status, 'reopened', true)
              FROM res;
            -- the policy may have changed while the thread was solved
            PERFORM omnichannel.sla_rederive(ARRAY[NEW.id], ARRAY[NEW.sla_policy_id], ARRAY[NEW.status],
                                             '{"reason": "reopened"}');
        END IF;

        IF NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed') THEN
            -- solved (or closed) achieves resolution; the other clocks are cancelled
            PERFORM omnichannel.sla_stop_clocks(
                array_agg(c.id ORDER BY c.id), array_agg(v_at ORDER BY c.id), NULL,
                array_agg(c.metric = 'resolution' AND NEW.merged_into IS NULL ORDER BY c.id),
                jsonb_build_object('from', OLD.status, 'to', NEW.status))
               FROM omnichannel.sla_clock AS c
              WHERE c.thread_id = NEW.id AND c.stopped_at IS NULL
             HAVING count(*) > 0;
        ELSIF v_is_pause AND NOT v_was_pause THEN
            WITH upd AS (
                UPDATE omnichannel.sla_clock AS c
                   SET paused_since = GREATEST(v_at, c.started_at), due_at = NULL
                 WHERE c.thread_id = NEW.id AND c.stopped_at IS NULL AND c.paused_since IS NULL
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, details)
            SELECT u.id, u.customer_id, u.thread_id, u.metric, 'pause', u.paused_since,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status)
              FROM upd AS u ORDER BY u.id;
        ELSIF v_was_pause AND NOT v_is_pause THEN
            WITH upd AS (
                UPDATE omnichannel.sla_clock AS c
                   SET pauses = c.pauses + tstzmultirange(tstzrange(c.paused_since, GREATEST(v_at, c.paused_since))),
                       paused_since = NULL,
                       due_at = omnichannel.business_time_add(v_cal, c.started_at, c.target,
                           c.pauses + tstzmultirange(tstzrange(c.paused_since, GREATEST(v_at, c.paused_since))))
                 WHERE c.thread_id = NEW.id AND c.stopped_at IS NULL AND c.paused_since IS NOT NULL
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
            SELECT u.id, u.customer_id, u.thread_id, u.metric, 'resume', v_at, u.due_at,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status)
              FROM upd AS u ORDER BY u.id;
        END IF;
    END IF;

    IF (NEW.sla_policy_id IS NOT NULL OR OLD.sla_policy_id IS NOT NULL)
       AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.priority IS DISTINCT FROM OLD.priority) THEN
        d := omnichannel.sla_thread_dues(NEW.id);
        NEW.first_response_due := d.first_response_due;
        NEW.next_response_due := d.next_response_due;
        NEW.periodic_update_due := d.periodic_update_due;
        NEW.resolution_due := d.resolution_due;
        NEW.sla_due_at := d.sla_due_at;
        NEW.sla_paused := d.sla_paused;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_status_change() IS
    'Trigger: moves a thread''s SLA clocks when its status changes (pause, resume, achieve resolution, cancel, reopen) or its priority does (policy matched again)';

-- Re-derive threads' running clocks (recompute_sla, priority changes, reopening).
CREATE FUNCTION omnichannel.sla_rederive(threads bigint[], policies integer[],
                                        statuses omnichannel.thread_status[], details jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer;
BEGIN
    -- the caller holds the threads' row locks, so nobody else moves these
    -- clocks meanwhile
    WITH th AS (
        SELECT x.thread, x.policy, x.status
          FROM unnest(threads, policies, statuses) AS x(thread, policy, status)),
    pc AS MATERIALIZED (
        SELECT p, p.id, omnichannel.sla_calendar_of(p.id) AS cal
          FROM omnichannel.sla_policy AS p
         WHERE p.id IN (SELECT th.policy FROM th)),
    cur AS (
        SELECT c.id, c.due_at AS old_due, c.policy_id AS old_policy, th.policy AS new_policy,
               x.target, x.paused_since, x.pauses,
               CASE WHEN x.target IS NULL OR x.paused_since IS NOT NULL THEN NULL
                    ELSE omnichannel.business_time_add(pc.cal, c.started_at, x.target, x.pauses) END AS new_due
          FROM omnichannel.sla_clock AS c
          JOIN th ON th.thread = c.thread_id
          LEFT JOIN pc ON pc.id = th.policy
         CROSS JOIN LATERAL (
               SELECT omnichannel.sla_target_of(pc.p, c.metric) AS target,
                      -- the policy's pause statuses (they may have changed) decide
                      CASE WHEN th.status = ANY ((pc.p).pause_statuses)
                           THEN COALESCE(c.paused_since, pg_catalog.now()) END AS paused_since,
                      CASE WHEN c.paused_since IS NOT NULL
                                AND NOT COALESCE(th.status = ANY ((pc.p).pause_statuses), false)
                           THEN c.pauses + tstzmultirange(tstzrange(c.paused_since,
                                    GREATEST(pg_catalog.now(), c.paused_since)))
                           ELSE c.pauses END AS pauses) AS x
         WHERE c.stopped_at IS NULL),
    upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET policy_id = COALESCE(cur.new_policy, c.policy_id),
               target = COALESCE(cur.target, c.target),
               pauses = cur.pauses,
               due_at = CASE WHEN cur.target IS NULL THEN c.due_at ELSE cur.new_due END,
               stopped_at = CASE WHEN cur.target IS NULL THEN GREATEST(pg_catalog.now(), c.started_at) END,
               -- a clock stopped past its due time breached, whatever stopped it
               outcome = CASE WHEN cur.target IS NULL AND c.due_at < pg_catalog.now() THEN 'breached'
                              WHEN cur.target IS NULL THEN 'cancelled' END,
               breached_at = CASE WHEN cur.target IS NULL AND c.due_at < pg_catalog.now()
                                  THEN c.due_at ELSE c.breached_at END,
               paused_since = CASE WHEN cur.target IS NULL THEN NULL ELSE cur.paused_since END
          FROM cur
         WHERE c.id = cur.id
           AND (cur.target IS NULL
                OR c.policy_id IS DISTINCT FROM cur.new_policy
                OR c.target::interval IS DISTINCT FROM cur.target
                OR c.paused_since IS DISTINCT FROM cur.paused_since
                OR c.due_at IS DISTINCT FROM cur.new_due)
        RETURNING c.*, cur.old_due, cur.old_policy),
    ev AS (
        INSERT INTO omnichannel.sla_event
               (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
        SELECT u.id, u.customer_id, u.thread_id, u.metric, x.event,
               CASE x.event WHEN 'breach' THEN u.due_at ELSE pg_catalog.now() END, u.due_at,
               sla_rederive.details
               || jsonb_build_object('previous_due_at', u.old_due, 'previous_policy', u.old_policy,
                                     'policy', u.policy_id)
          FROM upd AS u
         CROSS JOIN LATERAL (VALUES (1, 'breach'),
                                    (2, CASE WHEN u.stopped_at IS NULL THEN 'recompute' ELSE 'cancel' END))
                            AS x(n, event)
         WHERE x.n = 2 OR (u.outcome = 'breached' AND NOT EXISTS (
                   SELECT 1 FROM omnichannel.sla_event AS e
                    WHERE e.thread_id = u.thread_id AND e.clock_id = u.id AND e.event = 'breach'))
         ORDER BY u.id, x.n
        RETURNING clock_id)
    SELECT count(DISTINCT ev.clock_id) INTO v_n FROM ev;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_rederive(bigint[], integer[], omnichannel.thread_status[], jsonb) IS
    'Internal: re-derives the targets, pauses and due times of the threads'' running clocks, each under the given policy and status (a metric the policy no longer measures, or no policy, stops them: cancelled, or breached when past due); logs a recompute, cancel or breach event with details; returns the clocks changed';

CREATE TRIGGER sla_status
    BEFORE UPDATE OF status, priority ON omnichannel.thread
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION omnichannel.sla_status_change();
COMMENT ON TRIGGER sla_status ON omnichannel.thread IS
    'Moves the SLA clocks when a thread''s status or priority changes';

-- Stop clocks, set-wise: achieve (or breach, when late) or cancel, and log it.
CREATE FUNCTION omnichannel.sla_stop_clocks(ids bigint[], ats timestamptz[], bys bigint[],
                                           achieves boolean[], details jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer;
BEGIN
    WITH s AS (
        SELECT s.id, GREATEST(s.at, c.started_at) AS at, s.by, s.achieves,
               c.pauses + CASE WHEN c.paused_since IS NULL THEN '{}'::tstzmultirange
                               ELSE tstzmultirange(tstzrange(c.paused_since,
                                        GREATEST(s.at, c.paused_since))) END AS pauses,
               omnichannel.sla_calendar_of(c.policy_id) AS cal
          FROM unnest(ids, ats, bys, achieves) AS s(id, at, by, achieves)
          JOIN omnichannel.sla_clock AS c ON c.id = s.id
         WHERE c.stopped_at IS NULL),
    t AS (
        SELECT s.*, omnichannel.business_time_add(s.cal, c.started_at, c.target, s.pauses) AS due
          FROM s JOIN omnichannel.sla_clock AS c ON c.id = s.id),
    upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET stopped_at = t.at, stopped_by = t.by,
               pauses = t.pauses, paused_since = NULL, due_at = t.due,
               -- a clock stopped past its due time breached, whatever stopped it
               outcome = CASE WHEN t.at > t.due THEN 'breached'
                              WHEN NOT t.achieves THEN 'cancelled' ELSE 'achieved' END,
               breached_at = CASE WHEN t.at > t.due THEN t.due END,
               business_seconds = pg_catalog.date_part('epoch',
                   omnichannel.business_time_between(t.cal, c.started_at, t.at, t.pauses)),
               wall_seconds = pg_catalog.date_part('epoch', t.at - c.started_at)
          FROM t
         WHERE c.id = t.id
        RETURNING c.*, c.breached_at IS NOT NULL AND NOT EXISTS (
                  SELECT 1 FROM omnichannel.sla_event AS e
                   WHERE e.thread_id = c.thread_id AND e.clock_id = c.id AND e.event = 'breach') AS new_breach),
    ev AS (
        INSERT INTO omnichannel.sla_event
               (clock_id, customer_id, thread_id, metric, event, at, due_at,
                business_seconds, wall_seconds, details)
        SELECT u.id, u.customer_id, u.thread_id, u.metric, x.event,
               CASE x.event WHEN 'breach' THEN u.due_at ELSE u.stopped_at END, u.due_at,
               CASE x.event WHEN 'breach' THEN pg_catalog.date_part('epoch', u.target::interval)
                            ELSE u.business_seconds END,
               CASE x.event WHEN 'breach' THEN pg_catalog.date_part('epoch', u.due_at - u.started_at)
                            ELSE u.wall_seconds END,
               details
          FROM upd AS u
          JOIN t AS s_achieves ON s_achieves.id = u.id
         CROSS JOIN LATERAL (VALUES (1, 'breach'),
                                    (2, CASE WHEN s_achieves.achieves THEN 'achieve' ELSE 'cancel' END))
                            AS x(n, event)
         WHERE x.n = 2 OR u.new_breach
         ORDER BY u.id, x.n
        RETURNING 1)
    SELECT count(*) INTO v_n FROM upd;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_stop_clocks(bigint[], timestamptz[], bigint[], boolean[], jsonb) IS
    'Internal: stops running clocks at the given times (achieved, breached when late, or cancelled) and logs the events; returns the clocks stopped';

-- Ingest: the statement's customer-visible interactions move the clocks ---------------

-- The ingest statement trigger (interaction_after_statement, src/pg/ingest.c)
-- classifies the statement's customer-visible interactions per thread
-- (src/core/queue_facts.c: awaiting, first customer message, the reply that
-- follows) and hands them here, in (thread, occurred_at, id) order, with the
-- threads an inbound message reopens; it then writes every thread's queue
-- facts, and its due times when this returns true, in one UPDATE.
CREATE FUNCTION omnichannel.sla_ingest(
    e_id bigint[], e_thread bigint[], e_customer bigint[], e_at timestamptz[],
    e_in boolean[], e_channel omnichannel.channel[], e_awaiting boolean[],
    e_next_out_at timestamptz[], e_next_out_id bigint[], e_first_in boolean[],
    e_after_in boolean[], reopen_ids bigint[], reopen_ats timestamptz[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_stop_ids bigint[]; v_stop_at timestamptz[]; v_stop_by bigint[];
    v_any_policy boolean;
    v_clocks boolean;
BEGIN
    v_any_policy := EXISTS (SELECT 1 FROM omnichannel.sla_policy AS p WHERE p.active);
    v_clocks := v_any_policy OR EXISTS (
        SELECT 1 FROM omnichannel.sla_clock AS c
         WHERE c.thread_id = ANY (e_thread) AND c.stopped_at IS NULL);
    IF NOT v_clocks AND reopen_ids IS NULL THEN
        RETURN false;
    END IF;

    -- whoever moves a thread's clocks holds the thread's row lock (status
    -- changes, recompute_sla, claims): take it first, in id order, so that
    -- the statements below read the clocks as they are once it is ours
    PERFORM 1 FROM omnichannel.thread AS t
      WHERE t.id IN (SELECT pg_catalog.unnest(e_thread) UNION SELECT pg_catalog.unnest(reopen_ids))
      ORDER BY t.id
        FOR NO KEY UPDATE;

    -- 1. a customer message to a solved (within the reopen window: the
    --    stitching decided), pending or on-hold thread makes it open again;
    --    the status trigger resumes its clocks at that message
    IF reopen_ids IS NOT NULL THEN
        UPDATE omnichannel.thread AS t
           SET status = 'open', status_changed_at = r.at
          FROM unnest(reopen_ids, reopen_ats) AS r(id, at)
         WHERE t.id = r.id AND t.status IN ('solved', 'pending', 'on_hold');
    END IF;
    IF NOT v_clocks OR e_id IS NULL THEN
        RETURN v_clocks;
    END IF;

    -- 2. the first customer-visible reply of a thread in this statement
    --    achieves the response and periodic-update clocks running before it
    SELECT array_agg(c.id ORDER BY c.id), array_agg(f.at ORDER BY c.id), array_agg(f.id ORDER BY c.id)
      INTO v_stop_ids, v_stop_at, v_stop_by
      FROM (SELECT DISTINCT ON (e.thread) e.thread, e.at, e.id
              FROM unnest(e_thread, e_at, e_id, e_in) AS e(thread, at, id, inbound)
             WHERE NOT e.inbound
             ORDER BY e.thread, e.at, e.id) AS f
      JOIN omnichannel.sla_clock AS c
        ON c.thread_id = f.thread AND c.stopped_at IS NULL AND c.started_at <= f.at
       AND c.metric IN ('first_response', 'next_response', 'periodic_update');
    IF v_stop_ids IS NOT NULL THEN
        PERFORM omnichannel.sla_stop_clocks(v_stop_ids, v_stop_at, v_stop_by,
            array_fill(true, ARRAY[cardinality(v_stop_ids)]), '{"via": "reply"}');
    END IF;

    -- 3. new clocks: customer messages the company is not yet answering
    --    start first or next response (and the first starts resolution);
    --    replies start the periodic update.  A clock whose stop is in this
    --    statement too is written stopped.  A thread whose first customer
    --    message is in this statement gets its policy here.
    IF NOT v_any_policy THEN
        RETURN true;
    END IF;
    -- a policy change waits for this transaction and the statements below
    -- read a policy change committed meanwhile, so recompute_sla() run
    -- after the change commits sees every thread started on the old one
    PERFORM 1 FROM omnichannel.sla_policy AS p WHERE p.active ORDER BY p.id FOR SHARE;
    WITH e AS (
        SELECT * FROM unnest(e_id, e_thread, e_customer, e_at, e_in, e_channel, e_awaiting,
                             e_next_out_at, e_next_out_id, e_first_in, e_after_in)
                   AS e(id, thread, customer, at, inbound, channel, awaiting,
                        next_out_at, next_out_id, first_in, after_in)),
    starts AS (
        SELECT e.*, m.metric,
               first_value(e.channel) OVER (PARTITION BY e.thread ORDER BY NOT e.first_in, e.at, e.id)
                   AS first_channel
          FROM e
         CROSS JOIN LATERAL (VALUES
               (CASE WHEN e.inbound AND NOT e.awaiting
                     THEN CASE WHEN e.first_in THEN 'first_response' ELSE 'next_response' END
                END::omnichannel.sla_metric),
               (CASE WHEN e.first_in THEN 'resolution' END::omnichannel.sla_metric),
               -- a reply restarts the periodic update, once the customer has written
               (CASE WHEN NOT e.inbound AND e.after_in THEN 'periodic_update' END::omnichannel.sla_metric))
               AS m(metric)
         WHERE m.metric IS NOT NULL),
    -- the policy of each thread, matched once per thread (first active
    -- match in position order), and each policy's calendar, read once
    pol AS MATERIALIZED (
        SELECT f.thread, t.status,
               COALESCE(t.sla_policy_id,
                        (SELECT p.id FROM omnichannel.sla_policy AS p
                          WHERE p.active
                            AND (p.channels IS NULL OR f.first_channel = ANY (p.channels))
                            AND (p.priorities IS NULL OR t.priority = ANY (p.priorities))
                            AND (p.customer_match IS NULL OR cu.attributes @> p.customer_match)
                          ORDER BY p.position, p.id LIMIT 1)) AS policy
          FROM (SELECT DISTINCT ON (s.thread) s.thread, s.first_channel FROM starts AS s) AS f
          JOIN omnichannel.thread AS t ON t.id = f.thread
          JOIN omnichannel.customer AS cu ON cu.id = t.customer_id
         WHERE t.status NOT IN ('solved', 'closed')),
    pc AS MATERIALIZED (
        SELECT p, p.id, p.pause_statuses, omnichannel.sla_calendar_of(p.id) AS cal
          FROM omnichannel.sla_policy AS p
         WHERE p.id IN (SELECT pol.policy FROM pol)),
    planned AS (
        SELECT s.*, pol.status, pc.id AS policy,
               omnichannel.sla_target_of(pc.p, s.metric)::omnichannel.sla_target AS target,
               pc.cal,
               pol.status = ANY (pc.pause_statuses) AS paused,
               CASE WHEN s.metric <> 'resolution' THEN s.next_out_at END AS stop_at,
               CASE WHEN s.metric <> 'resolution' THEN s.next_out_id END AS stop_by
          FROM starts AS s
          JOIN pol ON pol.thread = s.thread
          JOIN pc ON pc.id = pol.policy
         WHERE omnichannel.sla_target_of(pc.p, s.metric) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_clock AS r
                            WHERE r.thread_id = s.thread AND r.metric = s.metric
                              AND r.stopped_at IS NULL)),
    timed AS (
        SELECT pl.*,
               CASE WHEN pl.paused AND pl.stop_at IS NOT NULL
                    THEN tstzmultirange(tstzrange(pl.at, pl.stop_at))
                    ELSE '{}'::tstzmultirange END AS pauses
          FROM planned AS pl),
    due AS (
        SELECT ti.*,
               CASE WHEN ti.paused AND ti.stop_at IS NULL THEN NULL
                    ELSE omnichannel.business_time_add(ti.cal, ti.at, ti.target, ti.pauses) END AS due
          FROM timed AS ti),
    ins AS (
        INSERT INTO omnichannel.sla_clock AS c
               (customer_id, thread_id, metric, policy_id, channel, target, started_at, started_by,
                pauses, paused_since, due_at, breached_at, stopped_at, stopped_by, outcome,
                business_seconds, wall_seconds)
        SELECT d.customer, d.thread, d.metric, d.policy, d.channel, d.target, d.at, d.id,
               d.pauses, CASE WHEN d.paused AND d.stop_at IS NULL THEN d.at END, d.due,
               CASE WHEN d.stop_at > d.due THEN d.due END,
               d.stop_at, d.stop_by,
               CASE WHEN d.stop_at IS NULL THEN NULL
                    WHEN d.stop_at <= d.due THEN 'achieved' ELSE 'breached' END,
               pg_catalog.date_part('epoch',
                   omnichannel.business_time_between(d.cal, d.at, d.stop_at, d.pauses)),
               pg_catalog.date_part('epoch', d.stop_at - d.at)
          FROM due AS d
         ORDER BY d.thread, d.at, d.id, d.metric
        RETURNING c.*)
    INSERT INTO omnichannel.sla_event
           (clock_id, customer_id, thread_id, metric, event, at, due_at,
            business_seconds, wall_seconds, details)
    SELECT i.id, i.customer_id, i.thread_id, i.metric, x.event,
           CASE x.event WHEN 'start' THEN i.started_at WHEN 'breach' THEN i.breached_at
                        ELSE i.stopped_at END,
           i.due_at,
           CASE x.event WHEN 'start' THEN 0
                        WHEN 'breach' THEN pg_catalog.date_part('epoch', i.target::interval)
                        ELSE i.business_seconds END,
           CASE x.event WHEN 'start' THEN 0
                        WHEN 'breach' THEN pg_catalog.date_part('epoch', i.breached_at - i.started_at)
                        ELSE i.wall_seconds END,
           CASE x.event WHEN 'start'
                THEN jsonb_build_object('policy', i.policy_id, 'interaction', i.started_by)
                ELSE jsonb_build_object('via', 'reply', 'interaction', i.stopped_by) END
      FROM ins AS i
     CROSS JOIN LATERAL (VALUES (1, 'start'), (2, 'breach'), (3, 'achieve')) AS x(n, event)
     WHERE x.n = 1 OR (x.n = 2 AND i.breached_at IS NOT NULL) OR (x.n = 3 AND i.stopped_at IS NOT NULL)
     ORDER BY i.id, x.n;
    RETURN true;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_ingest(bigint[], bigint[], bigint[], timestamptz[], boolean[],
    omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[], bigint[], timestamptz[]) IS
    'Internal, called by the ingest statement trigger: reopens the threads a customer message reopens, achieves the clocks the statement''s replies answer and starts the clocks its messages start; true when the threads'' due times must be refreshed';
-- only the ingest trigger calls it, as the interaction table's owner
REVOKE EXECUTE ON FUNCTION omnichannel.sla_ingest(bigint[], bigint[], bigint[], timestamptz[], boolean[],
    omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[], bigint[], timestamptz[])
    FROM PUBLIC;

-- Policy or calendar changes ------------------------------------------------------------

CREATE FUNCTION omnichannel.recompute_sla(policy integer DEFAULT NULL,
                                         calendar text DEFAULT NULL,
                                         rematch boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_threads bigint[];
    v_policies integer[];
    v_statuses omnichannel.thread_status[];
    v_n bigint;
BEGIN
    IF recompute_sla.policy IS NOT NULL AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_policy AS p WHERE p.id = recompute_sla.policy) THEN
        RAISE EXCEPTION 'SLA policy % does not exist', recompute_sla.policy
            USING ERRCODE = 'undefined_object';
    END IF;
    IF recompute_sla.calendar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM omnichannel.business_calendar AS c
                                             WHERE c.name = recompute_sla.calendar) THEN
        RAISE EXCEPTION 'business calendar "%" does not exist', recompute_sla.calendar
            USING ERRCODE = 'undefined_object';
    END IF;

    -- the unsolved threads the change can affect, locked (in id order) so
    -- that no status change or reply moves their clocks meanwhile
    SELECT array_agg(t.id ORDER BY t.id) INTO v_threads
      FROM (SELECT t.id FROM omnichannel.thread AS t
             WHERE t.status NOT IN ('solved', 'closed')
               AND t.sla_policy_id IS NOT NULL
               AND (recompute_sla.policy IS NULL OR t.sla_policy_id = recompute_sla.policy)
               AND (recompute_sla.calendar IS NULL OR t.sla_policy_id IN
                        (SELECT p.id FROM omnichannel.sla_policy AS p WHERE p.calendar = recompute_sla.calendar))
             ORDER BY t.id
               FOR NO KEY UPDATE) AS t;
    IF v_threads IS NULL THEN
        RETURN 0;
    END IF;

    -- policies matched again (a changed condition may move a thread to
    -- another one): first active match in position order, set-wise
    IF recompute_sla.rematch THEN
        WITH m AS (
            SELECT t.id,
                   (SELECT p.id FROM omnichannel.sla_policy AS p
                     WHERE p.active
                       AND (p.channels IS NULL
                            OR COALESCE(fc.channel, t.waiting_channel, t.channels[1]) = ANY (p.channels))
                       AND (p.priorities IS NULL OR t.priority = ANY (p.priorities))
                       AND (p.customer_match IS NULL OR cu.attributes @> p.customer_match)
                     ORDER BY p.position, p.id LIMIT 1) AS new_policy
              FROM omnichannel.thread AS t
              JOIN omnichannel.customer AS cu ON cu.id = t.customer_id
              -- the channel of the message that started the first clock
              -- (omnichannel.sla_thread_channel, written out)
              LEFT JOIN LATERAL (SELECT c.channel FROM omnichannel.sla_clock AS c
                                  WHERE c.thread_id = t.id
                                  ORDER BY c.started_at, c.id LIMIT 1) AS fc ON true
             WHERE t.id IN (SELECT pg_catalog.unnest(v_threads)))
        UPDATE omnichannel.thread AS t
           SET sla_policy_id = m.new_policy
          FROM m
         WHERE t.id = m.id AND t.sla_policy_id IS DISTINCT FROM m.new_policy;
    END IF;

    -- running clocks re-derived from their start and pauses
    SELECT array_agg(t.sla_policy_id ORDER BY t.id), array_agg(t.status ORDER BY t.id)
      INTO v_policies, v_statuses
      FROM omnichannel.thread AS t WHERE t.id IN (SELECT pg_catalog.unnest(v_threads));
    v_n := omnichannel.sla_rederive(v_threads, v_policies, v_statuses,
               jsonb_build_object('policy_changed', recompute_sla.policy,
                                  'calendar_changed', recompute_sla.calendar));

    UPDATE omnichannel.thread AS t
       SET first_response_due = d.first_response_due,
           next_response_due = d.next_response_due,
           periodic_update_due = d.periodic_update_due,
           resolution_due = d.resolution_due,
           sla_due_at = d.sla_due_at,
           sla_paused = COALESCE(d.sla_paused, false)
      FROM unnest(v_threads) AS x(id)
      LEFT JOIN omnichannel.sla_dues_of(v_threads) AS d ON d.thread_id = x.id
     WHERE t.id = x.id
       AND (t.first_response_due, t.next_response_due, t.periodic_update_due, t.resolution_due,
            t.sla_due_at, t.sla_paused)
           IS DISTINCT FROM
           (d.first_response_due, d.next_response_due, d.periodic_update_due, d.resolution_due,
            d.sla_due_at, COALESCE(d.sla_paused, false));
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.recompute_sla(integer, text, boolean) IS
    'After a policy or calendar change: re-derives the running clocks of the unsolved threads it affects (all, one policy''s, or those of policies using one calendar) from their starts and pauses, matching policies again unless rematch is false; logs a recompute (or cancel) event per changed clock and returns their number';

-- Breaches seen as they happen (for cron or pg_cron) --------------------------------------

CREATE FUNCTION omnichannel.sla_sweep(max_clocks integer DEFAULT 10000)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer;
BEGIN
    IF max_clocks IS NULL OR max_clocks < 1 THEN
        RAISE EXCEPTION 'max_clocks must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH due AS (
        SELECT c.id, c.thread_id
          FROM omnichannel.sla_clock AS c
         WHERE c.stopped_at IS NULL AND c.breached_at IS NULL AND c.due_at < pg_catalog.now()
         ORDER BY c.due_at
         LIMIT max_clocks),
    locked AS (
        -- a thread busy elsewhere is left for the next sweep
        SELECT t.id FROM omnichannel.thread AS t
         WHERE t.id IN (SELECT due.thread_id FROM due)
           FOR NO KEY UPDATE SKIP LOCKED),
    upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET breached_at = c.due_at
          FROM due
         WHERE c.id = due.id AND due.thread_id IN (SELECT locked.id FROM locked)
           AND c.stopped_at IS NULL AND c.breached_at IS NULL AND c.due_at < pg_catalog.now()
        RETURNING c.*)
    INSERT INTO omnichannel.sla_event
           (clock_id, customer_id, thread_id, metric, event, at, due_at,
            business_seconds, wall_seconds, details)
    SELECT u.id, u.customer_id, u.thread_id, u.metric, 'breach', u.due_at, u.due_at,
           pg_catalog.date_part('epoch', u.target::interval),
           pg_catalog.date_part('epoch', u.due_at - u.started_at),
           '{"via": "sweep"}'
      FROM upd AS u
     -- a reopened clock that breached before keeps its one breach event
     WHERE NOT EXISTS (SELECT 1 FROM omnichannel.sla_event AS e
                        WHERE e.thread_id = u.thread_id AND e.clock_id = u.id AND e.event = 'breach')
     ORDER BY u.due_at, u.id;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_sweep(integer) IS
    'Records a breach event for running clocks past their due time (at most max_clocks, oldest first; threads locked elsewhere wait for the next run); for cron or pg_cron every minute; returns the breaches recorded';

-- Attainment for supervisors and BI ----------------------------------------------------------

CREATE VIEW omnichannel.sla_attainment AS
SELECT (d.decided_at AT TIME ZONE 'UTC')::date     AS day,
       d.channel::text                             AS channel,
       p.name                                      AS policy,
       d.metric::text                              AS metric,
       count(*)                                    AS clocks,
       count(*) FILTER (WHERE d.achieved)          AS achieved,
       count(*) FILTER (WHERE NOT d.achieved)      AS breached,
       round(100.0 * count(*) FILTER (WHERE d.achieved) / count(*), 2) AS achieved_pct,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.business_seconds) AS median_business_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY d.business_seconds) AS p90_business_seconds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.wall_seconds)     AS median_wall_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY d.wall_seconds)     AS p90_wall_seconds
  FROM (SELECT c.channel, c.metric, c.policy_id, c.business_seconds, c.wall_seconds,
               c.outcome IS NOT DISTINCT FROM 'achieved' AS achieved,
               CASE WHEN c.outcome = 'achieved' THEN c.stopped_at ELSE c.due_at END AS decided_at
          FROM omnichannel.sla_clock AS c
         WHERE c.outcome IN ('achieved', 'breached')
            OR (c.stopped_at IS NULL AND c.due_at <= pg_catalog.now())) AS d
  JOIN omnichannel.sla_policy AS p ON p.id = d.policy_id
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW omnichannel.sla_attainment IS
    'SLA attainment per UTC day (when the outcome was decided), channel, policy and metric; standard SQL types only';
COMMENT ON COLUMN omnichannel.sla_attainment.day IS 'UTC date on which the outcome was decided: the reply or solve for achieved clocks, the due time for breached ones (running or not)';
COMMENT ON COLUMN omnichannel.sla_attainment.channel IS 'Channel of the interaction that started the clocks';
COMMENT ON COLUMN omnichannel.sla_attainment.policy IS 'SLA policy name';
COMMENT ON COLUMN omnichannel.sla_attainment.metric IS 'first_response, next_response, periodic_update or resolution';
COMMENT ON COLUMN omnichannel.sla_attainment.clocks IS 'Clocks decided (cancelled ones and running ones not yet due are not counted)';
COMMENT ON COLUMN omnichannel.sla_attainment.achieved IS 'Clocks stopped at or before their due time';
COMMENT ON COLUMN omnichannel.sla_attainment.breached IS 'Clocks that ran past their due time (stopped late or still running)';
COMMENT ON COLUMN omnichannel.sla_attainment.achieved_pct IS 'achieved / clocks, in percent, two decimals';
COMMENT ON COLUMN omnichannel.sla_attainment.median_business_seconds IS 'Median business seconds from start to stop of the stopped clocks (pauses left out)';
COMMENT ON COLUMN omnichannel.sla_attainment.p90_business_seconds IS '90th percentile of business seconds from start to stop';
COMMENT ON COLUMN omnichannel.sla_attainment.median_wall_seconds IS 'Median wall-clock seconds from start to stop';
COMMENT ON COLUMN omnichannel.sla_attainment.p90_wall_seconds IS '90th percentile of wall-clock seconds from start to stop';
-- ---------------------------------------------------------------------------
-- The universal queue: agents with capacity in per-channel units, the queue
-- view (open work, SLA state), and dispatch: claim_next(agent) gives an
-- agent the most urgent thread it may take within its spare capacity,
-- release() and reassign() give it back or to someone else.  Every
-- assignment is a row in thread_assignment, at most one open per thread.
--
-- Concurrency: a claim locks the agent row first (claims of one agent and
-- changes to its status or capacity run one after the other, so capacity
-- is never exceeded), then tries candidate threads one at a time with
-- FOR NO KEY UPDATE SKIP LOCKED inside a subtransaction; a candidate that
-- turns out to be taken or no longer eligible once locked is given back by
-- rolling the subtransaction back, so a claim holds no thread lock but the
-- one it returns.  See docs/queue.md.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.agent (
    id                text PRIMARY KEY CHECK (id <> ''),
    display_name      text,
    queues            text[] NOT NULL DEFAULT '{}',
    skills            text[] NOT NULL DEFAULT '{}',
    languages         text[] NOT NULL DEFAULT '{}',
    capacity          real NOT NULL DEFAULT 1
                      CHECK (capacity > 0 AND capacity <= 100),
    status            text NOT NULL DEFAULT 'offline'
                      CHECK (status IN ('available', 'busy', 'away', 'offline')),
    status_changed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.agent IS
    'Agents who claim threads from the universal queue; agent.id is what thread.assignee and interaction.agent hold';
COMMENT ON COLUMN omnichannel.agent.id IS 'Agent key (a login name or employee id)';
COMMENT ON COLUMN omnichannel.agent.display_name IS 'Name to show';
COMMENT ON COLUMN omnichannel.agent.queues IS 'Queues the agent serves (thread.queue); empty: every queue';
COMMENT ON COLUMN omnichannel.agent.skills IS 'Skills the agent has; a thread''s required_skills must all be among them';
COMMENT ON COLUMN omnichannel.agent.languages IS 'Languages the agent serves (thread.language); empty: any';
COMMENT ON COLUMN omnichannel.agent.capacity IS 'Work the agent can hold at once, in channel units (channel_units): 1 is one call, or three chats, or ten e-mails by default';
COMMENT ON COLUMN omnichannel.agent.status IS 'available (may claim), busy, away or offline';
COMMENT ON COLUMN omnichannel.agent.status_changed_at IS 'When status last changed';
COMMENT ON COLUMN omnichannel.agent.created_at IS 'When the row was created';

CREATE FUNCTION omnichannel.agent_touch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_changed_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.agent_touch() IS 'Trigger: keeps agent.status_changed_at current';
CREATE TRIGGER agent_touch BEFORE UPDATE ON omnichannel.agent
    FOR EACH ROW EXECUTE FUNCTION omnichannel.agent_touch();
COMMENT ON TRIGGER agent_touch ON omnichannel.agent IS 'Keeps status_changed_at current';

-- Capacity units per channel -------------------------------------------------------

CREATE FUNCTION omnichannel.default_channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE channel
    WHEN 'phone' THEN 1 WHEN 'ivr' THEN 1 WHEN 'video' THEN 1 WHEN 'in_person' THEN 1
    WHEN 'chat' THEN 0.34 WHEN 'chatbot' THEN 0.34
    WHEN 'messaging' THEN 0.25 WHEN 'sms' THEN 0.2 WHEN 'social' THEN 0.2
    ELSE 0.1 END::real;
COMMENT ON FUNCTION omnichannel.default_channel_units(omnichannel.channel) IS
    'Built-in share of an agent''s capacity a thread of this channel takes: 1 for live voice, video and face to face, 0.34 for chat, 0.25 for messaging apps, 0.2 for SMS and social, 0.1 for e-mail, web and forum';

CREATE TABLE omnichannel.channel_load (
    channel     omnichannel.channel PRIMARY KEY,
    units       real NOT NULL CHECK (units > 0 AND units <= 100),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.channel_load IS
    'DBA overrides of default_channel_units per channel (see view channel_units)';
COMMENT ON COLUMN omnichannel.channel_load.channel IS 'The channel';
COMMENT ON COLUMN omnichannel.channel_load.units IS 'Capacity units one thread of this channel takes from its assignee';
COMMENT ON COLUMN omnichannel.channel_load.updated_at IS 'When the override was written';

CREATE VIEW omnichannel.channel_units AS
SELECT c.channel::text AS channel,
       COALESCE(l.units, omnichannel.default_channel_units(c.channel)) AS units,
       l.units IS NOT NULL AS overridden
  FROM unnest(enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.channel_load AS l ON l.channel = c.channel;
COMMENT ON VIEW omnichannel.channel_units IS 'Capacity units per channel in force (overrides and built-in defaults)';
COMMENT ON COLUMN omnichannel.channel_units.channel IS 'The channel';
COMMENT ON COLUMN omnichannel.channel_units.units IS 'Units one thread of this channel takes from its assignee''s capacity';
COMMENT ON COLUMN omnichannel.channel_units.overridden IS 'Whether channel_load overrides the default';

CREATE FUNCTION omnichannel.channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT l.units FROM omnichannel.channel_load AS l WHERE l.channel = $1),
                    omnichannel.default_channel_units(COALESCE($1, 'other')))
$$;
COMMENT ON FUNCTION omnichannel.channel_units(omnichannel.channel) IS
    'Capacity units a thread of this channel takes (the override, else the default; NULL counts as other)';

-- Dispatch settings ----------------------------------------------------------------

CREATE TABLE omnichannel.dispatch_setting (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    previous_agent_wait  omnichannel.stitch_window NOT NULL DEFAULT interval '5 minutes',
    updated_at           timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.dispatch_setting IS
    'Dispatch tuning, at most one row; without a row the defaults apply (see dispatch_settings())';
COMMENT ON COLUMN omnichannel.dispatch_setting.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN omnichannel.dispatch_setting.previous_agent_wait IS
    'How long a returning customer''s thread waits for the agent of their previous thread, while that agent is available, before any agent may claim it; 0 turns the preference off';
COMMENT ON COLUMN omnichannel.dispatch_setting.updated_at IS 'When the row was written';

CREATE FUNCTION omnichannel.dispatch_settings(OUT previous_agent_wait interval)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT s.previous_agent_wait::interval FROM omnichannel.dispatch_setting AS s),
                    interval '5 minutes')
$$;
COMMENT ON FUNCTION omnichannel.dispatch_settings() IS 'The dispatch settings in force';

-- Assignments --------------------------------------------------------------------------

CREATE TABLE omnichannel.thread_assignment (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL,
    thread_id    bigint NOT NULL,
    agent        text NOT NULL,
    assigned_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    how          text NOT NULL CHECK (how IN ('claim', 'reassign')),
    released_at  timestamptz,
    released_how text CHECK (released_how IN ('release', 'reassign', 'solved', 'closed')),
    reason       text,
    CONSTRAINT thread_assignment_thread_fkey FOREIGN KEY (customer_id, thread_id)
        REFERENCES omnichannel.thread (customer_id, id) ON UPDATE CASCADE,
    CONSTRAINT thread_assignment_released CHECK ((released_at IS NULL) = (released_how IS NULL))
);
-- one open assignment per thread: a double assignment cannot be stored
CREATE UNIQUE INDEX thread_assignment_open_key
    ON omnichannel.thread_assignment (thread_id) WHERE released_at IS NULL;
CREATE INDEX thread_assignment_agent_idx ON omnichannel.thread_assignment (agent, assigned_at);
COMMENT ON TABLE omnichannel.thread_assignment IS
    'Every assignment of a thread to an agent (claim or reassign) and its end; at most one open per thread';
COMMENT ON COLUMN omnichannel.thread_assignment.id IS 'Assignment key';
COMMENT ON COLUMN omnichannel.thread_assignment.customer_id IS 'The thread''s customer';
COMMENT ON COLUMN omnichannel.thread_assignment.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.thread_assignment.agent IS 'The agent (agent.id)';
COMMENT ON COLUMN omnichannel.thread_assignment.assigned_at IS 'When the agent got it';
COMMENT ON COLUMN omnichannel.thread_assignment.how IS 'claim (claim_next) or reassign (reassign)';
COMMENT ON COLUMN omnichannel.thread_assignment.released_at IS 'When it ended (NULL: current)';
COMMENT ON COLUMN omnichannel.thread_assignment.released_how IS 'release, reassign, solved or closed';
COMMENT ON COLUMN omnichannel.thread_assignment.reason IS 'Free-text reason given to reassign or release';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.agent', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.channel_load', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.dispatch_setting', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.thread_assignment', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.thread_assignment', 'id'), '');

-- Dispatch order: what claim_next walks.
CREATE INDEX thread_dispatch_idx
    ON omnichannel.thread (priority DESC, sla_due_at, waiting_since, id)
    WHERE status = 'open' AND assignee IS NULL;
-- The head of each queue ('' for threads with none), for agents serving
-- some queues.
CREATE INDEX thread_queue_dispatch_idx
    ON omnichannel.thread ((COALESCE(queue, '')), priority DESC, sla_due_at, waiting_since, id)
    WHERE status = 'open' AND assignee IS NULL;
-- An agent's load.
-- the previous agent of a returning customer (ingest, preferred_agent): the
-- latest earlier assigned thread of the customer, found without reading the
-- unassigned ones (a customer may have thousands of threads)
CREATE INDEX thread_customer_assigned_idx
    ON omnichannel.thread (customer_id, id) WHERE assignee IS NOT NULL;
COMMENT ON INDEX omnichannel.thread_customer_assigned_idx IS
    'A customer''s assigned threads, for the previous agent of a new thread';
CREATE INDEX thread_assignee_open_idx
    ON omnichannel.thread (assignee) WHERE assignee IS NOT NULL AND status = 'open';

-- Ends a thread's open assignment, if any (release, reassign, solved, closed).
CREATE FUNCTION omnichannel.end_assignment(thread bigint, how text, reason text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE omnichannel.thread_assignment AS a
       SET released_at = pg_catalog.clock_timestamp(), released_how = $2,
           -- release and reassign record the reason given (NULL too); a
           -- status change keeps the one the assignment was made with
           reason = CASE WHEN $2 IN ('release', 'reassign') THEN $3 ELSE a.reason END
     WHERE a.thread_id = $1 AND a.released_at IS NULL
$$;
COMMENT ON FUNCTION omnichannel.end_assignment(bigint, text, text) IS
    'Internal: ends the thread''s open assignment (released_how = how; release and reassign record reason), if it has one';

-- Locks an unsolved thread for an assignment change, or says why not.
CREATE FUNCTION omnichannel.lock_unsolved_thread(thread bigint)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
BEGIN
    SELECT * INTO v_row FROM omnichannel.thread AS t WHERE t.id = lock_unsolved_thread.thread
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'thread % does not exist', lock_unsolved_thread.thread
            USING ERRCODE = 'undefined_object';
    END IF;
    IF v_row.status IN ('solved', 'closed') THEN
        RAISE EXCEPTION 'thread % is %', v_row.id, v_row.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A solved or closed thread keeps its last assignee for the record.',
                  HINT = 'Only unsolved threads are assigned and released.';
    END IF;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.lock_unsolved_thread(bigint) IS
    'Internal: locks the thread (FOR NO KEY UPDATE) and returns it; refuses an unknown, solved or closed thread';

-- Solved or closed ends the open assignment (the assignee stays on the thread).
CREATE FUNCTION omnichannel.assignment_on_status()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM omnichannel.end_assignment(NEW.id, NEW.status::text, NULL);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.assignment_on_status() IS
    'Trigger: a thread solved or closed ends its open assignment';
CREATE TRIGGER assignment_on_status
    AFTER UPDATE OF status ON omnichannel.thread
    FOR EACH ROW
    WHEN (NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed')
          AND NEW.assignee IS NOT NULL)
    EXECUTE FUNCTION omnichannel.assignment_on_status();
COMMENT ON TRIGGER assignment_on_status ON omnichannel.thread IS
    'Ends the open assignment of a thread that is solved or closed';

-- An agent's current load in capacity units.
CREATE FUNCTION omnichannel.agent_load(agent text)
RETURNS numeric
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT round(COALESCE(sum(omnichannel.channel_units(COALESCE(t.waiting_channel, t.channels[1]))::numeric), 0), 4)
      FROM omnichannel.thread AS t
     WHERE t.assignee = $1 AND t.status = 'open'
$$;
COMMENT ON FUNCTION omnichannel.agent_load(text) IS
    'Capacity units the agent''s open assigned threads take (pending, on-hold and solved threads take none)';

-- Whether an agent is available (the previous agent's turn).
CREATE FUNCTION omnichannel.agent_available(agent text)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM omnichannel.agent AS g WHERE g.id = $1 AND g.status = 'available')
$$;
COMMENT ON FUNCTION omnichannel.agent_available(text) IS
    'Whether the agent exists and its status is available';

-- Whether an agent may take a thread: its queues, skills and languages, a
-- channel that fits its spare capacity (fits: the channels whose units fit,
-- computed once per claim), and no available previous agent still owed it
-- (waiting since after cutoff = now() - previous_agent_wait).
CREATE FUNCTION omnichannel.claim_eligible(t omnichannel.thread, a omnichannel.agent,
                                          fits omnichannel.channel[], cutoff timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
-- a plain expression and no SET clause, so that it is inlined into
-- claim_next's candidate scans (which run with search_path = pg_catalog,
-- pg_temp)
AS $$
    SELECT t.merged_into IS NULL
       AND (pg_catalog.cardinality(a.queues) = 0 OR t.queue IS NULL OR t.queue = ANY (a.queues))
       AND t.required_skills <@ a.skills
       AND (pg_catalog.cardinality(a.languages) = 0 OR t.language IS NULL OR t.language = ANY (a.languages))
       AND COALESCE(t.waiting_channel, t.channels[1], 'other') = ANY (fits)
       AND (t.preferred_agent IS NULL OR t.preferred_agent = a.id
            OR t.waiting_since IS NULL OR t.waiting_since <= cutoff
            OR NOT omnichannel.agent_available(t.preferred_agent))
$$;
COMMENT ON FUNCTION omnichannel.claim_eligible(omnichannel.thread, omnichannel.agent, omnichannel.channel[], timestamptz) IS
    'Whether the agent may claim the thread: queue, skills, language, a channel among fits (those that fit its spare capacity), and no available previous agent still within previous_agent_wait (waiting since after cutoff)';

-- claim_next -------------------------------------------------------------------------

CREATE FUNCTION omnichannel.claim_next(agent text)
RETURNS SETOF omnichannel.thread
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
ROWS 1
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a          omnichannel.agent;
    v_spare    numeric;
    v_wait     interval;
    v_cutoff   timestamptz;
    v_fit      omnichannel.channel[];
    v_queues   text[];
    v_limit    integer;
    v_cand     bigint[];
    v_id       bigint;
    v_row      omnichannel.thread;
    v_round    integer;
    v_tried    bigint[] := '{}';
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'claim_next requires READ COMMITTED'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A claim must see assignments committed while it waited for a lock.';
    END IF;
    -- claims of one agent, and changes to it, run one after the other
    SELECT * INTO a FROM omnichannel.agent AS g WHERE g.id = agent FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'agent "%" does not exist', agent
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add the agent to omnichannel.agent first.';
    END IF;
    IF a.status <> 'available' THEN
        RAISE EXCEPTION 'agent "%" is not available', agent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The agent''s status is %s.', a.status),
                  HINT = 'Set the agent''s status to available to claim work.';
    END IF;
    v_spare := a.capacity - omnichannel.agent_load(agent);
    -- the channels whose threads fit the spare capacity: none, nothing to scan
    v_fit := ARRAY(SELECT c FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::omnichannel.channel)) AS c
                    WHERE omnichannel.channel_units(c) <= v_spare + 1e-4);
    IF pg_catalog.cardinality(v_fit) = 0 THEN
        RETURN;
    END IF;
    v_queues := CASE WHEN pg_catalog.cardinality(a.queues) > 0 THEN a.queues END;
    v_wait := omnichannel.dispatch_settings();
    v_cutoff := pg_catalog.now() - v_wait;

    -- candidates in dispatch order, read without locks: 16, then the next
    -- 64, 256 and 1024 if every one tried was taken meanwhile, by
    -- omnichannel.claim_eligible() (inlined); an agent serving some queues
    -- reads each queue's head (thread_queue_dispatch_idx) and the threads
    -- with none.
    FOR v_round IN 1..4 LOOP
        v_limit := 16 * 4 ^ (v_round - 1);
        IF v_queues IS NULL THEN
            v_cand := ARRAY(
                SELECT t.id FROM omnichannel.thread AS t
                 WHERE t.status = 'open' AND t.assignee IS NULL
                   AND NOT t.id = ANY (v_tried)
                   AND omnichannel.claim_eligible(t, a, v_fit, v_cutoff)
                 ORDER BY t.priority DESC, t.sla_due_at, t.waiting_since, t.id
                 LIMIT v_limit);
        ELSE
            -- each served queue's head, and the head of the threads with no
            -- queue ('' in the index), merged in dispatch order
            v_cand := ARRAY(
                SELECT c.id
                  FROM pg_catalog.unnest(v_queues || ''::text) AS q(queue)
                 CROSS JOIN LATERAL (
                    SELECT t.id, t.priority, t.sla_due_at, t.waiting_since
                      FROM omnichannel.thread AS t
                     WHERE t.status = 'open' AND t.assignee IS NULL
                       AND COALESCE(t.queue, '') = q.queue
                       AND NOT t.id = ANY (v_tried)
                       AND omnichannel.claim_eligible(t, a, v_fit, v_cutoff)
                     ORDER BY t.priority DESC, t.sla_due_at, t.waiting_since, t.id
                     LIMIT v_limit) AS c
                 ORDER BY c.priority DESC, c.sla_due_at, c.waiting_since, c.id
                 LIMIT v_limit);
        END IF;
        IF pg_catalog.cardinality(v_cand) = 0 THEN
            RETURN;
        END IF;
        v_tried := v_tried || v_cand;
        FOREACH v_id IN ARRAY v_cand LOOP
            BEGIN
                -- locks at most this one row; it is re-read as it is now
                SELECT * INTO v_row FROM omnichannel.thread AS t
                 WHERE t.id = v_id FOR NO KEY UPDATE SKIP LOCKED;
                IF FOUND THEN
                    IF v_row.status <> 'open' OR v_row.assignee IS NOT NULL
                       OR NOT omnichannel.claim_eligible(v_row, a, v_fit, v_cutoff) THEN
                        -- taken or changed meanwhile: give the lock back
                        RAISE EXCEPTION USING ERRCODE = 'OC001';
                    END IF;
                    UPDATE omnichannel.thread AS t
                       SET assignee = agent, assigned_at = pg_catalog.clock_timestamp()
                     WHERE t.id = v_id
                    RETURNING * INTO v_row;
                    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how)
                    VALUES (v_row.customer_id, v_row.id, agent, 'claim');
                    RETURN NEXT v_row;
                    RETURN;
                END IF;
            EXCEPTION WHEN SQLSTATE 'OC001' THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION omnichannel.claim_next(text) IS
    'Gives the agent the most urgent open unassigned thread it may take (its queues, skills and languages; fits its spare capacity) in the order priority, SLA due time, waiting since; returns it, or no row when there is none; never a thread another claim holds';

CREATE FUNCTION omnichannel.release(thread bigint, reason text DEFAULT NULL)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
BEGIN
    v_row := omnichannel.lock_unsolved_thread(release.thread);
    IF v_row.assignee IS NULL THEN
        RAISE EXCEPTION 'thread % is not assigned', release.thread
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM omnichannel.end_assignment(v_row.id, 'release', release.reason);
    UPDATE omnichannel.thread AS t SET assignee = NULL, assigned_at = NULL
     WHERE t.id = v_row.id RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.release(bigint, text) IS
    'Gives an assigned thread back to the queue; returns the thread';

CREATE FUNCTION omnichannel.reassign(thread bigint, agent text, reason text DEFAULT NULL)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
BEGIN
    IF agent IS NULL THEN
        RAISE EXCEPTION 'agent must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use omnichannel.release() to give a thread back to the queue.';
    END IF;
    -- the agent first, as claim_next does: no deadlock with its claims
    PERFORM 1 FROM omnichannel.agent AS g WHERE g.id = reassign.agent FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'agent "%" does not exist', reassign.agent
            USING ERRCODE = 'undefined_object';
    END IF;
    v_row := omnichannel.lock_unsolved_thread(reassign.thread);
    IF v_row.assignee IS NOT DISTINCT FROM reassign.agent THEN
        RETURN v_row;
    END IF;
    PERFORM omnichannel.end_assignment(v_row.id, 'reassign', reassign.reason);
    UPDATE omnichannel.thread AS t
       SET assignee = reassign.agent, assigned_at = pg_catalog.clock_timestamp()
     WHERE t.id = v_row.id RETURNING * INTO v_row;
    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how, reason)
    VALUES (v_row.customer_id, v_row.id, reassign.agent, 'reassign', reassign.reason);
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.reassign(bigint, text, text) IS
    'Gives a thread to a named agent (a supervisor''s decision: capacity and availability are not checked); returns the thread';

-- The queue view ---------------------------------------------------------------------------

CREATE VIEW omnichannel.queue AS
SELECT t.id                                              AS thread_id,
       t.customer_id,
       t.status::text                                    AS status,
       t.priority::text                                  AS priority,
       pg_catalog.array_position(pg_catalog.enum_range(NULL::omnichannel.priority), t.priority)
                                                         AS priority_rank,
       COALESCE(t.waiting_channel, t.channels[1])::text  AS channel,
       t.queue,
       t.subject,
       t.waiting_since,
       t.sla_due_at                                      AS due_at,
       c.metric::text                                    AS due_metric,
       CASE WHEN t.sla_due_at IS NOT NULL THEN
            pg_catalog.date_part('epoch', omnichannel.business_time_between(
                omnichannel.sla_calendar_of(t.sla_policy_id), pg_catalog.now(), t.sla_due_at)) END
                                                         AS business_seconds_left,
       CASE WHEN t.sla_paused THEN 'paused'
            WHEN t.sla_due_at IS NULL THEN 'none'
            WHEN t.sla_due_at <= pg_catalog.now() THEN 'breached'
            WHEN omnichannel.business_time_between(omnichannel.sla_calendar_of(t.sla_policy_id),
                     pg_catalog.now(), t.sla_due_at)
                 <= c.target::interval * (1 - p.warning_ratio) THEN 'warning'
            ELSE 'ok' END                                AS sla_state,
       p.name                                            AS policy,
       t.assignee,
       t.assigned_at,
       t.preferred_agent
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  LEFT JOIN LATERAL (SELECT k.metric, k.target
                       FROM omnichannel.sla_clock AS k
                      WHERE k.thread_id = t.id AND k.stopped_at IS NULL
                      ORDER BY k.due_at NULLS LAST, k.metric
                      LIMIT 1) AS c ON true
 WHERE t.status IN ('open', 'pending', 'on_hold');
COMMENT ON VIEW omnichannel.queue IS
    'Unsolved threads (open, pending, on_hold) with their SLA state; ORDER BY priority_rank DESC, due_at, waiting_since is the dispatch order; standard SQL types only';
COMMENT ON COLUMN omnichannel.queue.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.queue.customer_id IS 'Its customer';
COMMENT ON COLUMN omnichannel.queue.status IS 'open (awaiting the company), pending (awaiting the customer) or on_hold (awaiting a third party)';
COMMENT ON COLUMN omnichannel.queue.priority IS 'low, normal, high or urgent';
COMMENT ON COLUMN omnichannel.queue.priority_rank IS '1 (low) to 4 (urgent): ORDER BY priority_rank DESC, due_at is the dispatch order';
COMMENT ON COLUMN omnichannel.queue.channel IS 'Channel of the latest customer message (of the first channel used if none)';
COMMENT ON COLUMN omnichannel.queue.queue IS 'Queue of the latest customer message that named one';
COMMENT ON COLUMN omnichannel.queue.subject IS 'Thread subject';
COMMENT ON COLUMN omnichannel.queue.waiting_since IS 'Oldest unanswered customer message (NULL: the company spoke last)';
COMMENT ON COLUMN omnichannel.queue.due_at IS 'Earliest due time of the running clocks (NULL: none, or paused)';
COMMENT ON COLUMN omnichannel.queue.due_metric IS 'The metric of that clock';
COMMENT ON COLUMN omnichannel.queue.business_seconds_left IS 'Business seconds from now to due_at in the policy''s calendar (negative when breached)';
COMMENT ON COLUMN omnichannel.queue.sla_state IS 'ok, warning (less than (1 - warning_ratio) of the target left), breached, paused, or none (no clock running)';
COMMENT ON COLUMN omnichannel.queue.policy IS 'SLA policy name';
COMMENT ON COLUMN omnichannel.queue.assignee IS 'The agent holding the thread (NULL: unassigned)';
COMMENT ON COLUMN omnichannel.queue.assigned_at IS 'When the assignee took it';
COMMENT ON COLUMN omnichannel.queue.preferred_agent IS 'The agent of the customer''s previous thread, who gets it first while available';

-- The functions that write clocks, assignments and events run as the
-- extension's owner (SECURITY DEFINER, fixed search_path); who may call the
-- dispatch and recompute functions is decided by EXECUTE grants
-- (docs/install.md "Roles").
REVOKE EXECUTE ON FUNCTION omnichannel.claim_next(text), omnichannel.release(bigint, text),
    omnichannel.end_assignment(bigint, text, text), omnichannel.lock_unsolved_thread(bigint),
    omnichannel.reassign(bigint, text, text), omnichannel.recompute_sla(integer, text, boolean),
    omnichannel.sla_sweep(integer), omnichannel.sla_stop_clocks(bigint[], timestamptz[], bigint[], boolean[], jsonb),
    omnichannel.sla_rederive(bigint[], integer[], omnichannel.thread_status[], jsonb)
    FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- The 360-degree view: customer_360(customer) returns the whole customer as
-- one jsonb document for a CRM front end (identity, channels used, open
-- threads with their SLA state and effort, the latest interactions, the
-- handoff context for the next agent).  Every part is an index-driven read;
-- the per-channel counts come from customer_channel, a rollup the ingest
-- trigger keeps current (src/pg/ingest.c, flush_threads), so that a
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
-- customer with 100,000 interactions has some 20,000 threads).
CREATE INDEX thread_customer_unsolved_idx ON omnichannel.thread (customer_id)
    WHERE status IN ('open', 'pending', 'on_hold') AND merged_into IS NULL;
COMMENT ON INDEX omnichannel.thread_customer_unsolved_idx IS
    'A customer''s open, pending and on-hold threads (customer_360)';

-- Rebuild the rollup of some customers from their interactions (after a merge,
-- an unmerge, or a change to interactions made outside the ingest).
CREATE FUNCTION omnichannel.customer_channel_refresh(customers bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM omnichannel.customer_channel AS c WHERE c.customer_id = ANY (customers);
    WITH fresh AS (
        INSERT INTO omnichannel.customer_channel AS c
               (customer_id, channel, inbound, outbound, internal, first_at, last_at, last_inbound_at)
        SELECT i.customer_id, i.channel,
               count(*) FILTER (WHERE i.direction = 'inbound'),
               count(*) FILTER (WHERE i.direction = 'outbound'),
               count(*) FILTER (WHERE i.direction = 'internal'),
               min(i.occurred_at), max(i.occurred_at),
               max(i.occurred_at) FILTER (WHERE i.direction = 'inbound')
          FROM omnichannel.interaction AS i
         WHERE i.customer_id = ANY (customers)
         GROUP BY 1, 2
         ORDER BY 1, 2
        RETURNING 1)
    SELECT count(*) FROM fresh;
$$;
COMMENT ON FUNCTION omnichannel.customer_channel_refresh(bigint[]) IS
    'Rebuilds the customer_channel rollup of the given customers from their interactions (the rollup triggers on interaction call it for the customers of changed or deleted rows); returns the rows written';

-- The 360-degree view ---------------------------------------------------------------

CREATE FUNCTION omnichannel.customer_360(customer bigint, recent integer DEFAULT 20)
RETURNS jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH asked AS (
        SELECT c.id AS asked, COALESCE(c.merged_into, c.id) AS id
          FROM omnichannel.customer AS c WHERE c.id = customer_360.customer),
    cu AS (
        SELECT c.*, asked.asked FROM asked JOIN omnichannel.customer AS c ON c.id = asked.id),
    ch AS (
        SELECT cc.* FROM cu JOIN omnichannel.customer_channel AS cc ON cc.customer_id = cu.id),
    open_threads AS (
        SELECT q.*, t.opened_at, t.last_activity_at, t.channels AS thread_channels,
               t.reopen_count, e.interactions, e.inbound, e.channel_switches
          FROM cu
          JOIN omnichannel.thread AS t ON t.customer_id = cu.id
               AND t.status IN ('open', 'pending', 'on_hold') AND t.merged_into IS NULL
          JOIN omnichannel.queue AS q ON q.thread_id = t.id
          CROSS JOIN LATERAL (
                SELECT count(*) AS interactions,
                       count(*) FILTER (WHERE v.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE v.direction <> 'internal'
                                          AND v.channel <> v.previous_channel) AS channel_switches
                  FROM (SELECT i.direction, i.channel,
                               lag(i.channel) OVER (PARTITION BY i.direction = 'internal'
                                                    ORDER BY i.occurred_at, i.id) AS previous_channel
                          FROM omnichannel.interaction AS i
                         WHERE i.thread_id = t.id) AS v) AS e),
    -- the current thread: the most recently active open one, else the
    -- thread of the latest interaction (both without reading all threads)
    latest_thread AS (
        SELECT COALESCE(
                   (SELECT o.thread_id FROM open_threads AS o
                     ORDER BY o.last_activity_at DESC, o.thread_id DESC LIMIT 1),
                   (SELECT r.thread_id FROM omnichannel.timeline(cu.id, NULL, 1) AS r)) AS id
          FROM cu)
    SELECT jsonb_build_object(
        'customer', jsonb_build_object(
            'id', cu.id, 'display_name', cu.display_name, 'language', cu.language,
            'attributes', cu.attributes, 'created_at', cu.created_at),
        'requested', cu.asked,
        'identity', jsonb_build_object(
            'identifiers', COALESCE((
                SELECT jsonb_object_agg(k.kind, k.items)
                  FROM (SELECT omnichannel.kind(ci.contact) AS kind,
                               jsonb_agg(jsonb_build_object('contact', ci.contact::text,
                                                            'source', ci.source,
                                                            'since', ci.created_at)
                                         ORDER BY ci.created_at, ci.contact) AS items
                          FROM omnichannel.customer_identifier AS ci
                         WHERE ci.customer_id = cu.id
                         GROUP BY 1) AS k), '{}'::jsonb),
            'merged', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('customer', m.id, 'since', ev.at)
                                 ORDER BY m.id)
                  FROM omnichannel.customer AS m
                  LEFT JOIN LATERAL (
                        SELECT e.occurred_at AS at FROM omnichannel.identity_event AS e
                         WHERE e.action = 'merge' AND e.other_customer_id = m.id
                           AND e.undone_by IS NULL
                         ORDER BY e.id DESC LIMIT 1) AS ev ON true
                 WHERE m.merged_into = cu.id), '[]'::jsonb)),
        'channels', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'channel', ch.channel, 'inbound', ch.inbound, 'outbound', ch.outbound,
                       'internal', ch.internal, 'first_at', ch.first_at, 'last_at', ch.last_at)
                     ORDER BY ch.last_at DESC, ch.channel)
              FROM ch), '[]'::jsonb),
        'preferred_channel', (
            SELECT ch.channel FROM ch WHERE ch.inbound > 0
             ORDER BY ch.inbound DESC, ch.last_inbound_at DESC, ch.channel LIMIT 1),
        'open_threads', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'thread', o.thread_id, 'status', o.status, 'priority', o.priority,
                       'subject', o.subject, 'channels', to_jsonb(o.thread_channels),
                       'queue', o.queue, 'assignee', o.assignee,
                       'opened_at', o.opened_at, 'last_activity_at', o.last_activity_at,
                       'waiting_since', o.waiting_since,
                       'sla', jsonb_build_object('state', o.sla_state, 'policy', o.policy,
                                                 'due_at', o.due_at, 'metric', o.due_metric,
                                                 'business_seconds_left', o.business_seconds_left),
                       'effort', jsonb_build_object('interactions', o.interactions,
                                                    'channel_switches', o.channel_switches,
                                                    'repeat_contacts', greatest(o.inbound - 1, 0),
                                                    'reopened', o.reopen_count))
                     ORDER BY o.priority_rank DESC, o.due_at, o.waiting_since, o.thread_id)
              FROM open_threads AS o), '[]'::jsonb),
        'recent_interactions', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'id', r.id, 'at', r.occurred_at, 'channel', r.channel,
                       'direction', r.direction, 'thread', r.thread_id, 'agent', r.agent,
                       'subject', r.subject, 'preview', left(r.body, 200))
                     ORDER BY r.occurred_at DESC, r.id DESC)
              FROM omnichannel.timeline(cu.id, NULL, GREATEST(customer_360.recent, 0)) AS r),
            '[]'::jsonb),
        'handoff', (SELECT omnichannel.thread_context(lt.id) FROM latest_thread AS lt),
        'effort', jsonb_build_object(
            'open_threads', (SELECT count(*) FROM open_threads),
            'channel_switches', (SELECT COALESCE(sum(o.channel_switches), 0) FROM open_threads AS o),
            'repeat_contacts', (SELECT COALESCE(sum(greatest(o.inbound - 1, 0)), 0) FROM open_threads AS o),
            'channels_used', (SELECT count(*) FROM ch)))
      FROM cu
$$;
COMMENT ON FUNCTION omnichannel.customer_360(bigint, integer) IS
    'The whole customer as one jsonb document: identity (identifiers by kind, merged customers), channels used with counts and last use, the preferred channel, open threads with SLA state and effort, the latest interactions (recent, default 20), the handoff context of the current thread, effort totals; a merged customer''s id gives the survivor''s view; NULL for an unknown customer';
-- ---------------------------------------------------------------------------
-- Reporting: views a BI tool reads over JDBC, ODBC or psycopg, with standard
-- SQL types only (text for enums, float8 seconds for durations, date for
-- days, no extension types), every view and column commented, and a function
-- that grants a reporting login exactly these views.  See docs/reporting.md.
--
--   thread_facts   one row per thread (merged threads left out): what
--                  happened to it, to pivot;
--   channel_kpis   per UTC day and channel: volume, threads opened and their
--                  response, resolution and effort indicators, SLA
--                  attainment.
--
-- channel_kpis reads rollups: interactions per UTC day and channel
-- (channel_day, kept by ingest and by the DML triggers below) and the threads'
-- own columns; a filter on day reaches every part.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.channel_day (
    day             date NOT NULL,
    channel         omnichannel.channel NOT NULL,
    inbound         bigint NOT NULL DEFAULT 0,
    outbound        bigint NOT NULL DEFAULT 0,
    internal        bigint NOT NULL DEFAULT 0,
    -- derived data, not dumped: restoring the interactions through the
    -- ingest rebuilds it
    CONSTRAINT channel_day_pkey PRIMARY KEY (day, channel)
);
COMMENT ON TABLE omnichannel.channel_day IS
    'Rollup: interactions per UTC day and channel by direction, kept by ingest and by the rollup triggers on interaction; rebuilt by channel_day_refresh()';
COMMENT ON COLUMN omnichannel.channel_day.day IS 'UTC date of occurred_at';
COMMENT ON COLUMN omnichannel.channel_day.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.channel_day.inbound IS 'Customer messages';
COMMENT ON COLUMN omnichannel.channel_day.outbound IS 'Replies to customers';
COMMENT ON COLUMN omnichannel.channel_day.internal IS 'Internal notes';

-- Rows deleted from or changed in interaction after ingest (restitch, a purge, a
-- hand-written UPDATE) leave the rollups: their counts are taken out (and
-- those of the new version put in), and the customers' per-channel rows
-- rebuilt.  TRUNCATE empties them.
CREATE FUNCTION omnichannel.rollup_after_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customers bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE omnichannel.channel_day, omnichannel.customer_channel;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT (o.occurred_at AT TIME ZONE 'UTC')::date AS day, o.channel,
                   -count(*) FILTER (WHERE o.direction = 'inbound') AS inbound,
                   -count(*) FILTER (WHERE o.direction = 'outbound') AS outbound,
                   -count(*) FILTER (WHERE o.direction = 'internal') AS internal
              FROM old_rows AS o GROUP BY 1, 2)
        UPDATE omnichannel.channel_day AS c
           SET inbound = c.inbound + d.inbound, outbound = c.outbound + d.outbound,
               internal = c.internal + d.internal
          FROM d WHERE c.day = d.day AND c.channel = d.channel;
        SELECT array_agg(DISTINCT o.customer_id) INTO v_customers FROM old_rows AS o;
    ELSE
        -- only rows whose customer, channel, direction or time changed
        WITH ch AS (
            SELECT o.customer_id AS old_customer, o.channel AS old_channel,
                   o.direction AS old_direction, o.occurred_at AS old_at,
                   n.customer_id AS new_customer, n.channel AS new_channel,
                   n.direction AS new_direction, n.occurred_at AS new_at
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
             WHERE (o.customer_id, o.channel, o.direction, o.occurred_at)
                   IS DISTINCT FROM (n.customer_id, n.channel, n.direction, n.occurred_at)),
        delta AS (
            SELECT (x.at AT TIME ZONE 'UTC')::date AS day, x.channel,
                   sum(x.sign) FILTER (WHERE x.direction = 'inbound') AS inbound,
                   sum(x.sign) FILTER (WHERE x.direction = 'outbound') AS outbound,
                   sum(x.sign) FILTER (WHERE x.direction = 'internal') AS internal
              FROM ch CROSS JOIN LATERAL (VALUES (-1, ch.old_at, ch.old_channel, ch.old_direction),
                                                (1, ch.new_at, ch.new_channel, ch.new_direction))
                                         AS x(sign, at, channel, direction)
             GROUP BY 1, 2)
        INSERT INTO omnichannel.channel_day AS c (day, channel, inbound, outbound, internal)
        SELECT d.day, d.channel, COALESCE(d.inbound, 0), COALESCE(d.outbound, 0),
               COALESCE(d.internal, 0)
          FROM delta AS d ORDER BY 1, 2
        ON CONFLICT (day, channel) DO UPDATE
           SET inbound = c.inbound + EXCLUDED.inbound, outbound = c.outbound + EXCLUDED.outbound,
               internal = c.internal + EXCLUDED.internal;
        SELECT array_agg(DISTINCT x.customer) INTO v_customers
          FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (o.customer_id), (n.customer_id)) AS x(customer)
         WHERE (o.customer_id, o.channel, o.direction, o.occurred_at)
               IS DISTINCT FROM (n.customer_id, n.channel, n.direction, n.occurred_at);
    END IF;
    IF v_customers IS NOT NULL THEN
        PERFORM omnichannel.customer_channel_refresh(v_customers);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.rollup_after_change() IS
    'Trigger: keeps channel_day and customer_channel equal to the history when interactions are deleted, changed (customer, channel, direction or time) or truncated';
CREATE TRIGGER rollup_after_delete
    AFTER DELETE ON omnichannel.interaction
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE TRIGGER rollup_after_update
    AFTER UPDATE ON omnichannel.interaction
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE TRIGGER rollup_after_truncate
    AFTER TRUNCATE ON omnichannel.interaction
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
COMMENT ON TRIGGER rollup_after_delete ON omnichannel.interaction IS
    'Takes deleted interactions out of the rollups (channel_day, customer_channel)';
COMMENT ON TRIGGER rollup_after_update ON omnichannel.interaction IS
    'Moves changed interactions (customer, channel, direction, time) in the rollups';
COMMENT ON TRIGGER rollup_after_truncate ON omnichannel.interaction IS
    'Empties the rollups with the history';

-- Rebuild channel_day from the whole history (a DBA's repair; reads every interaction).
CREATE FUNCTION omnichannel.channel_day_refresh()
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM omnichannel.channel_day;
    WITH fresh AS (
        INSERT INTO omnichannel.channel_day (day, channel, inbound, outbound, internal)
        SELECT (i.occurred_at AT TIME ZONE 'UTC')::date, i.channel,
               count(*) FILTER (WHERE i.direction = 'inbound'),
               count(*) FILTER (WHERE i.direction = 'outbound'),
               count(*) FILTER (WHERE i.direction = 'internal')
          FROM omnichannel.interaction AS i GROUP BY 1, 2 ORDER BY 1, 2
        RETURNING 1)
    SELECT count(*) FROM fresh;
$$;
COMMENT ON FUNCTION omnichannel.channel_day_refresh() IS
    'Rebuilds the channel_day rollup from all interactions; returns the rows written';
REVOKE EXECUTE ON FUNCTION omnichannel.channel_day_refresh() FROM PUBLIC;

CREATE VIEW omnichannel.thread_facts AS
SELECT t.id                                              AS thread_id,
       t.customer_id,
       t.status::text                                    AS status,
       t.priority::text                                  AS priority,
       t.queue,
       t.assignee,
       p.name                                            AS sla_policy,
       t.opened_at,
       (t.opened_at AT TIME ZONE 'UTC')::date            AS opened_day,
       t.channels[1]::text                               AS first_channel,
       pg_catalog.cardinality(t.channels)                AS channel_count,
       pg_catalog.array_to_string(t.channels, ',')       AS channels,
       t.first_inbound_at,
       t.first_response_at,
       pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at) AS first_response_seconds,
       fr.business_seconds                               AS first_response_business_seconds,
       COALESCE(fr.outcome, CASE WHEN fr.due_at <= pg_catalog.now() THEN 'breached'
                                     WHEN fr.started_at IS NOT NULL THEN 'running' END)
                                                         AS first_response_sla,
       t.solved_at                                       AS resolved_at,
       pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))
                                                         AS resolution_seconds,
       rs.business_seconds                               AS resolution_business_seconds,
       COALESCE(rs.outcome, CASE WHEN rs.due_at <= pg_catalog.now() THEN 'breached'
                                     WHEN rs.started_at IS NOT NULL THEN 'running' END)
                                                         AS resolution_sla,
       COALESCE(n.interactions, 0)                       AS interactions,
       COALESCE(n.inbound, 0)                            AS inbound,
       COALESCE(n.outbound, 0)                           AS outbound,
       COALESCE(n.internal, 0)                           AS internal,
       COALESCE(n.channel_switches, 0)                   AS channel_switches,
       t.reopen_count,
       t.reopen_count > 0                                AS reopened,
       t.solved_at IS NOT NULL AND t.reopen_count = 0
           AND t.last_inbound_at IS NOT DISTINCT FROM t.first_inbound_at
                                                         AS first_contact_resolution,
       GREATEST(COALESCE(n.inbound, 0) - 1, 0)           AS repeat_contacts,
       COALESCE(n.inbound, 0) > 0 AND t.first_response_at IS NULL
                                                         AS unanswered
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  LEFT JOIN (
        SELECT v.thread_id,
               pg_catalog.count(*)                                          AS interactions,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'inbound')  AS inbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'outbound') AS outbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'internal') AS internal,
               pg_catalog.count(*) FILTER (WHERE v.direction <> 'internal'
                                             AND v.channel <> v.previous_channel) AS channel_switches
          FROM (SELECT i.thread_id, i.direction, i.channel,
                       -- the previous customer-visible interaction's channel
                       pg_catalog.lag(i.channel) OVER (PARTITION BY i.thread_id, i.direction = 'internal'
                                                       ORDER BY i.occurred_at, i.id) AS previous_channel
                  FROM omnichannel.interaction AS i) AS v
         GROUP BY v.thread_id) AS n ON n.thread_id = t.id
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.thread_id = t.id AND c.metric = 'first_response'
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1) AS fr ON true
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.thread_id = t.id AND c.metric = 'resolution'
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1) AS rs ON true
 WHERE t.merged_into IS NULL;
COMMENT ON VIEW omnichannel.thread_facts IS
    'One row per thread (threads merged into another left out): status, channels, response and resolution times in wall-clock and business seconds, SLA outcomes, volumes and effort indicators; standard SQL types only, for BI tools to pivot';
COMMENT ON COLUMN omnichannel.thread_facts.thread_id IS 'Thread id';
COMMENT ON COLUMN omnichannel.thread_facts.customer_id IS 'Customer id (an anonymous key: no name or contact point is exposed)';
COMMENT ON COLUMN omnichannel.thread_facts.status IS 'open, pending, on_hold, solved or closed';
COMMENT ON COLUMN omnichannel.thread_facts.priority IS 'low, normal, high or urgent';
COMMENT ON COLUMN omnichannel.thread_facts.queue IS 'Queue of the latest customer message that named one';
COMMENT ON COLUMN omnichannel.thread_facts.assignee IS 'Agent holding the thread (NULL: unassigned)';
COMMENT ON COLUMN omnichannel.thread_facts.sla_policy IS 'Name of the SLA policy its clocks run on (NULL: none)';
COMMENT ON COLUMN omnichannel.thread_facts.opened_at IS 'Time of its earliest interaction';
COMMENT ON COLUMN omnichannel.thread_facts.opened_day IS 'UTC date of opened_at';
COMMENT ON COLUMN omnichannel.thread_facts.first_channel IS 'Channel of its first interaction';
COMMENT ON COLUMN omnichannel.thread_facts.channel_count IS 'Number of distinct channels it used';
COMMENT ON COLUMN omnichannel.thread_facts.channels IS 'Channels it used, comma-separated, in order of first use';
COMMENT ON COLUMN omnichannel.thread_facts.first_inbound_at IS 'Its first customer message (NULL: the customer never wrote)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_at IS 'The first reply after the first customer message (NULL: none yet)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_seconds IS 'Wall-clock seconds from first_inbound_at to first_response_at';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_business_seconds IS 'Business seconds of its latest first-response SLA clock, once stopped (NULL without an SLA policy)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_sla IS 'Outcome of its latest first-response clock: achieved, breached (stopped late, or still running past its due time, as in sla_attainment), cancelled or running (NULL: no clock)';
COMMENT ON COLUMN omnichannel.thread_facts.resolved_at IS 'When it was last set to solved or closed (NULL while unresolved)';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_seconds IS 'Wall-clock seconds from the first customer message (or the opening) to resolved_at';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_business_seconds IS 'Business seconds of its latest resolution clock, once stopped (NULL without an SLA policy)';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_sla IS 'Outcome of its latest resolution clock: achieved, breached (stopped late, or still running past its due time), cancelled or running (NULL: no clock)';
COMMENT ON COLUMN omnichannel.thread_facts.interactions IS 'Interactions in the thread';
COMMENT ON COLUMN omnichannel.thread_facts.inbound IS 'Customer messages';
COMMENT ON COLUMN omnichannel.thread_facts.outbound IS 'Replies to the customer';
COMMENT ON COLUMN omnichannel.thread_facts.internal IS 'Internal notes and transfers';
COMMENT ON COLUMN omnichannel.thread_facts.channel_switches IS 'Times a customer-visible interaction came on another channel than the one before it';
COMMENT ON COLUMN omnichannel.thread_facts.reopen_count IS 'Times it went from solved or closed back to an active status';
COMMENT ON COLUMN omnichannel.thread_facts.reopened IS 'reopen_count > 0';
COMMENT ON COLUMN omnichannel.thread_facts.first_contact_resolution IS 'Resolved, never reopened, and the customer wrote at most once (their latest message is their first)';
COMMENT ON COLUMN omnichannel.thread_facts.repeat_contacts IS 'Customer messages after the first: times the customer had to come back about it';
COMMENT ON COLUMN omnichannel.thread_facts.unanswered IS 'The customer wrote and no reply came (yet)';

CREATE VIEW omnichannel.channel_kpis AS
SELECT u.day, u.channel,
       pg_catalog.sum(u.inbound)::bigint                 AS inbound,
       pg_catalog.sum(u.outbound)::bigint                AS outbound,
       pg_catalog.sum(u.internal)::bigint                AS internal,
       pg_catalog.sum(u.threads_opened)::bigint          AS threads_opened,
       pg_catalog.max(u.first_response_avg_seconds)      AS first_response_avg_seconds,
       pg_catalog.max(u.first_response_median_seconds)   AS first_response_median_seconds,
       pg_catalog.max(u.first_response_p90_seconds)      AS first_response_p90_seconds,
       pg_catalog.max(u.first_response_median_business_seconds) AS first_response_median_business_seconds,
       pg_catalog.sum(u.resolved)::bigint                AS resolved,
       pg_catalog.max(u.resolution_avg_seconds)          AS resolution_avg_seconds,
       pg_catalog.max(u.resolution_median_seconds)       AS resolution_median_seconds,
       pg_catalog.max(u.resolution_median_business_seconds) AS resolution_median_business_seconds,
       pg_catalog.sum(u.sla_clocks)::bigint              AS sla_clocks,
       pg_catalog.sum(u.sla_achieved)::bigint            AS sla_achieved,
       pg_catalog.sum(u.sla_achieved)::float8 / NULLIF(pg_catalog.sum(u.sla_clocks), 0)
                                                         AS sla_attainment_rate,
       pg_catalog.sum(u.reopened)::float8 / NULLIF(pg_catalog.sum(u.resolved), 0)
                                                         AS reopen_rate,
       pg_catalog.sum(u.first_contact_resolved)::float8 / NULLIF(pg_catalog.sum(u.resolved), 0)
                                                         AS first_contact_resolution_rate,
       pg_catalog.sum(u.switched_channel)::float8 / NULLIF(pg_catalog.sum(u.threads_opened), 0)
                                                         AS channel_switch_rate,
       pg_catalog.sum(u.repeat_contacted)::float8 / NULLIF(pg_catalog.sum(u.threads_opened), 0)
                                                         AS repeat_contact_rate,
       pg_catalog.sum(u.unanswered)::float8 / NULLIF(pg_catalog.sum(u.customer_wrote), 0)
                                                         AS unanswered_rate
  FROM (
    -- volume: the rollup ingest keeps
    SELECT d.day, d.channel::text AS channel, d.inbound, d.outbound, d.internal,
           0 AS threads_opened, NULL::float8 AS first_response_avg_seconds,
           NULL::float8 AS first_response_median_seconds, NULL::float8 AS first_response_p90_seconds,
           NULL::float8 AS first_response_median_business_seconds, 0 AS resolved,
           NULL::float8 AS resolution_avg_seconds, NULL::float8 AS resolution_median_seconds,
           NULL::float8 AS resolution_median_business_seconds, 0 AS sla_clocks, 0 AS sla_achieved,
           0 AS reopened, 0 AS first_contact_resolved, 0 AS switched_channel,
           0 AS repeat_contacted, 0 AS customer_wrote, 0 AS unanswered
      FROM omnichannel.channel_day AS d
    UNION ALL
    -- the cohort: threads opened that day whose first interaction was on the
    -- channel, from the threads' own columns
    SELECT (t.opened_at AT TIME ZONE 'UTC')::date, t.channels[1]::text, 0, 0, 0,
           pg_catalog.count(*),
           pg_catalog.avg(pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           pg_catalog.percentile_cont(0.5) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           pg_catalog.percentile_cont(0.9) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           NULL::float8,
           pg_catalog.count(t.solved_at),
           pg_catalog.avg(pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))),
           pg_catalog.percentile_cont(0.5) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))),
           NULL::float8, 0, 0,
           pg_catalog.count(*) FILTER (WHERE t.solved_at IS NOT NULL AND t.reopen_count > 0),
           pg_catalog.count(*) FILTER (WHERE t.solved_at IS NOT NULL AND t.reopen_count = 0
                                         AND t.last_inbound_at IS NOT DISTINCT FROM t.first_inbound_at),
           pg_catalog.count(*) FILTER (WHERE pg_catalog.cardinality(t.channels) > 1),
           pg_catalog.count(*) FILTER (WHERE t.last_inbound_at > t.first_inbound_at),
           pg_catalog.count(t.first_inbound_at),
           pg_catalog.count(*) FILTER (WHERE t.first_inbound_at IS NOT NULL AND t.first_response_at IS NULL)
      FROM omnichannel.thread AS t
     WHERE t.merged_into IS NULL
     GROUP BY 1, 2
    UNION ALL
    -- SLA: clocks started on the channel, decided that day (as in
    -- sla_attainment), and the business seconds of those stopped
    SELECT s.day, s.channel, 0, 0, 0, 0, NULL, NULL, NULL,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_seconds)
               FILTER (WHERE s.metric = 'first_response' AND s.stopped),
           0, NULL, NULL,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_seconds)
               FILTER (WHERE s.metric = 'resolution' AND s.stopped),
           pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE s.achieved),
           0, 0, 0, 0, 0, 0
      FROM (SELECT (CASE WHEN c.outcome = 'achieved' THEN c.stopped_at ELSE c.due_at END
                    AT TIME ZONE 'UTC')::date AS day,
                   c.channel::text AS channel, c.metric, c.business_seconds,
                   c.outcome = 'achieved' AS achieved, c.stopped_at IS NOT NULL AS stopped
              FROM omnichannel.sla_clock AS c
             WHERE c.outcome IN ('achieved', 'breached')
                OR (c.stopped_at IS NULL AND c.due_at <= pg_catalog.now())) AS s
     GROUP BY 1, 2) AS u
 GROUP BY u.day, u.channel;
COMMENT ON VIEW omnichannel.channel_kpis IS
    'Per UTC day and channel: interaction volume, the threads opened there (by their first channel) with their response, resolution and effort indicators, and SLA attainment; standard SQL types only (rates are fractions 0..1, NULL when there is nothing to divide by)';
COMMENT ON COLUMN omnichannel.channel_kpis.day IS 'UTC date';
COMMENT ON COLUMN omnichannel.channel_kpis.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.channel_kpis.inbound IS 'Customer messages that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.outbound IS 'Replies to customers that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.internal IS 'Internal notes and transfers that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.threads_opened IS 'Threads whose first interaction was that day on the channel (the cohort the following columns describe)';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_avg_seconds IS 'Cohort: average wall-clock seconds from first customer message to first reply (answered threads)';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_median_seconds IS 'Cohort: median wall-clock seconds to the first reply';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_p90_seconds IS 'Cohort: 90th percentile of wall-clock seconds to the first reply';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_median_business_seconds IS 'Median business seconds of the first-response SLA clocks started on the channel and stopped (achieved or breached) that day';
COMMENT ON COLUMN omnichannel.channel_kpis.resolved IS 'Cohort: threads now resolved (solved or closed from an active status)';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_avg_seconds IS 'Cohort: average wall-clock seconds from first customer message to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_seconds IS 'Cohort: median wall-clock seconds to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_business_seconds IS 'Median business seconds of the resolution SLA clocks started on the channel and stopped that day';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_clocks IS 'SLA clocks of any metric started on the channel whose outcome was decided that day (as in sla_attainment)';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_achieved IS 'Of sla_clocks, those achieved';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_attainment_rate IS 'sla_achieved / sla_clocks';
COMMENT ON COLUMN omnichannel.channel_kpis.reopen_rate IS 'Cohort: resolved threads ever reopened / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.first_contact_resolution_rate IS 'Cohort: resolved threads never reopened whose customer wrote at most once (latest message = first) / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.channel_switch_rate IS 'Cohort: threads that used more than one channel / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.repeat_contact_rate IS 'Cohort: threads whose customer wrote again after the first message (latest later than first) / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.unanswered_rate IS 'Cohort: threads with a customer message and no reply yet / threads with a customer message';

-- The reporting views, and who may read them -------------------------------------------

CREATE FUNCTION omnichannel.reporting_views()
RETURNS SETOF regclass
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT v::regclass FROM (VALUES ('omnichannel.channel_kpis'), ('omnichannel.thread_facts'),
                                    ('omnichannel.sla_attainment')) AS r(v)
$$;
COMMENT ON FUNCTION omnichannel.reporting_views() IS
    'The views a reporting login may read: channel_kpis, thread_facts, sla_attainment (no message bodies, subjects or contact points)';

CREATE FUNCTION omnichannel.grant_reporting(grantee regrole)
RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v regclass;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA omnichannel TO %s', grantee);
    FOR v IN SELECT * FROM omnichannel.reporting_views() LOOP
        EXECUTE format('GRANT SELECT ON %s TO %s', v, grantee);
        RETURN NEXT v;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.grant_reporting(regrole) IS
    'Grants a role USAGE on the schema and SELECT on the reporting views, and nothing else; returns the views granted. The caller must be allowed to grant them (the extension owner or a superuser)';

CREATE FUNCTION omnichannel.revoke_reporting(grantee regrole)
RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v regclass;
BEGIN
    FOR v IN SELECT * FROM omnichannel.reporting_views() LOOP
        EXECUTE format('REVOKE SELECT ON %s FROM %s', v, grantee);
        RETURN NEXT v;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.revoke_reporting(regrole) IS
    'Revokes SELECT on the reporting views from a role (USAGE on the schema stays: it may have been granted for other reasons); returns the views';
REVOKE EXECUTE ON FUNCTION omnichannel.grant_reporting(regrole), omnichannel.revoke_reporting(regrole)
    FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- Privacy: erasure of a customer's personal data (forget_customer) and
-- per-channel retention of interaction content (retention_setting,
-- apply_retention).  See docs/privacy.md.
--
-- Both keep the anonymous facts the KPIs count: interaction rows (channel,
-- direction, times, thread, customer id, queue, agent, stitch reason),
-- threads (status, priority, times, SLA columns), SLA clocks and events.
-- What goes is what can identify or describe the person: contact points,
-- names and attributes, subjects, bodies, external ids, business keys,
-- subject keys, hand-off context, and the copies of those in the look-up
-- and audit tables.
--
-- Audit tables (thread_event, sla_event, identity_event) are append-only by
-- trigger; their triggers (ext/60_thread_ops.sql, ext/80_identity.sql) let
-- exactly one more change through: the table's owner (forget_customer runs
-- as it, SECURITY DEFINER) may clear reason and replace details with
-- privacy_redact_jsonb(details) on the events of an erased customer
-- (customer.erased_at set).  Ordinary roles cannot: no setting to flip.
--
-- Concurrency: forget_customer takes thread_ops_lock() (SHARE ROW
-- EXCLUSIVE on interaction: it waits for in-flight ingest, holds new ingest
-- until it commits, and runs one at a time with merges, unmerges and thread
-- operations), then locks the customers and their threads FOR UPDATE in id
-- order, like merge_customers and restitch.  apply_retention takes only
-- ROW EXCLUSIVE (the lock ingest takes) and row locks with SKIP LOCKED, in
-- batches of at most max_rows interactions, so it runs beside ingest.
-- ---------------------------------------------------------------------------

-- Erased customers -----------------------------------------------------------------

ALTER TABLE omnichannel.customer
    ADD COLUMN erased_at timestamptz,
    ADD CONSTRAINT customer_erased_is_anonymous
        CHECK (erased_at IS NULL
               OR (display_name IS NULL AND language IS NULL
                   AND attributes OPERATOR(pg_catalog.=) '{}'::jsonb));
COMMENT ON COLUMN omnichannel.customer.erased_at IS
    'When forget_customer last erased the customer''s personal data (NULL: never); an erased customer is an anonymous shell: no name, language or attributes (CHECK customer_erased_is_anonymous) and no identifiers';
COMMENT ON CONSTRAINT customer_erased_is_anonymous ON omnichannel.customer IS
    'An erased customer keeps no name, language or attributes';

-- Redaction of JSON evidence -----------------------------------------------------------

CREATE FUNCTION omnichannel.privacy_redact_jsonb(value jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- keys whose string values are vocabulary of the extension (stitching
    -- rules, actions, statuses, thread tokens, key names, role names),
    -- never a customer's data
    keep CONSTANT text[] := ARRAY['via', 'follow_up_via', 'previous_reason', 'absorbed_status',
                                  'action', 'by', 'token', 'key'];
BEGIN
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        RETURN (SELECT coalesce(jsonb_object_agg(e.key,
                                    CASE WHEN e.key = ANY (keep) AND jsonb_typeof(e.value) = 'string'
                                         THEN e.value
                                         ELSE omnichannel.privacy_redact_jsonb(e.value) END),
                                '{}'::jsonb)
                  FROM jsonb_each(value) AS e);
    WHEN 'array' THEN
        RETURN (SELECT coalesce(jsonb_agg(omnichannel.privacy_redact_jsonb(e.value) ORDER BY e.n),
                                '[]'::jsonb)
                  FROM jsonb_array_elements(value) WITH ORDINALITY AS e(value, n));
    WHEN 'string' THEN
        RETURN 'null'::jsonb;
    ELSE
        RETURN value;       -- numbers (ids, counts, seconds), booleans, null
    END CASE;
END
$$;
COMMENT ON FUNCTION omnichannel.privacy_redact_jsonb(jsonb) IS
    'Redacts JSON evidence (stitch_evidence, audit details): keeps its shape, object keys, numbers, booleans and the strings of the keys via, follow_up_via, previous_reason, absorbed_status, action, by, token and key; every other string becomes null';

-- The erasure log -------------------------------------------------------------------

CREATE TABLE omnichannel.erasure_event (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id      bigint NOT NULL,
    merged_customers bigint[] NOT NULL DEFAULT '{}',
    reason           text NOT NULL,
    requested_by     text NOT NULL,
    erased_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    counts           jsonb NOT NULL
                     CHECK (pg_catalog.jsonb_typeof(counts) = 'object')
    -- no foreign key to customer: the log outlives what it describes
);
CREATE INDEX erasure_event_customer_idx ON omnichannel.erasure_event (customer_id, id);
COMMENT ON TABLE omnichannel.erasure_event IS
    'Append-only log of forget_customer calls: who erased which customer ids when, why, and how many values; no personal data (but reason is stored as given)';
COMMENT ON COLUMN omnichannel.erasure_event.id IS 'Event key, in order of recording';
COMMENT ON COLUMN omnichannel.erasure_event.customer_id IS 'The customer passed to forget_customer';
COMMENT ON COLUMN omnichannel.erasure_event.merged_customers IS 'Customers merged into it, erased with it';
COMMENT ON COLUMN omnichannel.erasure_event.reason IS
    'The reason given (a request or ticket reference), stored as given: it must not contain personal data';
COMMENT ON COLUMN omnichannel.erasure_event.requested_by IS 'The role that called forget_customer (SET ROLE role, else the session user)';
COMMENT ON COLUMN omnichannel.erasure_event.erased_at IS 'When it ran (transaction start time)';
COMMENT ON COLUMN omnichannel.erasure_event.counts IS 'What was erased, per table and column (the "tables" member of the report)';

CREATE FUNCTION omnichannel.erasure_event_append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'erasure events are append-only'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s of event %s of omnichannel.erasure_event was refused.', TG_OP, OLD.id),
              HINT = 'The erasure log records what was erased; it is never changed.';
END
$$;
COMMENT ON FUNCTION omnichannel.erasure_event_append_only() IS
    'Trigger: refuses UPDATE and DELETE on erasure_event';
CREATE TRIGGER erasure_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.erasure_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.erasure_event_append_only();
COMMENT ON TRIGGER erasure_event_append_only ON omnichannel.erasure_event IS
    'Keeps the erasure log append-only';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.erasure_event', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.erasure_event', 'id'), '');

-- Erasure ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.forget_customer(customer bigint, reason text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer  bigint := forget_customer.customer;
    v_reason    text := forget_customer.reason;
    v_row       record;
    v_ids       bigint[];       -- the customer and every customer merged into it
    v_contacts  omnichannel.contact_point[];
    v_inter     bigint[];
    v_caller    text;
    v_event     bigint;
    v_counts    jsonb := '{}';
    v_c         jsonb;
    n           bigint;
BEGIN
    IF v_customer IS NULL THEN
        RAISE EXCEPTION 'customer must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_reason IS NULL THEN
        RAISE EXCEPTION 'reason must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give the erasure request''s reference, e.g. a ticket number, without personal data.';
    END IF;
    IF btrim(v_reason) = '' THEN
        RAISE EXCEPTION 'reason must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the erasure request''s reference, e.g. a ticket number, without personal data.';
    END IF;
    -- the caller: SECURITY DEFINER changes current_user, not the role setting
    v_caller := CASE WHEN current_setting('role') = 'none' THEN session_user::text
                     ELSE current_setting('role') END;

    PERFORM omnichannel.thread_ops_lock();

    SELECT c.id, c.merged_into INTO v_row
      FROM omnichannel.customer AS c WHERE c.id = v_customer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', v_customer
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged into customer %', v_customer, v_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Its identifiers, threads and interactions belong to customer %s now.',
                                             v_row.merged_into),
                  HINT = pg_catalog.format('Erase customer %s, the surviving customer; that erases customer %s with it.',
                                           v_row.merged_into, v_customer);
    END IF;

    -- the customer and those merged into it (never a chain), locked in id
    -- order; merges take thread_ops_lock too, so the set cannot change
    SELECT array_agg(c.id ORDER BY c.id) INTO v_ids
      FROM (SELECT c.id FROM omnichannel.customer AS c
             WHERE c.id = v_customer OR c.merged_into = v_customer
             ORDER BY c.id FOR UPDATE) AS c;
    PERFORM FROM omnichannel.thread AS t WHERE t.customer_id = ANY (v_ids) ORDER BY t.id FOR UPDATE;

    -- customer: an anonymous shell
    SELECT jsonb_build_object(
               'rows', count(*),
               'display_name', count(*) FILTER (WHERE c.display_name IS NOT NULL),
               'language', count(*) FILTER (WHERE c.language IS NOT NULL),
               'attributes', count(*) FILTER (WHERE c.attributes <> '{}'::jsonb))
      INTO v_c
      FROM omnichannel.customer AS c
     WHERE c.id = ANY (v_ids)
       AND (c.display_name IS NOT NULL OR c.language IS NOT NULL OR c.attributes <> '{}'::jsonb);
    v_counts := v_counts || jsonb_build_object('customer', v_c);
    UPDATE omnichannel.customer AS c
       SET display_name = NULL, language = NULL, attributes = '{}'::jsonb, erased_at = now()
     WHERE c.id = ANY (v_ids);

    -- identifiers: gone, so the next contact from them is a new customer
    SELECT coalesce(array_agg(i.contact), '{}') INTO v_contacts
      FROM omnichannel.customer_identifier AS i WHERE i.customer_id = ANY (v_ids);
    DELETE FROM omnichannel.customer_identifier AS i WHERE i.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('customer_identifier', jsonb_build_object('deleted', n));

    -- interactions: the rows stay, their content goes
    SELECT coalesce(array_agg(i.id), '{}') INTO v_inter
      FROM omnichannel.interaction AS i WHERE i.customer_id = ANY (v_ids);
    SELECT jsonb_build_object(
               'rows', count(*),
               'contact', count(*) FILTER (WHERE i.contact IS NOT NULL),
               'subject', count(*) FILTER (WHERE i.subject IS NOT NULL),
               'body', count(*) FILTER (WHERE i.body IS NOT NULL),
               'external_id', count(*) FILTER (WHERE i.external_id IS NOT NULL),
               'in_reply_to', count(*) FILTER (WHERE i.in_reply_to IS NOT NULL),
               'refs', count(*) FILTER (WHERE i.refs IS NOT NULL),
               'attributes', count(*) FILTER (WHERE i.attributes <> '{}'::jsonb),
               'business_keys', count(*) FILTER (WHERE i.business_keys IS NOT NULL),
               'subject_key', count(*) FILTER (WHERE i.subject_key IS NOT NULL),
               'stitch_evidence', count(*) FILTER (
                   WHERE i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence)))
      INTO v_c
      FROM omnichannel.interaction AS i
     WHERE i.id = ANY (v_inter)
       AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
            OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
            OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
            OR i.attributes <> '{}'::jsonb
            OR i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence));
    v_counts := v_counts || jsonb_build_object('interaction', v_c);
    UPDATE omnichannel.interaction AS i
       SET contact = NULL, subject = NULL, body = NULL, external_id = NULL,
           in_reply_to = NULL, refs = NULL, attributes = '{}'::jsonb, business_keys = NULL,
           subject_key = NULL, stitch_evidence = omnichannel.privacy_redact_jsonb(i.stitch_evidence)
     WHERE i.id = ANY (v_inter)
       AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
            OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
            OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
            OR i.attributes <> '{}'::jsonb
            OR i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence));

    -- threads: no subject, no hand-off context
    SELECT jsonb_build_object(
               'rows', count(*),
               'subject', count(*) FILTER (WHERE t.subject IS NOT NULL),
               'context', count(*) FILTER (WHERE t.context <> '{}'::jsonb))
      INTO v_c
      FROM omnichannel.thread AS t
     WHERE t.customer_id = ANY (v_ids) AND (t.subject IS NOT NULL OR t.context <> '{}'::jsonb);
    v_counts := v_counts || jsonb_build_object('thread', v_c);
    UPDATE omnichannel.thread AS t
       SET subject = NULL, context = '{}'::jsonb
     WHERE t.customer_id = ANY (v_ids) AND (t.subject IS NOT NULL OR t.context <> '{}'::jsonb);

    -- look-up rows derived from the content
    DELETE FROM omnichannel.thread_key AS k WHERE k.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_key', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.thread_subject AS k WHERE k.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_subject', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.pending_reference AS p
     WHERE p.customer_id = ANY (v_ids) OR p.interaction_id = ANY (v_inter);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('pending_reference', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.identity_link_request AS q
     WHERE q.customer_id = ANY (v_ids) OR q.other_customer_id = ANY (v_ids)
        OR q.contact OPERATOR(omnichannel.=) ANY (v_contacts);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_link_request', jsonb_build_object('deleted', n));

    -- free-text reasons on the customer's operational rows
    UPDATE omnichannel.thread_assignment AS a SET reason = NULL
     WHERE a.customer_id = ANY (v_ids) AND a.reason IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_assignment', jsonb_build_object('reason', n));
    UPDATE omnichannel.identity_no_link AS l SET reason = NULL
     WHERE (l.customer_a = ANY (v_ids) OR l.customer_b = ANY (v_ids)) AND l.reason IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_no_link', jsonb_build_object('reason', n));

    -- audit rows: redacted in place (their triggers allow exactly this to
    -- the owner, for an erased customer); the events themselves stay
    UPDATE omnichannel.thread_event AS e
       SET reason = NULL, details = omnichannel.privacy_redact_jsonb(e.details)
     WHERE e.customer_id = ANY (v_ids)
       AND (e.reason IS NOT NULL OR e.details IS DISTINCT FROM omnichannel.privacy_redact_jsonb(e.details));
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_event', jsonb_build_object('redacted', n));
    -- sla_event.details holds statuses, policy and interaction ids only:
    -- nothing personal, left as it is
    UPDATE omnichannel.identity_event AS e
       SET reason = NULL, details = omnichannel.privacy_redact_jsonb(e.details)
     WHERE (e.customer_id = ANY (v_ids) OR e.other_customer_id = ANY (v_ids))
       AND (e.reason IS NOT NULL OR e.details IS DISTINCT FROM omnichannel.privacy_redact_jsonb(e.details));
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_event', jsonb_build_object('redacted', n));

    INSERT INTO omnichannel.erasure_event (customer_id, merged_customers, reason, requested_by, counts)
    VALUES (v_customer, array_remove(v_ids, v_customer), v_reason, v_caller, v_counts)
    RETURNING id INTO v_event;

    RETURN jsonb_build_object('customer', v_customer,
                              'merged_customers', to_jsonb(array_remove(v_ids, v_customer)),
                              'erasure_event', v_event,
                              'tables', v_counts);
END
$$;
COMMENT ON FUNCTION omnichannel.forget_customer(bigint, text) IS
    'Erases a customer''s personal data (and that of the customers merged into it) on every channel: identifiers and merge requests deleted; name, language, attributes, interaction content, external ids, thread subjects and context cleared; look-up rows deleted; audit reasons cleared and details redacted; interaction, thread and SLA rows stay for the KPIs; logs an erasure_event and returns what it erased; refuses a customer merged into another';

-- Retention --------------------------------------------------------------------------

CREATE TABLE omnichannel.retention_setting (
    channel     omnichannel.channel PRIMARY KEY,
    keep        interval NOT NULL
                CONSTRAINT retention_setting_keep_check CHECK (keep OPERATOR(pg_catalog.>) interval '0'),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by  text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE omnichannel.retention_setting IS
    'How long the personal content of interactions is kept, per channel; apply_retention() redacts older interactions; channels without a row are kept for ever';
COMMENT ON COLUMN omnichannel.retention_setting.channel IS 'The channel of the interactions';
COMMENT ON COLUMN omnichannel.retention_setting.keep IS
    'How long after occurred_at an interaction keeps its content (positive, e.g. interval ''2 years'')';
COMMENT ON COLUMN omnichannel.retention_setting.updated_at IS 'When the setting was written';
COMMENT ON COLUMN omnichannel.retention_setting.updated_by IS 'Who wrote it';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.retention_setting', '');

-- The interactions that still hold personal content, oldest first per channel:
-- what apply_retention walks.  A redacted row leaves the index, so each batch
-- starts at the first row left to do.  The predicate is the one of
-- apply_retention's queries, written the same way (the planner proves it).
CREATE INDEX interaction_retention_idx
    ON omnichannel.interaction (channel, occurred_at, id)
    WHERE (contact IS NOT NULL OR subject IS NOT NULL OR body IS NOT NULL
           OR external_id IS NOT NULL OR in_reply_to IS NOT NULL OR refs IS NOT NULL
           OR business_keys IS NOT NULL OR subject_key IS NOT NULL
           OR attributes OPERATOR(pg_catalog.<>) '{}'::jsonb);
COMMENT ON INDEX omnichannel.interaction_retention_idx IS
    'Interactions that still hold personal content, by channel and age: the work list of apply_retention()';

CREATE FUNCTION omnichannel.apply_retention(max_rows integer DEFAULT 10000)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cand     bigint[];
    v_threads  bigint[];
    v_locked   bigint[];
    v_done     bigint[];
    v_touched  bigint[];
    v_by_chan  jsonb;
    v_keys     bigint;
    v_subjects bigint;
    v_pending  bigint;
    v_tsubject bigint;
    v_tcontext bigint;
    v_more     boolean;
BEGIN
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'apply_retention requires the READ COMMITTED isolation level'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('The current transaction is %s; rows locked by concurrent sessions would make it fail.',
                                             upper(current_setting('transaction_isolation'))),
                  HINT = 'Run it in a READ COMMITTED transaction.';
    END IF;
    -- the lock ingest takes, taken before any row lock: an operator function
    -- (SHARE ROW EXCLUSIVE) waits for this batch instead of deadlocking with it
    LOCK TABLE omnichannel.interaction IN ROW EXCLUSIVE MODE;

    -- the oldest interactions past their channel's period that still hold
    -- personal content, at most max_rows over all channels
    SELECT coalesce(array_agg(c.id ORDER BY c.occurred_at, c.id), '{}'),
           coalesce(array_agg(DISTINCT c.thread_id), '{}')
      INTO v_cand, v_threads
      FROM (SELECT x.id, x.thread_id, x.occurred_at
              FROM omnichannel.retention_setting AS s
             CROSS JOIN LATERAL (
                   SELECT i.id, i.thread_id, i.occurred_at
                     FROM omnichannel.interaction AS i
                    WHERE i.channel = s.channel
                      AND i.occurred_at < now() - s.keep
                      AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                           OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                           OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                           OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
                    ORDER BY i.occurred_at, i.id
                    LIMIT max_rows) AS x
             ORDER BY x.occurred_at, x.id
             LIMIT max_rows) AS c;

    -- their threads, then the rows, each skipping what another session holds
    -- (ingest, a claim, an operator): never waits on a row, so never
    -- deadlocks; what is skipped is left for the next run
    SELECT coalesce(array_agg(t.id), '{}') INTO v_locked
      FROM (SELECT t.id FROM omnichannel.thread AS t
             WHERE t.id = ANY (v_threads)
             ORDER BY t.id FOR NO KEY UPDATE SKIP LOCKED) AS t;

    WITH target AS (
        SELECT i.id
          FROM omnichannel.interaction AS i
         WHERE i.id = ANY (v_cand) AND i.thread_id = ANY (v_locked)
           AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
           FOR UPDATE SKIP LOCKED
    ), redacted AS (
        UPDATE omnichannel.interaction AS i
           SET contact = NULL, subject = NULL, body = NULL, external_id = NULL,
               in_reply_to = NULL, refs = NULL, attributes = '{}'::jsonb, business_keys = NULL,
               subject_key = NULL, stitch_evidence = omnichannel.privacy_redact_jsonb(i.stitch_evidence)
          FROM target
         WHERE i.id = target.id
        RETURNING i.id, i.channel, i.thread_id
    )
    SELECT coalesce(array_agg(r.id), '{}'), coalesce(array_agg(DISTINCT r.thread_id), '{}'),
           coalesce((SELECT jsonb_object_agg(b.channel::text, b.n ORDER BY b.channel)
                       FROM (SELECT r2.channel, count(*) AS n FROM redacted AS r2
                              GROUP BY r2.channel) AS b), '{}')
      INTO v_done, v_touched, v_by_chan
      FROM redacted AS r;

    -- look-up rows no remaining interaction of their thread carries
    DELETE FROM omnichannel.thread_key AS k
     WHERE k.thread_id = ANY (v_touched)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.thread_id = k.thread_id
                          AND i.business_keys ->> k.name = k.value);
    GET DIAGNOSTICS v_keys = ROW_COUNT;
    DELETE FROM omnichannel.thread_subject AS k
     WHERE k.thread_id = ANY (v_touched)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.thread_id = k.thread_id AND i.subject_key = k.subject_key);
    GET DIAGNOSTICS v_subjects = ROW_COUNT;
    DELETE FROM omnichannel.pending_reference AS p WHERE p.interaction_id = ANY (v_done);
    GET DIAGNOSTICS v_pending = ROW_COUNT;

    -- a thread's subject is its first remaining interaction subject; its
    -- hand-off context goes with the last interaction holding content
    WITH s AS (
        SELECT t.id,
               (SELECT i.subject FROM omnichannel.interaction AS i
                 WHERE i.thread_id = t.id AND i.subject IS NOT NULL
                 ORDER BY i.occurred_at, i.id LIMIT 1) AS subject
          FROM omnichannel.thread AS t
         WHERE t.id = ANY (v_touched) AND t.subject IS NOT NULL
    )
    UPDATE omnichannel.thread AS t SET subject = s.subject
      FROM s
     WHERE t.id = s.id AND t.subject IS DISTINCT FROM s.subject;
    GET DIAGNOSTICS v_tsubject = ROW_COUNT;
    UPDATE omnichannel.thread AS t SET context = '{}'::jsonb
     WHERE t.id = ANY (v_touched) AND t.context <> '{}'::jsonb
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.thread_id = t.id
                          AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                               OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL
                               OR i.refs IS NOT NULL OR i.business_keys IS NOT NULL
                               OR i.subject_key IS NOT NULL
                               OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb));
    GET DIAGNOSTICS v_tcontext = ROW_COUNT;

    SELECT EXISTS (
        SELECT FROM omnichannel.retention_setting AS s
         WHERE EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.channel = s.channel
                          AND i.occurred_at < now() - s.keep
                          AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                               OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                               OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                               OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)))
      INTO v_more;

    RETURN jsonb_build_object('interactions', cardinality(v_done),
                              'by_channel', v_by_chan,
                              'skipped_locked', cardinality(v_cand) - cardinality(v_done),
                              'thread_subject_cleared', v_tsubject,
                              'thread_context_cleared', v_tcontext,
                              'thread_key', v_keys,
                              'thread_subject', v_subjects,
                              'pending_reference', v_pending,
                              'more', v_more);
END
$$;
COMMENT ON FUNCTION omnichannel.apply_retention(integer) IS
    'Redacts the personal content (contact, subject, body, external ids, attributes, keys, evidence) of at most max_rows interactions older than their channel''s retention_setting, oldest first, keeping the anonymous rows; drops the look-up rows and thread subjects and context nothing carries any more; skips rows other sessions hold; returns counts and whether more remain';

-- Who may erase: EXECUTE is granted to roles (docs/privacy.md "Grants").
REVOKE EXECUTE ON FUNCTION omnichannel.forget_customer(bigint, text),
    omnichannel.apply_retention(integer)
    FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- Data safety: DROP EXTENSION omnichannel (or DROP SCHEMA omnichannel
-- CASCADE, or DROP OWNED BY the role owning its tables) would destroy the
-- customer history with it.  This event trigger
-- refuses such a drop while customers or interactions exist, unless the DBA
-- says so explicitly:  SET omnichannel.allow_drop_with_history = on.
-- See docs/install.md "Removing the extension".
-- ---------------------------------------------------------------------------

CREATE FUNCTION omnichannel.guard_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'oc_guard_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.guard_drop() IS
    'Event trigger: refuses to drop the extension or its schema while customer history exists';

CREATE EVENT TRIGGER omnichannel_guard_drop
    ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION omnichannel.guard_drop();
COMMENT ON EVENT TRIGGER omnichannel_guard_drop IS
    'Refuses DROP EXTENSION omnichannel, DROP SCHEMA omnichannel and DROP OWNED BY its owner while history exists (omnichannel.allow_drop_with_history overrides)';
