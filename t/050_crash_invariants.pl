# A backend killed in the middle of a COPY, and in the middle of the writes
# at a statement's end, takes nothing but its own transaction with it: after
# crash recovery the extension's own invariants hold (thread spans, rollups
# equal to the history, due times equal to the running clocks, queue facts
# equal to the interactions) and ingest goes on.
#
# Where the backend is killed is made exact with an advisory lock: a trigger
# of the test on a table ingest writes waits for a lock another session
# holds, and the test kills the backend while it waits.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash_invariants');
$node->init;
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION omnichannel;
SET TimeZone = 'UTC';
INSERT INTO omnichannel.sla_policy (name, position, first_response, next_response, resolution)
VALUES ('all', 1, '4 hours', '8 hours', '40 hours');
-- committed history the crashes must not disturb
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
SELECT (CASE WHEN g % 3 = 0 THEN 'chat' ELSE 'email' END)::omnichannel.channel,
       (CASE WHEN g % 4 = 0 THEN 'outbound' ELSE 'inbound' END)::omnichannel.direction,
       timestamptz '2026-11-01' + g * interval '7 minutes',
       'c' || (g % 40) || '@example.com', 'Order A-' || (g % 40), 'h' || g,
       CASE WHEN g > 40 THEN 'h' || (g - 40) END
  FROM generate_series(1, 3000) g;

-- the wait points
CREATE FUNCTION public.crash_wait() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_lock(7);
    RETURN NEW;
END $$;
-- in the middle of a COPY: the BEFORE trigger of a row makes a customer
CREATE TRIGGER crash_mid_copy BEFORE INSERT ON omnichannel.customer
    FOR EACH ROW WHEN (NEW.id % 1000 = 500) EXECUTE FUNCTION public.crash_wait();
-- in the middle of the statement's end: the thread UPDATE has begun
CREATE TRIGGER crash_mid_write BEFORE UPDATE ON omnichannel.thread
    FOR EACH ROW WHEN (current_setting('crash.mid_write', true) = 'on')
    EXECUTE FUNCTION public.crash_wait();
});

# The invariants: every query counts what is wrong.
my $invariants = q{
SELECT 'spans ' || (SELECT count(*) FROM omnichannel.thread AS t
                      JOIN (SELECT thread_id, min(occurred_at) AS a, max(occurred_at) AS b
                              FROM omnichannel.interaction GROUP BY thread_id) AS i
                        ON i.thread_id = t.id
                     WHERE (t.opened_at, t.last_activity_at) IS DISTINCT FROM (i.a, i.b))
    || ' channel_day ' || (SELECT count(*) FROM (
             SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, channel,
                    count(*) FILTER (WHERE direction = 'inbound') AS i,
                    count(*) FILTER (WHERE direction = 'outbound') AS o,
                    count(*) FILTER (WHERE direction = 'internal') AS n
               FROM omnichannel.interaction GROUP BY 1, 2) AS h
             FULL JOIN omnichannel.channel_day AS d USING (day, channel)
            WHERE (h.i, h.o, h.n) IS DISTINCT FROM (d.inbound, d.outbound, d.internal))
    || ' customer_channel ' || (SELECT count(*) FROM (
             SELECT customer_id, channel, count(*) AS n, min(occurred_at) AS a, max(occurred_at) AS b
               FROM omnichannel.interaction GROUP BY 1, 2) AS h
             FULL JOIN omnichannel.customer_channel AS c USING (customer_id, channel)
            WHERE (h.n, h.a, h.b) IS DISTINCT FROM (c.inbound + c.outbound + c.internal, c.first_at, c.last_at))
    || ' dues ' || (SELECT count(*) FROM omnichannel.thread AS t
                     LEFT JOIN LATERAL omnichannel.sla_dues(t.customer_id, t.id) AS d ON true
                    WHERE t.sla_due_at IS DISTINCT FROM d.sla_due_at)
    || ' facts ' || (SELECT count(*) FROM omnichannel.thread AS t
                     LEFT JOIN omnichannel.thread_queue_facts(ARRAY(SELECT customer_id FROM omnichannel.thread),
                                                                    ARRAY(SELECT id FROM omnichannel.thread)) AS f
                       ON f.thread_id = t.id
                    WHERE (t.first_inbound_at, t.first_response_at, t.last_inbound_at,
                           t.last_outbound_at, t.waiting_since, t.waiting_channel, t.queue)
                          IS DISTINCT FROM
                          (f.first_inbound_at, f.first_response_at, f.last_inbound_at,
                           f.last_outbound_at,
                           CASE WHEN t.status IN ('solved', 'closed') THEN NULL ELSE f.waiting_since END,
                           f.waiting_channel, f.queue))};
