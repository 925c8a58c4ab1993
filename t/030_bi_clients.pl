# The reporting views read through the drivers BI tools use: psycopg2 (Debian
# python3-psycopg2) and JDBC (Debian libpostgresql-jdbc-java), logged in over
# TCP with a password as a reporting role made by grant_reporting: column names,
# driver-level types, the values of a small scenario, and the refusal of
# everything else (message bodies, contact points: SQLSTATE 42501).  The client
# programs live in test/clients/ and print TAP lines, passed through here one by
# one.  Missing drivers are a failure, not a skip: scripts/deps.sh installs them.
#
# Environment (all optional): OC_CLIENTS_DIR (default test/clients of the
# source tree), OC_PYTHON (default /usr/bin/python3, the one Debian's psycopg2
# is built for), OC_PGJDBC_JAR (default /usr/share/java/postgresql.jar).
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# -- the client programs and the drivers ------------------------------------------

my $src = $ENV{OC_SRCDIR} // "$FindBin::Bin/..";
my ($clients) = grep { defined && -f "$_/scenario.sql" }
  ($ENV{OC_CLIENTS_DIR}, "$src/test/clients", "$FindBin::Bin/../test/clients");
ok($clients, 'test/clients found (set OC_CLIENTS_DIR if it is elsewhere)')
  or die "no test/clients directory under $src or next to t/\n";
note "client programs in $clients";

my $python = $ENV{OC_PYTHON} // (-x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3');
my ($py_ok, $py_out, $py_err) = run_capture([ $python, '-c', 'import psycopg2; print(psycopg2.__version__)' ]);
ok($py_ok, "$python imports psycopg2 (Debian python3-psycopg2, see scripts/deps.sh)")
  or diag $py_err;

my $jar = $ENV{OC_PGJDBC_JAR} // '/usr/share/java/postgresql.jar';
ok(-r $jar, "pgjdbc jar $jar is there (Debian libpostgresql-jdbc-java, see scripts/deps.sh)");
my ($javac_ok, undef, $javac_err) = run_capture([ 'javac', '-version' ]);
ok($javac_ok, 'javac runs (Debian openjdk-17-jdk-headless, see scripts/deps.sh)') or diag $javac_err;

# -- the node: TCP on loopback, a password for the reporting role -------------------

my $node = PostgreSQL::Test::Cluster->new('bi');
$node->init;
$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'");
# the reporting role logs in with SCRAM over TCP, as a BI tool would; the
# bootstrap superuser keeps the trust lines initdb wrote
my $hba = $node->data_dir . '/pg_hba.conf';
my $hba_text = slurp_file($hba);
open my $fh, '>', $hba or die "$hba: $!";
print $fh "host all regress_bi 127.0.0.1/32 scram-sha-256\n", $hba_text;
close $fh;
$node->start;

my $password = 'bi-' . $$ . '-secret';
my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
$node->safe_psql('postgres', 'CREATE EXTENSION omnichannel');
$node->safe_psql('postgres', slurp_file("$clients/scenario.sql"));
is($node->safe_psql('postgres', 'SELECT count(*) FROM omnichannel.interaction'),
	'9', 'the scenario holds 9 interactions');
$node->safe_psql('postgres', "CREATE ROLE regress_bi LOGIN PASSWORD '$password'");
is($node->safe_psql('postgres', "SELECT string_agg(v::text, ',') FROM omnichannel.grant_reporting('regress_bi') AS v"),
	'omnichannel.channel_kpis,omnichannel.thread_facts,omnichannel.sla_attainment,omnichannel.channel_transitions',
	'grant_reporting grants the four reporting views');

my $port = $node->port;
$node->connect_fails("host=127.0.0.1 port=$port dbname=postgres user=regress_bi password=wrong",
	'the reporting role needs its password over TCP',
	expected_stderr => qr/password authentication failed/);

my %client_env = (
	OC_BI_HOST      => '127.0.0.1',
	OC_BI_PORT      => $port,
	OC_BI_DBNAME    => 'postgres',
	OC_BI_USER      => 'regress_bi',
	OC_BI_PASSWORD  => $password,
	OC_BI_COLUMNS   => "$clients/columns.tsv",
	OC_360_USER     => $superuser,    # trust on loopback: the application side
	OC_360_PASSWORD => '',);

# -- psycopg2 ------------------------------------------------------------------------

{
	local %ENV = (%ENV, %client_env);
	my ($ok, $out, $err) = run_capture([ $python, "$clients/reporting_psycopg2.py" ]);
	pass_through('psycopg2', $ok, $out, $err);
}

# -- JDBC ----------------------------------------------------------------------------

{
	my $classes = PostgreSQL::Test::Utils::tempdir('jdbc');
	my ($ok, $out, $err) = run_capture(
		[ 'javac', '-Xlint:all', '-d', $classes, '-cp', $jar, "$clients/ReportingJdbc.java" ]);
	ok($ok, 'ReportingJdbc.java compiles') or diag $out . $err;
	diag("javac: $err") if $ok && $err ne '';
	local %ENV = (%ENV, %client_env);
	($ok, $out, $err) = run_capture([ 'java', '-cp', "$classes:$jar", 'ReportingJdbc' ]);
	pass_through('jdbc', $ok, $out, $err);
}

$node->stop;
done_testing();

# -- helpers -------------------------------------------------------------------------

# run_capture([cmd...]) -> (exited 0, stdout, stderr); a missing program is a
# failure with its error in stderr, not a die.
sub run_capture
{
	my ($cmd) = @_;
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run($cmd, '<', \undef, '>', \$out, '2>', \$err,
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	};
	$err .= $@ if $@;
	return ($ok ? 1 : 0, $out, $err);
}

# One Test::More result per "ok N - name" / "not ok N - name # got X expected Y"
# line of a client; "# skip ..." lines become TAP skips, other "#" lines notes;
# then its plan line, its result count and its exit status.
sub pass_through
{
	my ($client, $exited_ok, $out, $err) = @_;
	my ($results, $plan) = (0, undef);
	for my $line (split /\n/, $out)
	{
		if ($line =~ /^ok \d+ - (.*)$/)
		{
			$results++;
			pass("$client: $1");
		}
		elsif ($line =~ /^not ok \d+ - (.*?)(?: # (got .*))?$/)
		{
			$results++;
			fail("$client: $1");
			diag("$client: $2") if defined $2;
		}
		elsif ($line =~ /^#\s*skip\s+(.*)$/i)
		{
		  SKIP: { skip("$client: $1", 1); }
		}
		elsif ($line =~ /^1\.\.(\d+)$/)
		{
			$plan = $1;
		}
		elsif ($line =~ /^#/)
		{
			note("$client: $line");
		}
		elsif ($line ne '')
		{
			diag("$client stdout: $line");
		}
	}
	ok(defined $plan && $plan == $results && $results > 0,
		"$client: ran to its plan (" . ($plan // 'no plan') . ", $results results)");
	ok($exited_ok, "$client: exit status 0")
	  or diag($err eq '' ? "$client: no stderr" : "$client stderr:\n$err");
	return;
}
