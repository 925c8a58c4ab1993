# The extension on a real Citus cluster: a coordinator and two workers as
# throwaway instances, a third worker added later (docs/scaling.md):
#
# - CREATE EXTENSION omnichannel on the coordinator reaches every worker,
#   and a worker added later, at the same version: every node has the
#   extension's types, functions and (empty) tables;
# - omnichannel.distribute() refuses a worker and a role that is not a
#   superuser; on the coordinator it distributes a database holding a
#   history stored by the single-node ingest (t/fixtures/citus_scenario.sql):
#   every row of every table is the same afterwards, the tables stay
#   members of the extension, the customer-scoped tables are co-located by
#   customer, the coordinator keeps no copy of the rows, and a customer's
#   rows are read from one shard; a second call changes nothing;
# - a row written on the coordinator into a reference table is read on
#   every worker;
# - a worker added later: distribute() aligns its copies of the tables, the
#   shard rebalancer moves shards onto it, and every row is still the same;
# - handing a table over (ALTER EXTENSION DROP TABLE) is not propagated by
#   Citus, and a table that stays on the workers blocks the distribution
#   (why the tables stay members of the extension).
# - in a database of its own, ingest through interaction_in with SLA
#   policies active, status and priority changes (t/fixtures/
#   ingest_scenario.sql) store what one node stores, clock by clock; a
#   statement of one customer of every kind reads and writes one shard
#   (t/fixtures/one_shard_ingest.sql, with Citus's multi-shard queries made
#   errors); the status trigger writes its SLA events on the shards, with
#   ids of the workers' own ranges.
#
# Skipped, and says so, when Citus 13 is not installed
# (../shared/citus/build.sh installs it; .ci/run does).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use IPC::Run;

my $src = $ENV{OC_SRCDIR} // "$FindBin::Bin/..";
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

# Refusals first: on a worker, for a role that is not a superuser, and
# while a table outside the extension has a foreign key to one of its tables.
$coord->safe_psql('postgres', 'CREATE TABLE app_note (customer_id bigint REFERENCES omnichannel.customer (id))');
my ($ret0, $stdout0, $stderr0) = $coord->psql('postgres', 'SELECT omnichannel.distribute()');
like($stderr0, qr/tables outside omnichannel have foreign keys to its tables: public.app_note \(app_note_customer_id_fkey\)/,
	'distribute() refuses while another table has a foreign key to its tables');
$coord->safe_psql('postgres', 'DROP TABLE app_note');
my ($ret, $stdout, $stderr) = $workers[0]->psql('postgres', 'SELECT omnichannel.distribute()');
like($stderr, qr/ERROR:  this node is not the Citus coordinator/, 'distribute() refuses a worker');
$coord->safe_psql('postgres', 'CREATE ROLE app LOGIN; GRANT USAGE ON SCHEMA omnichannel TO app');
($ret, $stdout, $stderr) = $coord->psql('postgres', 'SET ROLE app; SELECT omnichannel.distribute()');
like($stderr, qr/permission denied for function distribute/, 'distribute() is not executable by PUBLIC');

# A history stored by the single-node ingest, before distribution.
$coord->safe_psql('postgres', slurp_file("$src/t/fixtures/citus_scenario.sql") =~ s/__TARGET__/interaction/gr);
my @tables = split /\n/, $coord->safe_psql('postgres', q{
SELECT c.oid::regclass FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'omnichannel'
 WHERE c.relkind = 'r' ORDER BY 1});
sub fingerprint
{
	my %h;
	for my $t (@tables)
	{
		$h{$t} = $coord->safe_psql('postgres',
			"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM $t t");
	}
	return \%h;
}
my $before = fingerprint();
like($before->{'omnichannel.interaction'}, qr/^2[0-9][0-9]:/, 'the scenario stored its interactions');

my $did = $coord->safe_psql('postgres',
	'SELECT citus_role || ' . q{':'} . ' || action, count(*) FROM omnichannel.distribute() GROUP BY 1 ORDER BY 1');
