# Everything is data in WAL-logged tables: an immediate shutdown (a crash)
# loses no committed interaction, and ingest works after recovery.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION omnichannel');
# (CREATE EXTENSION itself scans the new tables while adding constraints)
my $seq_scans = q{SELECT seq_scan FROM pg_stat_user_tables
                   WHERE relid = 'omnichannel.interaction'::regclass};
my $scans_before = $node->safe_psql('postgres', $seq_scans);
$node->safe_psql('postgres', q{
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
SELECT 'chat', 'inbound', timestamptz '2026-11-01' + g * interval '1 minute',
       'visitor' || (g % 50) || '@example.com', 'c' || g,
       CASE WHEN g > 50 THEN 'c' || (g - 50) END
  FROM generate_series(1, 2000) g;
});
# The ingest look-ups were planned while interaction was empty; they must
# still be index probes (a generic plan of "= ANY ($1)" made on an empty
# table used to scan the whole table for every row).
is($node->safe_psql('postgres', $seq_scans), $scans_before,
	'ingest into an empty table never scans interaction sequentially');

my $before = $node->safe_psql('postgres', q{
SELECT count(*), count(DISTINCT customer_id), count(DISTINCT thread_id),
       (SELECT count(*) FROM omnichannel.thread) FROM omnichannel.interaction});
is($before, '2000|50|50|50', '2000 interactions for 50 customers stitched into 50 threads');

$node->stop('immediate');
$node->start;

is($node->safe_psql('postgres', q{
SELECT count(*), count(DISTINCT customer_id), count(DISTINCT thread_id),
       (SELECT count(*) FROM omnichannel.thread) FROM omnichannel.interaction}),
	$before, 'after crash recovery every committed row is there');
is($node->safe_psql('postgres', q{
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id, in_reply_to)
VALUES ('chat', 'outbound', 'visitor7@example.com', 'c-after', 'c1957') RETURNING stitch_reason}),
	'reference', 'ingest stitches after recovery');
$node->stop;
done_testing();