my $clean = 'spans 0 channel_day 0 customer_channel 0 dues 0 facts 0';
is($node->safe_psql('postgres', $invariants), $clean, 'the invariants hold before the crashes');
my $history = $node->safe_psql('postgres',
	'SELECT count(*) || ' . "'/'" . ' || count(DISTINCT thread_id) FROM omnichannel.interaction');
like($history, qr{^3000/}, 'the committed history');

# Kill the backend that runs $sql once it waits on lock 7.
sub crash_while_waiting
{
	my ($sql, $what) = @_;
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('SELECT pg_advisory_lock(7)');
	my $victim = $node->background_psql('postgres', on_error_stop => 0);
	$victim->query_until(qr/started/, "\\echo started\n$sql\n");
	$node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 7 AND NOT granted})
	  or die "the statement never reached its wait point ($what)";
	my $pid = $node->safe_psql('postgres', q{
SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 7 AND NOT granted});
	my $interactions = $node->safe_psql('postgres', 'SELECT count(*) FROM omnichannel.interaction');
	is($interactions, 3000, "$what: the statement is in flight, uncommitted");
	kill 'KILL', $pid;
	eval { $victim->quit; };
	eval { $holder->quit; };
	$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
	is($node->safe_psql('postgres', $invariants), $clean, "$what: the invariants hold after recovery");
	is($node->safe_psql('postgres',
		'SELECT count(*) || ' . "'/'" . ' || count(DISTINCT thread_id) FROM omnichannel.interaction'),
		$history, "$what: the committed history is intact");
}

# A COPY of new customers and replies, killed while a row makes a customer.
crash_while_waiting(q{
COPY omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
FROM PROGRAM 'seq 1 20000 | awk ''{ printf "email\tinbound\t2026-11-30 %02d:%02d:00+00\tnew%d@example.com\tNew %d\tn%d\th%d\n", ($1 / 60) % 24, $1 % 60, $1 % 3000, $1, $1, ($1 % 3000) + 1 }''';},
	'mid-COPY');

# A statement of replies to open threads, killed while its end writes the threads.
crash_while_waiting(q{
SET crash.mid_write = on;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
SELECT 'email', 'outbound', timestamptz '2026-12-01' + g * interval '1 minute',
       'c' || (g % 40) || '@example.com', 'r' || g, 'h' || (2960 + (g % 40))
  FROM generate_series(1, 400) g;},
	'mid-write');

# Ingest goes on, and keeps the invariants.
$node->safe_psql('postgres', q{
DROP TRIGGER crash_mid_copy ON omnichannel.customer;
DROP TRIGGER crash_mid_write ON omnichannel.thread;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
SELECT 'email', 'outbound', timestamptz '2026-12-02' + g * interval '1 minute',
       'c' || (g % 40) || '@example.com', 'after' || g, 'h' || (2960 + (g % 40))
  FROM generate_series(1, 400) g;});
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE stitch_reason = 'reference') FROM omnichannel.interaction
 WHERE external_id LIKE 'after%'}), 400, 'after the crashes replies stitch');
is($node->safe_psql('postgres', $invariants), $clean, 'and the invariants hold');

$node->stop;
done_testing();