is($did, "coordinator:stays on the coordinator|6\ndistributed:done|13\nreference:done|11",
	'distribute() makes 11 reference and 13 distributed tables, 6 stay on the coordinator');
# delivery_customer is filled where it is read: on Citus
my $after = fingerprint();
is($before->{'omnichannel.delivery_customer'}, '0:', 'delivery_customer is empty on one node');
is_deeply({ map { $_ => $after->{$_} } grep { $_ ne 'omnichannel.delivery_customer' } keys %$after },
	{ map { $_ => $before->{$_} } grep { $_ ne 'omnichannel.delivery_customer' } keys %$before },
	'every row of every table is the same after distribute()');
$before = $after;
is($coord->safe_psql('postgres', q{
	SELECT (SELECT md5(string_agg(concat_ws('|', external_id, channel, customer_id), ','
	                              ORDER BY external_id, channel))
	          FROM omnichannel.delivery_customer)
	     = (SELECT md5(string_agg(concat_ws('|', external_id, channel, customer_id), ','
	                              ORDER BY external_id, channel))
	          FROM omnichannel.interaction WHERE external_id IS NOT NULL)}), 't',
	'distribute() records which customer holds every stored delivery');
is($coord->safe_psql('postgres', q{
SELECT string_agg(DISTINCT p.colocationid::text, ',')
  FROM pg_dist_partition p JOIN omnichannel.citus_table_role() r ON r.table_name = p.logicalrelid
 WHERE r.colocate_with = 'omnichannel.customer'::regclass OR r.table_name = 'omnichannel.customer'::regclass}),
	$coord->safe_psql('postgres', q{SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'omnichannel.customer'::regclass}),
	'the customer-scoped tables are co-located with customer');
is($coord->safe_psql('postgres', q{
SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY pg_get_indexdef(i.indexrelid)) FROM pg_index i
 WHERE i.indexrelid IN ('omnichannel.thread_pkey'::regclass, 'omnichannel.sla_clock_running_key'::regclass)}),
	'CREATE UNIQUE INDEX sla_clock_running_key ON omnichannel.sla_clock USING btree (thread_id, metric, customer_id) WHERE (stopped_at IS NULL); '
	  . 'CREATE UNIQUE INDEX thread_pkey ON omnichannel.thread USING btree (id, customer_id)',
	'the keys of one node are widened by customer_id');
is($coord->safe_psql('postgres', q{
SELECT count(*) FROM omnichannel.citus_table_role() r
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.table_name AND d.deptype = 'e'}),
	'30', 'every table is still a member of the extension');
is($coord->safe_psql('postgres', q{
SELECT coalesce(sum(pg_relation_size(p.logicalrelid)), -1) FROM pg_dist_partition p
 WHERE p.partmethod = 'h'}), '0', 'the coordinator keeps no copy of the distributed rows');
like($coord->safe_psql('postgres', q{
EXPLAIN (COSTS OFF) SELECT * FROM omnichannel.interaction WHERE customer_id = 1 ORDER BY occurred_at DESC, id DESC LIMIT 20}),
	qr/Task Count: 1\b/, "a customer's interactions are read from one shard");
is($coord->safe_psql('postgres', q{
SELECT string_agg(tgname || ':' || tgenabled::text, ',' ORDER BY tgname) FROM pg_trigger
 WHERE tgrelid = 'omnichannel.interaction'::regclass AND NOT tgisinternal}),
	'Ingest_threads:D,ingest:D,ingest_flush:D,rollup_after_delete:D,rollup_after_truncate:O,rollup_after_update:D',
	'after the copy the triggers are enabled again, but ingest (interaction_in is the way in) and the rollups\' on a change (no shard writes channel_day)');
is($coord->safe_psql('postgres', q{SELECT string_agg(DISTINCT action, ',') FROM omnichannel.distribute()
 WHERE citus_role <> 'coordinator'}), 'already done', 'a second call changes nothing');
