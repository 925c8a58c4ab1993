# pg_dump + restore into a new database round-trips the customer history:
# every row of every table, the sequences, and a working ingest afterwards.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION omnichannel;
-- SLA clocks run on every thread below (restored, they must not start again)
INSERT INTO omnichannel.business_calendar (name, hours)
VALUES ('office', '{"time_zone": "Europe/Bucharest", "hours": {"mon": [["09:00","17:00"]], "fri": [["09:00","17:00"]]}}');
INSERT INTO omnichannel.sla_policy (name, position, calendar, first_response, next_response, resolution)
VALUES ('all', 1, 'office', '4 hours', '8 hours', '40 hours');
INSERT INTO omnichannel.agent (id, status, queues) VALUES ('agent.ana', 'available', '{}');
INSERT INTO omnichannel.customer (display_name, language, attributes)
VALUES ('Jan Kowalski', 'pl', '{"tier": "gold"}');
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
VALUES ('jan.kowalski@example.pl', 1, 'import'), ('tel:+48601234567', 1, 'import');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, body, external_id, attributes)
VALUES ('phone', 'inbound', '2026-11-13 09:00+00', '+48601234567', 'Zamówienie A-1234', 'IVR → agent',
        'call-1', '{"ivr": {"menu": ["orders"]}, "order": "A-1234"}');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, body, external_id, in_reply_to)
VALUES ('chat', 'inbound', '2026-11-20 10:00+00', 'Jan.Kowalski@example.pl', 'Gdzie jest paczka?', 'chat-1', 'call-1');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, refs)
SELECT 'email', 'inbound', timestamptz '2026-01-01' + g * interval '1 hour',
       'client' || (g % 37) || '@example.ro', 'Factura ' || g, '<m' || g || '@example.ro>',
       CASE WHEN g > 37 THEN ARRAY['<m' || (g - 37) || '@example.ro>'] END
  FROM generate_series(1, 500) g;
-- an operator merge: a closed thread pointing at its survivor, an audit row
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-21 08:00+00', 'jan.kowalski@example.pl', 'Faktura', 'mail-9');
SELECT omnichannel.merge_threads(1, (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'mail-9'),
                                 'same order');
-- a customer merged into one with a higher id, whose row is written later
-- (updated after the merge): the dump's COPY of customer holds a row that
-- refers to a row after it, like the merged thread above (thread 1 is
-- updated below)
INSERT INTO omnichannel.customer (display_name) VALUES ('Ion Popescu'), ('Ion Popescu');
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT 'email:ion.popescu@example.ro', max(id) - 1, 'import' FROM omnichannel.customer
UNION ALL
SELECT 'tel:+40721999000', max(id), 'import' FROM omnichannel.customer;
SELECT omnichannel.merge_customers(keep => (SELECT max(id) FROM omnichannel.customer),
                                   absorb => (SELECT max(id) - 1 FROM omnichannel.customer),
                                   reason => 'one person');
UPDATE omnichannel.customer SET language = 'ro' WHERE id = (SELECT max(id) FROM omnichannel.customer);
INSERT INTO omnichannel.stitch_setting_override (channel, recency_window) VALUES ('chat', '2 hours');
UPDATE omnichannel.thread SET status = 'pending', priority = 'high', assignee = 'agent.ana'
 WHERE id = 1;
SELECT count(*) FROM omnichannel.claim_next('agent.ana');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
SELECT 'email', 'outbound', timestamptz '2026-01-01 00:30' + g * interval '3 hours',
       'client' || (g % 37) || '@example.ro', '<r' || g || '@example.ro>', '<m' || g || '@example.ro>'
  FROM generate_series(1, 500, 3) g;
UPDATE omnichannel.thread SET status = 'solved' WHERE id % 5 = 0 AND id > 3;
});

