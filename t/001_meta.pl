# META.json is a valid PGXN META (spec 1.0.0) and names the version the
# control file installs; the server offers that same version.
use strict;
use warnings;
use FindBin;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use Test::More;

my $src = $ENV{OC_SRCDIR} // "$FindBin::Bin/..";

open my $fh, '<', "$src/omnichannel.control" or die "omnichannel.control: $!";
my ($control_version) = map { /^default_version\s*=\s*'([^']+)'/ ? $1 : () } <$fh>;
close $fh;
ok(defined $control_version, 'control file has a default_version');

my $meta_text = do { local $/; open my $m, '<', "$src/META.json" or die "META.json: $!"; <$m> };
my $meta = eval { JSON::PP->new->decode($meta_text) };
ok($meta, 'META.json is valid JSON') or diag $@;

for my $key (qw(name abstract version maintainer license provides meta-spec))
{
	ok(exists $meta->{$key}, "META.json has required key \"$key\"");
}
is($meta->{'meta-spec'}{version}, '1.0.0', 'META spec version is 1.0.0');
like($meta->{version}, qr/^\d+\.\d+\.\d+$/, 'version is semantic (major.minor.patch)');
is($meta->{version}, $control_version, 'META.json version equals the control file');
is($meta->{provides}{omnichannel}{version}, $control_version,
	'provides.omnichannel.version equals the control file');
is($meta->{provides}{omnichannel}{file}, 'omnichannel.control', 'provides names the control file');

my $node = PostgreSQL::Test::Cluster->new('meta');
$node->init;
$node->start;
is($node->safe_psql('postgres',
		"SELECT default_version FROM pg_available_extensions WHERE name = 'omnichannel'"),
	$control_version, 'the installed extension offers the control file version');
$node->stop;

done_testing();