is_deeply(fingerprint(), $before, 'and every row is still the same');

# A reference table written on the coordinator is read on every worker.
$coord->safe_psql('postgres', q{
INSERT INTO omnichannel.agent (id, languages, capacity, status) VALUES ('ana', '{pl,en}', 2, 'available')});
for my $w (@workers)
{
	is($w->safe_psql('postgres', "SELECT id || ':' || capacity || ':' || status FROM omnichannel.agent WHERE id = 'ana'"),
		'ana:2:available', 'worker ' . $w->name . ' reads the agent written on the coordinator');
}
is($coord->safe_psql('postgres', q{
SELECT customer_id FROM omnichannel.customer_identifier
 WHERE contact OPERATOR(omnichannel.=) omnichannel.contact_point('Jan.Kowalski@EXAMPLE.pl')}), '1',
	'a contact point is found by its normalized form on the shard that holds it');
$before = fingerprint();

# A worker added later gets the extension; distribute() aligns its copies
# of the tables, and the rebalancer moves shards onto it.
my $late = citus_node('worker3');
$coord->safe_psql('postgres', sprintf("SELECT citus_add_node('%s', %d)", $late->host, $late->port));
is($late->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'"),
	$version, "a worker added later has omnichannel $version");
my $shell = q{SELECT (SELECT count(*) FROM pg_constraint WHERE conname = 'customer_merged_into_fkey')
  || ':' || (SELECT indnkeyatts FROM pg_index WHERE indexrelid = 'omnichannel.interaction_external_id_key'::regclass)
  || ':' || (SELECT indnkeyatts FROM pg_index WHERE indexrelid = 'omnichannel.thread_pkey'::regclass)};