# One query that fingerprints all the data.
my $fingerprint = q{
SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) FROM (
  SELECT 'customer' t, count(*) n, md5(string_agg(c::text, '|' ORDER BY id)) h FROM omnichannel.customer c
  UNION ALL SELECT 'identifier', count(*), md5(string_agg(ci::text, '|' ORDER BY contact)) FROM omnichannel.customer_identifier ci
  UNION ALL SELECT 'thread', count(*), md5(string_agg(th::text, '|' ORDER BY id)) FROM omnichannel.thread th
  UNION ALL SELECT 'interaction', count(*), md5(string_agg(i::text, '|' ORDER BY id)) FROM omnichannel.interaction i
  UNION ALL SELECT 'thread_event', count(*), md5(string_agg(e::text, '|' ORDER BY id)) FROM omnichannel.thread_event e
  UNION ALL SELECT 'stitch_setting_override', count(*), md5(string_agg(s::text, '|' ORDER BY channel)) FROM omnichannel.stitch_setting_override s
  UNION ALL SELECT 'sla_policy', count(*), md5(string_agg(p::text, '|' ORDER BY id)) FROM omnichannel.sla_policy p
  UNION ALL SELECT 'business_calendar', count(*), md5(string_agg(b::text, '|' ORDER BY name)) FROM omnichannel.business_calendar b
  UNION ALL SELECT 'sla_clock', count(*), md5(string_agg(c::text, '|' ORDER BY id)) FROM omnichannel.sla_clock c
  UNION ALL SELECT 'sla_event', count(*), md5(string_agg(e::text, '|' ORDER BY id)) FROM omnichannel.sla_event e
  UNION ALL SELECT 'agent', count(*), md5(string_agg(a::text, '|' ORDER BY id)) FROM omnichannel.agent a
  UNION ALL SELECT 'thread_assignment', count(*), md5(string_agg(a::text, '|' ORDER BY id)) FROM omnichannel.thread_assignment a
  -- derived look-ups, rebuilt on restore: equal up to merges (a merged
  -- thread stands for its survivor)
  UNION ALL SELECT 'thread_subject', count(DISTINCT x), md5(string_agg(DISTINCT x, '|' ORDER BY x)) FROM (
    SELECT k.customer_id || '/' || k.subject_key || '/' || coalesce(t.merged_into, k.thread_id) AS x
      FROM omnichannel.thread_subject k JOIN omnichannel.thread t ON t.id = k.thread_id) ks
) s};
my $before = $node->safe_psql('src', $fingerprint);
like($before, qr/interaction:670:/, 'source database holds 670 interactions');
like($before, qr/thread_event:1:/, 'and one audit event');
like($before, qr/sla_clock:[1-9][0-9]+:/, 'SLA clocks ran');
like($before, qr/thread_assignment:1:/, 'and one thread was claimed');

my $dump = $node->basedir . '/src.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ],
	'pg_dump -Fc');

# pg_dump warns about circular foreign keys on customer and thread: each is a
# self-reference (merged_into), harmless because a table's rows are restored
# by one COPY and a foreign key is checked at the end of the statement
# (docs/install.md).  Nothing else is warned about.
my (undef, $dump_stderr) = run_command(
	[ 'pg_dump', '-Fc', '-f', "$dump.2", '-d', $node->connstr('src') ]);
my @circular = $dump_stderr =~ /circular foreign-key constraints on this table:\s*\npg_dump: detail: (\S+)/g;
is(join(',', sort @circular), 'customer,thread',
	'pg_dump warns of circular foreign keys on customer and thread only');
is(scalar(() = $dump_stderr =~ /warning:/g), 2, 'and of nothing else');
like($node->safe_psql('src', q{
SELECT string_agg(conrelid::regclass || ':' || confrelid::regclass, ',' ORDER BY conrelid::regclass::text)
  FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('omnichannel.customer'::regclass, 'omnichannel.thread'::regclass)
   AND conrelid = confrelid}), qr/^omnichannel\.customer:omnichannel\.customer,omnichannel\.thread:omnichannel\.thread$/,
	'the cycles are the two self-references');
like($node->safe_psql('src', q{
SELECT count(*) FROM omnichannel.customer c JOIN omnichannel.customer s ON s.id = c.merged_into
 WHERE c.ctid < s.ctid}), qr/^[1-9]/, 'a merged customer row lies before its survivor in the table');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore into a new database');

is($node->safe_psql('dst', $fingerprint), $before,
	'every row of every table is restored unchanged');

# The sequences continue past the restored ids, and ingest still stitches.
my $next = $node->safe_psql('dst', q{
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-11-20 11:00+00', 'jan.kowalski@example.pl', 'reply-1', 'chat-1')
RETURNING id > 503, customer_id, thread_id, stitch_reason});
is($next, 't|1|1|reference', 'after restore a reply gets a fresh id and joins the restored thread');
is($node->safe_psql('dst', q{
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', 'tel:+40721000000')
RETURNING customer_id > 38, thread_id > (SELECT max(id) - 1 FROM omnichannel.thread)}),
	't|t', 'new customers and threads get fresh ids after restore');

# Plain-format dump (what people pipe to psql) restores too.
my ($stdout, $stderr);
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
my $plain = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-f', $plain, '-d', $node->connstr('src') ], 'pg_dump plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $plain, '-d', $node->connstr('dst_plain') ],
	'plain dump restores with psql');
is($node->safe_psql('dst_plain', $fingerprint), $before, 'plain restore is identical');

# Documented in docs/install.md: a schema-only dump of this server version
# does not carry the history (only CREATE EXTENSION), a data-only dump does.
$node->command_ok([ 'pg_dump', '--schema-only', '-f', "$plain.schema", '-d', $node->connstr('src') ],
	'pg_dump --schema-only');
unlike(slurp_file("$plain.schema"), qr/COPY omnichannel\.interaction/,
	'a schema-only dump holds no history');
$node->command_ok([ 'pg_dump', '--data-only', '-f', "$plain.data", '-d', $node->connstr('src') ],
	'pg_dump --data-only');
like(slurp_file("$plain.data"), qr/COPY omnichannel\.interaction/,
	'a data-only dump holds the history');

$node->stop;
done_testing();
