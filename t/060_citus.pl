# The extension on a real Citus cluster: a coordinator and two workers as
# throwaway instances, a third worker added later.  What the scale-out
# design (docs/scaling.md) builds on, checked against Citus itself:
#
# - CREATE EXTENSION omnichannel on the coordinator reaches every worker,
#   and a worker added later, at the same version: every node has the
#   extension's types, functions and (empty) tables;
# - a table of the extension can be a Citus reference table while it stays
#   a member of the extension (its data written on the coordinator is read
#   on every worker, also on the worker added later);
# - a table of the extension can be hash-distributed by its own key
#   (customer_identifier by its contact_point);
# - handing a table over (ALTER EXTENSION DROP TABLE) is not propagated by
#   Citus, and a table that stays on the workers blocks the distribution.
#
# Skipped, and says so, when Citus 13 is not installed
# (../shared/citus/build.sh installs it; .ci/run does).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
my $control = "$sharedir/extension/citus.control";
if (!-f $control || slurp_file($control) !~ /default_version\s*=\s*'13\./)
{
	plan skip_all => 'Citus 13 is not installed (../shared/citus/build.sh installs it)';
}

my @nodes;
sub citus_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# the nodes listen on Unix sockets only: Citus connects to its own node
	# (citus.local_hostname) through the socket directory too
	my $host = $node->host;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'citus'
max_prepared_transactions = 20
citus.local_hostname = '$host'
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION citus');
	push @nodes, $node;
	return $node;
}

my $coord = citus_node('coordinator');
my @workers = (citus_node('worker1'), citus_node('worker2'));
$coord->safe_psql('postgres',
	sprintf("SELECT citus_set_coordinator_host('%s', %d)", $coord->host, $coord->port));
for my $w (@workers)
{
	$coord->safe_psql('postgres', sprintf("SELECT citus_add_node('%s', %d)", $w->host, $w->port));
}
is($coord->safe_psql('postgres', 'SELECT count(*) FROM citus_get_active_worker_nodes()'),
	'2', 'a coordinator and two workers');

# The extension reaches the workers.
$coord->safe_psql('postgres', 'CREATE SCHEMA omnichannel; CREATE EXTENSION omnichannel SCHEMA omnichannel');
my $version = $coord->safe_psql('postgres',
	"SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'");
my $members = q{SELECT count(*) FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')};
my $coord_members = $coord->safe_psql('postgres', $members);
for my $w (@workers)
{
	is($w->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'"),
		$version, 'worker ' . $w->name . " has omnichannel $version");
	is($w->safe_psql('postgres', $members), $coord_members,
		'worker ' . $w->name . ' has every member object of the extension');
}

# A settings table of the extension as a reference table, still a member.
$coord->safe_psql('postgres', q{
SET citus.enable_unsafe_triggers = on;
SELECT create_reference_table('omnichannel.agent');
INSERT INTO omnichannel.agent (id, languages, capacity, status) VALUES ('ana', '{pl,en}', 2, 'available');
});
is($coord->safe_psql('postgres', q{
SELECT count(*) FROM pg_depend
 WHERE objid = 'omnichannel.agent'::regclass AND deptype = 'e'}), '1',
	'the reference table is still a member of the extension');
for my $w (@workers)
{
	is($w->safe_psql('postgres', "SELECT id || ':' || capacity || ':' || status FROM omnichannel.agent"),
		'ana:2:available', 'worker ' . $w->name . ' reads the agent written on the coordinator');
}

# A cross-customer table distributed by its own key, the contact point.
$coord->safe_psql('postgres', q{
ALTER TABLE omnichannel.customer_identifier DROP CONSTRAINT customer_identifier_customer_id_fkey;
SELECT create_distributed_table('omnichannel.customer_identifier', 'contact');
INSERT INTO omnichannel.customer (id) OVERRIDING SYSTEM VALUE VALUES (1), (2);
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT ('email:c' || g || '@example.com')::omnichannel.contact_point, 1 + g % 2, 'import'
  FROM generate_series(1, 40) g;
});
is($coord->safe_psql('postgres', q{
SELECT count(*) || '/' || count(DISTINCT p.nodeport)
  FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
 WHERE s.logicalrelid = 'omnichannel.customer_identifier'::regclass}),
	'32/2', 'customer_identifier is spread over 32 shards on both workers');
is($coord->safe_psql('postgres', q{
SELECT customer_id FROM omnichannel.customer_identifier
 WHERE contact OPERATOR(omnichannel.=) omnichannel.contact_point('Email:C7@EXAMPLE.com')}), '2',
	'a contact point is found by its normalized form on the shard that holds it');

# A worker added later gets the extension and the reference table.
my $late = citus_node('worker3');
$coord->safe_psql('postgres', sprintf("SELECT citus_add_node('%s', %d)", $late->host, $late->port));
is($late->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'"),
	$version, "a worker added later has omnichannel $version");
is($coord->safe_psql('postgres', q{
SELECT result FROM run_command_on_workers('SELECT count(*) FROM omnichannel.agent')
 ORDER BY nodeport DESC LIMIT 1}), '1', 'and reads the reference table');

# Handing a table over to the database is not propagated: the workers keep
# their member copy, and it blocks the distribution.
my ($ret, $stdout, $stderr) = $coord->psql('postgres', q{
ALTER EXTENSION omnichannel DROP TABLE omnichannel.channel_units_override;
SET citus.enable_unsafe_triggers = on;
SELECT create_reference_table('omnichannel.channel_units_override');
});
like($stderr, qr/Citus does not propagate adding\/dropping member objects/,
	'ALTER EXTENSION DROP TABLE is not propagated to the workers');
like($stderr, qr/relation "channel_units_override" already exists/,
	'a handed-over table that the workers still have cannot be distributed');

$_->stop for reverse @nodes;
done_testing();