is($late->safe_psql('postgres', $shell), '1:2:1', "its copies of the tables are the extension script's");
$coord->safe_psql('postgres', 'SELECT count(*) FROM omnichannel.distribute()');
is($late->safe_psql('postgres', $shell), '0:3:2', 'distribute() aligns them with the coordinator');
$coord->safe_psql('postgres', q{SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')});
ok($coord->safe_psql('postgres', sprintf(q{
SELECT count(*) FROM pg_dist_shard_placement WHERE nodeport = %d}, $late->port)) > 10,
	'the rebalancer moved shards onto the new worker');
is_deeply(fingerprint(), $before, 'every row is the same after the rebalance');
is($late->safe_psql('postgres', "SELECT count(*) FROM omnichannel.agent WHERE id = 'ana'"), '1',
	'the new worker reads the reference tables');

# Handing a table over to the database is not propagated: the workers keep
# their member copy, and it blocks the distribution.
($ret, $stdout, $stderr) = $coord->psql('postgres', q{
ALTER EXTENSION omnichannel DROP TABLE omnichannel.identity_no_link;
SELECT create_reference_table('omnichannel.identity_no_link');
});
like($stderr, qr/Citus does not propagate adding\/dropping member objects/,
	'ALTER EXTENSION DROP TABLE is not propagated to the workers');
like($stderr, qr/relation "identity_no_link" already exists/,
	'a handed-over table that the workers still have cannot be distributed');

# Ingest on a distributed database, through interaction_in, stores what one
# node stores through interaction (t/fixtures/ingest_scenario.sql, compared
# without ids by t/fixtures/ingest_compare.sql).  A database of its own:
# Citus, and its nodes, are set up per database.
for my $n ($coord, @workers, $late)
{
	$n->safe_psql('postgres', 'CREATE DATABASE ingest');
	$n->safe_psql('ingest', 'CREATE EXTENSION citus');
}
$coord->safe_psql('ingest',
	sprintf("SELECT citus_set_coordinator_host('%s', %d)", $coord->host, $coord->port));
for my $w (@workers, $late)
{
	$coord->safe_psql('ingest', sprintf("SELECT citus_add_node('%s', %d)", $w->host, $w->port));
}
$coord->safe_psql('ingest', 'CREATE SCHEMA omnichannel; CREATE EXTENSION omnichannel SCHEMA omnichannel');
$coord->safe_psql('ingest', 'SELECT count(*) FROM omnichannel.distribute()');
my $ingest = slurp_file("$src/t/fixtures/ingest_scenario.sql");
$coord->safe_psql('ingest', $ingest =~ s/__TARGET__/interaction_in/gr);
# one node: a database of the coordinator's instance without Citus
$coord->safe_psql('postgres', 'CREATE DATABASE single');
$coord->safe_psql('single', 'CREATE SCHEMA omnichannel; CREATE EXTENSION omnichannel SCHEMA omnichannel');
$coord->safe_psql('single', $ingest =~ s/__TARGET__/interaction/gr);
# statements of one customer each read and write one shard: a query that
# asks more than one fails them (citus.multi_task_query_log_level = error)
my $one_shard = slurp_file("$src/t/fixtures/one_shard_ingest.sql");
my ($one_ret, $one_out, $one_err) = $coord->psql('ingest', $one_shard, on_error_stop => 1);
is($one_ret . ':' . $one_out, '0:10',
	'a new customer, a retried delivery, a reply by reference, by subject, a late arrival, a business key, SMS by recency: each statement on one shard')
  or diag($one_err);
$coord->safe_psql('single', $one_shard =~ s/interaction_in/interaction/gr);
# a COPY that fails leaves nothing on the workers: its writes there are one
# transaction with it (the customer its first row made is gone too)
my ($copy_ret, $copy_out, $copy_err) = $coord->psql('ingest', q{
COPY omnichannel.interaction_in (channel, direction, occurred_at, contact, subject, external_id) FROM STDIN (FORMAT csv);
web,inbound,2026-06-02 10:00+00,atomic.one@example.ro,Atomic,atomic-1
web,inbound,infinity,atomic.two@example.ro,Atomic,atomic-2
\\.
});
like($copy_err, qr/must be a finite time/, 'a COPY with a bad second row fails');
# (on one node too, the same way in: both databases draw the same ids afterwards)
my ($copy1_ret, $copy1_out, $copy1_err) = $coord->psql('single', q{
COPY omnichannel.interaction_in (channel, direction, occurred_at, contact, subject, external_id) FROM STDIN (FORMAT csv);
web,inbound,2026-06-02 10:00+00,atomic.one@example.ro,Atomic,atomic-1
web,inbound,infinity,atomic.two@example.ro,Atomic,atomic-2
\\.
});
like($copy1_err, qr/must be a finite time/, 'as on one node');
is($coord->safe_psql('ingest', q{
	SELECT (SELECT count(*) FROM omnichannel.customer_identifier
	         WHERE contact OPERATOR(omnichannel.=) omnichannel.contact_point('atomic.one@example.ro'))
	     + (SELECT count(*) FROM omnichannel.delivery_customer WHERE external_id LIKE 'atomic-%')
	     + (SELECT count(*) FROM omnichannel.interaction WHERE external_id LIKE 'atomic-%')}), '0',
	'and leaves neither its first row nor that row\'s customer on the workers');
is($coord->safe_psql('ingest', q{
	SELECT (SELECT count(*) FROM omnichannel.delivery_customer)
	     = (SELECT count(*) FROM omnichannel.interaction WHERE external_id IS NOT NULL)}), 't',
	'interaction_in records which customer holds every delivery it stores');
like($coord->safe_psql('ingest', 'SELECT count(*) FROM omnichannel.interaction'), qr/^3[0-9][0-9]$/,
	'ingest through interaction_in stored the scenario on the distributed database');
is($coord->safe_psql('ingest', 'SELECT count(*) FROM omnichannel.interaction_in'), '0',
	'and left interaction_in empty');
my $compare = slurp_file("$src/t/fixtures/ingest_compare.sql");
my ($on_citus, $on_one) = map { $coord->safe_psql($_, $compare) } ('ingest', 'single');
ok(length($on_one) > 10000, 'the comparison covers the stored history');
is($on_citus, $on_one,
	'customers, identifiers, threads and their queue facts, keys, subjects, rollups, SLA clocks and events and the threads\' due times equal one node');
# The read functions and views answer as on one node (the two databases
# hold the same rows under the same ids: the first line says so), a part
# at a time so that a failure names it.
my $reads = slurp_file("$src/t/fixtures/reads_compare.sql");
my %read_on = map { my $db = $_; ($db => [ split /\n/, $coord->safe_psql($db, $reads) ]) } ('ingest', 'single');
is(scalar @{ $read_on{ingest} }, 10, 'ten parts read on the distributed database');
for my $i (0 .. $#{ $read_on{single} })
{
	my ($part) = $read_on{single}[$i] =~ /^(\S+)/;
	is($read_on{ingest}[$i], $read_on{single}[$i], "$part on the distributed database equals one node");
}
# a timeline page is one query on the customer's shard (and the survivor look-up another)
is($coord->safe_psql('ingest', q{
	SET citus.multi_task_query_log_level = error;
	SELECT count(*) FROM omnichannel.timeline(3, lim => 5)}), '5',
	"a timeline page reads the customer's shard alone");
# breaches swept and clocks re-derived, customer by customer, as on one node
is($coord->safe_psql('ingest', 'SELECT omnichannel.sla_sweep()'),
	$coord->safe_psql('single', 'SELECT omnichannel.sla_sweep()'), 'sla_sweep() records as many breaches');
$coord->safe_psql($_, q{
	UPDATE omnichannel.sla_policy SET first_response = '2 hours', resolution = '48 hours' WHERE name = 'mail';
	SELECT omnichannel.recompute_sla()}) for ('ingest', 'single');
is($coord->safe_psql('ingest', $compare), $coord->safe_psql('single', $compare),
	'after sla_sweep() and recompute_sla() every clock, event and due time equals one node');
ok($coord->safe_psql('ingest', q{SELECT count(*) FROM omnichannel.sla_event WHERE event = 'recompute'}) > 0,
	'recompute_sla() re-derived clocks on the distributed database');

# claim_next on the distributed database: one agent's claims in the same
# dispatch order as on one node, then agents claiming at once never get the
# same thread and stay within their capacity
for my $db ('ingest', 'single')
{
	$coord->safe_psql($db, q{
		INSERT INTO omnichannel.agent (id, languages, capacity, status)
		SELECT 'desk' || g, '{}', 3, 'available' FROM generate_series(1, 4) g;
		INSERT INTO omnichannel.agent (id, languages, capacity, status) VALUES ('solo', '{}', 2, 'available')});
}
my $claims = q{SELECT string_agg(coalesce((SELECT c.id::text FROM omnichannel.claim_next('solo') AS c), '-'), ',')
                 FROM generate_series(1, 3)};
my $solo = $coord->safe_psql('ingest', $claims);
like($solo, qr/^\d+,\d+,\d+$/, 'an agent claims three threads on the distributed database');
is($solo, $coord->safe_psql('single', $claims), 'the same threads, in the same order, as on one node');
my (@claimers, @outs, @errs);
for my $g (1 .. 4)
{
	my $sql = join('', map { "SELECT count(*) FROM omnichannel.claim_next('desk$g');\n" } 1 .. 8);
	push @claimers, IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $coord->connstr('ingest') ],
		'<', \$sql, '>', \$outs[$g], '2>', \$errs[$g]);
}
$_->finish for @claimers;
my $claimed = 0;
$claimed += $_ for map { split /\n/, ($_ // '') } @outs[1 .. 4];
is(join('', map { $_ // '' } @errs[1 .. 4]), '', 'four agents claimed at once without an error');
ok($claimed > 8, "they claimed $claimed threads");
is($coord->safe_psql('ingest', q{
	SELECT concat_ws(' ',
	    (SELECT count(*) FROM omnichannel.thread WHERE assignee LIKE 'desk%'),
	    (SELECT count(*) FROM (SELECT thread_id FROM omnichannel.thread_assignment
	                            WHERE released_at IS NULL GROUP BY thread_id HAVING count(*) > 1) AS d),
	    (SELECT count(*) FROM omnichannel.agent AS g WHERE omnichannel.agent_load(g.id) > g.capacity))}),
	"$claimed 0 0", 'each claim holds its own thread, none is held twice, every agent within its capacity');
# release and reassign: the thread locked on its shard, the assignment log kept
my ($first) = split /,/, $solo;
is($coord->safe_psql('ingest', "SELECT assignee IS NULL FROM omnichannel.release($first, 'break')"), 't',
	'release() gives a claimed thread back');
is($coord->safe_psql('ingest', "SELECT assignee FROM omnichannel.reassign($first, 'desk1', 'skills')"), 'desk1',
	'reassign() gives it to another agent');
is($coord->safe_psql('ingest', "SELECT string_agg(concat_ws(':', agent, how, released_how, reason), ',' ORDER BY id)
	  FROM omnichannel.thread_assignment WHERE thread_id = $first"),
	'solo:claim:release:break,desk1:reassign:skills', 'and the assignment log says so');

# forget_customer(): the customer locked with its threads one at a time
# (on Citus a row lock is one shard's), its content erased on every shard,
# who held its deliveries forgotten; the same as on one node
my $jan = $coord->safe_psql('ingest', q{SELECT id FROM omnichannel.customer WHERE display_name = 'Jan Kowalski'});
my $forget = "SELECT omnichannel.forget_customer($jan, 'ticket 42') - 'erasure_event'";
my $forgot = $coord->safe_psql('ingest', $forget);
is($forgot, $coord->safe_psql('single', $forget), 'forget_customer() erases what it erases on one node');
like($forgot, qr/"interaction": \{[^}]*"external_id": [1-9]/, 'external ids among it');
is($coord->safe_psql('ingest', "SELECT count(*) FROM omnichannel.delivery_customer WHERE customer_id = $jan"), '0',
	'and who held its deliveries is forgotten');
# (the erased rows have no external id left to name and order them by: the
# lines are compared sorted)
is(join("\n", sort split /\n/, $coord->safe_psql('ingest', $compare)),
	join("\n", sort split /\n/, $coord->safe_psql('single', $compare)),
	'every row after the erasure equals one node');

# merge_threads(): two threads of one customer locked on its shard, the
# interactions moved, the absorbed thread closed; as on one node
my $merge = q{SELECT omnichannel.merge_threads(
	(SELECT thread_id FROM omnichannel.interaction WHERE external_id = '<one-1@example.com>'),
	(SELECT thread_id FROM omnichannel.interaction WHERE external_id = '<one-4@example.com>'), 'one case')};
my $merged = $coord->safe_psql('ingest', $merge);
is($merged, $coord->safe_psql('single', $merge), 'merge_threads() keeps the same thread as on one node');
is(join("\n", sort split /\n/, $coord->safe_psql('ingest', $compare)),
	join("\n", sort split /\n/, $coord->safe_psql('single', $compare)),
	'every row after merge_threads() equals one node');
my ($other_ret, $other_out, $other_err) = $coord->psql('ingest', q{SELECT omnichannel.merge_threads(
	(SELECT thread_id FROM omnichannel.interaction WHERE external_id = '<one-1@example.com>'),
	(SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'sms-one-1'), 'not one case')});
like($other_err, qr/belongs to customer \d+, not to customer \d+/,
	'threads of two customers are refused as on one node');

# merge_customers(), unmerge(), move_interaction(), split_thread(),
# restitch(), apply_retention(), apply_identity_links(), the rollups'
# repairs and the last views (t/fixtures/operators_scenario.sql): on
# Citus a customer's rows move to another by copy and delete (the
# distribution column cannot be updated), the audit tables let a shard
# delete the events copied; every row, audit row and rollup afterwards
# equals one node, and no event is lost or doubled
my $operators = slurp_file("$src/t/fixtures/operators_scenario.sql");
my %ops_out;
for my $db ('ingest', 'single')
{
	my ($ret, $out, $err) = $coord->psql($db,
		$operators =~ s/__TARGET__/$db eq 'ingest' ? 'interaction_in' : 'interaction'/ger,
		on_error_stop => 1);
	is($ret, 0, "the operator scenario runs on $db") or diag($err);
	$ops_out{$db} = $out;
}
like($ops_out{single}, qr/"moved": \d+.*"interactions": 50.*"merged": [1-9]/s,
	'it restitched, applied retention and merged on identifiers carried in attributes');
is($ops_out{ingest}, $ops_out{single}, 'every operator function returns what it returns on one node');
is(join("\n", sort split /\n/, $coord->safe_psql('ingest', $compare)),
	join("\n", sort split /\n/, $coord->safe_psql('single', $compare)),
	'every row after merges, an unmerge, thread operations, restitch and retention equals one node');
my $audit = slurp_file("$src/t/fixtures/audit_compare.sql");
my %audit_on = map { my $db = $_; ($db => [ split /\n/, $coord->safe_psql($db, $audit) ]) } ('ingest', 'single');
for my $i (0 .. 3)
{
	my $part = (qw(thread_event identity_event customer identity_no_link))[$i];
	is($audit_on{ingest}[$i], $audit_on{single}[$i], "$part on the distributed database equals one node");
}
like($audit_on{ingest}[1], qr/unmerge\|.*"interactions_split_off": \[\{/, 'the unmerge split off what arrived since');
my $events = q{
	SELECT concat_ws(' ', count(*), count(DISTINCT e.id), count(*) FILTER (WHERE c.merged_into IS NOT NULL))
	  FROM omnichannel.sla_event AS e JOIN omnichannel.customer AS c ON c.id = e.customer_id};
my $events_single = $coord->safe_psql('single', $events);
like($events_single, qr/^(\d+) \1 0$/, 'on one node no SLA event is left with a merged customer');
is($coord->safe_psql('ingest', $events), $events_single,
	'SLA events moved with their threads on the distributed database: none lost, none doubled');
my ($held, $stored) = map { $coord->safe_psql('ingest', qq{
	SELECT count(*) || ': ' || string_agg(concat_ws('|', external_id, channel, customer_id), ',' ORDER BY external_id, channel)
	  FROM omnichannel.$_}) } ('delivery_customer', 'interaction WHERE external_id IS NOT NULL');
is($held, $stored, 'delivery_customer names the customer holding each stored delivery, and no other');

# the identity operator's recipe on Citus (docs/identity.md: one node's,
# and EXECUTE on merge_customers_as_owner and unmerge_as_owner) merges and
# unmerges; a role with DELETE on the audit tables and the setting that a
# move sets still cannot delete an event (only the owner, as merges run
# there, may)
$coord->safe_psql('ingest', q{
CREATE ROLE idop LOGIN;
GRANT USAGE ON SCHEMA omnichannel TO idop;
GRANT SELECT, UPDATE ON omnichannel.customer, omnichannel.customer_identifier, omnichannel.thread,
      omnichannel.thread_event, omnichannel.pending_reference, omnichannel.interaction,
      omnichannel.thread_key, omnichannel.thread_subject, omnichannel.sla_clock, omnichannel.sla_event,
      omnichannel.thread_assignment TO idop;
GRANT SELECT, INSERT, UPDATE ON omnichannel.identity_event TO idop;
GRANT USAGE ON SEQUENCE omnichannel.identity_event_id_seq, omnichannel.thread_id_seq TO idop;
GRANT SELECT, INSERT ON omnichannel.identity_no_link TO idop;
GRANT INSERT ON omnichannel.thread TO idop;
GRANT EXECUTE ON FUNCTION omnichannel.merge_customers_as_owner(bigint, bigint, text, boolean),
      omnichannel.unmerge_as_owner(bigint, text) TO idop;
CREATE ROLE evdel LOGIN;
GRANT USAGE ON SCHEMA omnichannel TO evdel;
GRANT SELECT, DELETE ON omnichannel.thread_event, omnichannel.sla_event TO evdel;
INSERT INTO omnichannel.interaction_in (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-07-03 09:00+00', 'keep.op@example.es', 'Keep', 'op-1'),
       ('email', 'inbound', '2026-07-03 10:00+00', 'absorb.op@example.es', 'Absorb', 'op-2')});
my ($op_keep, $op_absorb) = split /\n/, $coord->safe_psql('ingest',
	q{SELECT customer_id FROM omnichannel.interaction WHERE external_id IN ('op-1', 'op-2') ORDER BY external_id});
my ($op_ret, $op_out, $op_err) = $coord->psql('ingest', qq{
SELECT omnichannel.merge_customers($op_keep, $op_absorb, 'operator merge') AS ev \\gset
SELECT count(*) FROM omnichannel.interaction WHERE customer_id = $op_keep AND external_id LIKE 'op-%';
SELECT omnichannel.unmerge(:ev, 'operator undo') IS NOT NULL;
SELECT count(*) FROM omnichannel.interaction WHERE customer_id = $op_keep AND external_id LIKE 'op-%';},
	on_error_stop => 1, extra_params => [ '-U', 'idop' ]);
is("$op_ret:$op_out", "0:2\nt\n1", 'the identity operator\'s recipe merges and unmerges on Citus')
  or diag($op_err);
is($coord->safe_psql('ingest', q{SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM omnichannel.identity_event
	WHERE reason LIKE 'operator %'}), 'merge:idop,unmerge:idop', 'run as the owner, they record the operator as the actor');
my $ev_customer = $coord->safe_psql('ingest', 'SELECT customer_id FROM omnichannel.thread_event ORDER BY id LIMIT 1');
my $ev_count = $coord->safe_psql('ingest', "SELECT count(*) FROM omnichannel.thread_event WHERE customer_id = $ev_customer");
my ($del_ret, $del_out, $del_err) = $coord->psql('ingest', qq{
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL omnichannel.moving_customer = '$ev_customer';
DELETE FROM omnichannel.thread_event WHERE customer_id = $ev_customer;
COMMIT;}, extra_params => [ '-U', 'evdel' ]);
like($del_err, qr/thread events are append-only/,
	'a role with DELETE and the setting a move sets cannot delete an event on a shard');
is($coord->safe_psql('ingest', "SELECT count(*) FROM omnichannel.thread_event WHERE customer_id = $ev_customer"),
	$ev_count, 'and the events are all there');

# the clocks moved every way: started and stopped by ingest (achieved,
# breached), paused and resumed, solved and reopened by the status trigger
# on the thread's shard, re-derived by a priority change
is($coord->safe_psql('ingest', q{
	SELECT concat_ws(' ', count(*) FILTER (WHERE outcome = 'achieved') > 0,
	                      count(*) FILTER (WHERE outcome = 'breached') > 0,
	                      count(*) FILTER (WHERE stopped_at IS NULL) > 0,
	                      count(*) FILTER (WHERE NOT isempty(pauses)) > 0)
	  FROM omnichannel.sla_clock}), 't t t t',
	'clocks achieved, breached, running and paused on the distributed database');
# a status change's trigger runs on the thread's shard: its events draw ids
# from the worker's own range (distribute() moved the workers' sequences)
is($coord->safe_psql('ingest', q{
	SELECT concat_ws(' ', count(DISTINCT event) FILTER (WHERE id >= 1::bigint << 48),
	                      count(*) = count(DISTINCT id))
	  FROM omnichannel.sla_event
	 WHERE event IN ('pause', 'resume', 'achieve', 'cancel', 'breach', 'recompute')}), '6 t',
	'the status trigger wrote its events on the shards, with ids of the workers\' ranges, none twice');

$_->stop for reverse @nodes;
done_testing();
