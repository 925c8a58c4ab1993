# ALTER EXTENSION omnichannel UPDATE from the last release keeps every row
# and ends with the same catalog as a fresh install of this version.
#
# The data (t/fixtures/omnichannel-0.1.0.data) was made by the 0.1.0 ingest
# (t/fixtures/upgrade_scenario.sql) and is loaded here with triggers off:
# this library serves the current SQL version only.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $src = $ENV{OC_SRCDIR} // "$FindBin::Bin/..";
my $old_version = '0.1.0';

open my $fh, '<', "$src/omnichannel.control" or die "omnichannel.control: $!";
my ($version) = map { /^default_version\s*=\s*'([^']+)'/ ? $1 : () } <$fh>;
close $fh;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE old; CREATE DATABASE fresh');
$node->safe_psql('old', "CREATE EXTENSION omnichannel VERSION '$old_version'");
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$src/t/fixtures/omnichannel-$old_version.data",
	  '-d', $node->connstr('old') ],
	"the $old_version data loads");

# The old SQL with this library: ingest says what to do instead of failing
# somewhere inside.
my ($ret, $stdout, $stderr) = $node->psql('old', q{
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', 'tel:+40721000001')});
like($stderr, qr/omnichannel library $version cannot serve the installed SQL version $old_version.*ALTER EXTENSION omnichannel UPDATE/s,
	'before the update, ingest asks for ALTER EXTENSION UPDATE');

# Every table's rows, over the columns it had before the update.  A table
# is found again by its oid: the update renames some (the settings tables'
# _override names).
my @tables = split /\n/, $node->safe_psql('old', q{
SELECT c.oid::regclass || '|' || c.oid || '|' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind = 'r'
 GROUP BY c.oid ORDER BY 1});
sub fingerprint
{
	my ($db) = @_;
	my %h;
	for my $t (@tables)
	{
		my ($name, $oid, $cols) = split /\|/, $t;
		my $now = $node->safe_psql($db, "SELECT ${oid}::regclass");
		$h{$name} = $node->safe_psql($db,
			"SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '')
			   FROM (SELECT ROW($cols)::text AS r FROM $now) s");
	}
	return \%h;
}
my $before = fingerprint('old');
ok(scalar(@tables) > 20, 'the release has its tables');
like($before->{'omnichannel.interaction'}, qr/^20[0-9]:/, 'with the interactions of the scenario');

$node->safe_psql('old', 'ALTER EXTENSION omnichannel UPDATE');
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'"),
	$version, "updated to $version");
is_deeply(fingerprint('old'), $before, 'every row of every table is kept');

# The same catalog as a fresh install.
$node->safe_psql('fresh', 'CREATE EXTENSION omnichannel');
my $snapshot = slurp_file("$src/t/catalog_snapshot.sql");
my $updated = $node->safe_psql('old', $snapshot);
my $fresh = $node->safe_psql('fresh', $snapshot);
$updated =~ s/^extension version=\S+//m;
$fresh =~ s/^extension version=\S+//m;
ok(length($fresh) > 10000, 'the catalog snapshot describes the extension');
my @u = split /\n/, $updated;
my @f = split /\n/, $fresh;
my %in_fresh = map { $_ => 1 } @f;
my %in_updated = map { $_ => 1 } @u;
my @missing = grep { !$in_updated{$_} } @f;
my @extra = grep { !$in_fresh{$_} } @u;
is(scalar(@missing) + scalar(@extra), 0, 'the updated catalog equals a fresh install')
  or diag(join("\n", (map { substr("fresh only:   $_", 0, 400) } @missing),
		(map { substr("updated only: $_", 0, 400) } @extra)));

# The updated database works: a reply joins its thread, and the message a
# stored reply was waiting for joins that reply's thread (late arrival).
is($node->safe_psql('old', q{
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-11-20 11:00+00', 'jan.kowalski@example.pl', 'reply-1', 'chat-1')
RETURNING id > 205, customer_id, thread_id, stitch_reason}),
	't|1|1|reference', 'after the update a reply joins the old thread');
is($node->safe_psql('old', q{
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-11-18 08:00+00', 'late@example.ro', 'oferta', '<late-1@example.ro>')
RETURNING thread_id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = '<late-2@example.ro>')}),
	't', 'the message an old reply was waiting for joins its thread');
is($node->safe_psql('old', q{
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-22 08:00+00', 'client12@example.ro', 'Factura B-1049', 'new-1')
RETURNING stitch_reason, thread_id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = '<m49@example.ro>')}),
	'business_key|t', 'an old business key still stitches');

$node->stop;
done_testing();
