# Docs that run: every ```sql block of README.md and docs/*.md, in page
# order, in a fresh instance with a fresh database that has only the
# extension (search_path set as docs/install.md recommends) and what the page
# itself creates.
#
# - A statement that fails is a failure, unless the page says so: a comment
#   containing ERROR on the statement's last line or on one of the two lines
#   after it (the page shows the error it expects).
# - A statement that returns rows (SELECT, VALUES, WITH, ... RETURNING) with
#   a comment after its semicolon shows its result:
#   "SELECT omnichannel.thread_token(42);   -- [#T42]".  The result in psql's
#   unaligned form (columns separated by "|", spaces around it ignored, rows
#   by " ; ") must equal the comment.  A remark about such a statement goes
#   on a line of its own.
# - An sql block followed by a plain ``` (or ```text) block in psql's aligned
#   form (a header, then a +-separator) shows the result of its last
#   statement: psql's aligned output must be that table (trailing blanks and
#   the row-count footer aside).
# - The data of a COPY ... FROM STDIN follows it in the block, up to "\.".
# - Fragments and pseudo-code use another fence (```text), and are not run.
use strict;
use warnings;
use File::Basename;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $src = $ENV{OC_SRCDIR} // "$FindBin::Bin/..";
my @pages = ("$src/README.md", sort glob("$src/docs/*.md"));

# The sql blocks of a page: [page line, text] per line, in order.
sub sql_lines
{
	my ($page) = @_;
	my @out;
	my $in = 0;
	my $n = 0;
	open my $fh, '<', $page or die "$page: $!";
	while (my $l = <$fh>)
	{
		$n++;
		chomp $l;
		if ($in)
		{
			if ($l =~ /^\s*```/) { $in = 0; next; }
			push @out, [ $n, $l ];
		}
		elsif ($l =~ /^\s*```sql\s*$/)
		{
			$in = 1;
		}
	}
	close $fh;
	return @out;
}

# Result tables: an sql block followed (blank lines apart) by a plain ``` or
# ```text block that is psql's aligned output (a header, a +-separator).
# Returns {page line of the block's last sql line => [table lines]}.
sub shown_tables
{
	my ($page) = @_;
	open my $fh, '<', $page or die "$page: $!";
	my @l = <$fh>;
	close $fh;
	chomp @l;
	my %t;
	for (my $i = 0; $i < @l; $i++)
	{
		next unless $l[$i] =~ /^\s*```sql\s*$/;
		my $j = $i + 1;
		$j++ while $j < @l && $l[$j] !~ /^\s*```/;
		my $last = $j;		# page line (1-based) of the block's last sql line
		my $k = $j + 1;
		$k++ while $k < @l && $l[$k] =~ /^\s*$/;
		next unless $k + 2 < @l && $l[$k] =~ /^\s*```(text)?\s*$/
		  && $l[$k + 1] =~ /\|/ && $l[$k + 2] =~ /^-+(\+-+)+$/;
		my @table;
		for (my $m = $k + 1; $m < @l && $l[$m] !~ /^\s*```/; $m++)
		{
			push @table, $l[$m];
		}
		$t{$last} = \@table;
		$i = $j;
	}
	return \%t;
}

my $checked_pages = 0;
for my $page (@pages)
{
	my @lines = sql_lines($page);
	next unless @lines;
	my $tables = shown_tables($page);
	my %table_at;		# marker id => [page line, table lines]
	my $name = basename($page, '.md');
	(my $db = lc "doc_$name") =~ s/[^a-z0-9_]/_/g;

	# The script: every line, a result check around the one-line SELECTs
	# that show their result.  $map[i] is the page line of script line i+1.
	my (@script, @map, %expect);
	my $id = 0;
	my $stmt_at;		# index in @script where the current statement began
	my $stmt_text = '';
	my $copy_data = 0;	# inside the data of a COPY ... FROM STDIN
	for my $i (0 .. $#lines)
	{
		my ($n, $l) = @{ $lines[$i] };
		if ($copy_data)
		{
			push @script, $l;
			push @map, $n;
			$copy_data = 0 if $l eq '\\.';
			next;
		}
		(my $code = $l) =~ s/--.*$//;
		if (!defined $stmt_at && $code =~ /\S/)
		{
			$stmt_at = scalar @script;
			$stmt_text = '';
		}
		push @script, $l;
		push @map, $n;
		next unless defined $stmt_at;
		$stmt_text .= "$code\n";
		next unless $code =~ /;\s*$/;
		$copy_data = 1 if $stmt_text =~ /\bFROM\s+STDIN\b/i;

		# The statement ends here.  If it ends its block and a result table
		# follows the block, its aligned output must be that table.
		if ($tables->{$n} && $stmt_text =~ /^\s*(?:SELECT|VALUES|WITH|TABLE)\b|\bRETURNING\b/i)
		{
			$id++;
			$table_at{$id} = [ $n, $tables->{$n} ];
			splice @script, $stmt_at, 0, "\\pset format aligned", "\\pset tuples_only off",
			  "\\pset footer off", "\\echo '<<<$id'";
			splice @map, $stmt_at, 0, ($map[$stmt_at]) x 4;
			push @script, "\\echo '>>>$id'", "\\pset format unaligned", "\\pset tuples_only on";
			push @map, $n, $n, $n;
			undef $stmt_at;
			next;
		}
		# A comment after it shows its result if the statement returns rows.
		my ($shown) = $l =~ /;\s*--\s*(.*?)\s*$/;
		if (defined $shown && $shown ne '' && $shown !~ /ERROR/
			&& $stmt_text =~ /^\s*(?:SELECT|VALUES|WITH)\b|\bRETURNING\b/i)
		{
			$id++;
			$expect{$id} = [ $n, $shown ];
			splice @script, $stmt_at, 0, "\\echo '<<<$id'";
			splice @map, $stmt_at, 0, $map[$stmt_at];
			push @script, "\\echo '>>>$id'";
			push @map, $n;
		}
		undef $stmt_at;
	}
	my $file = "$PostgreSQL::Test::Utils::tmp_check/$db.sql";
	open my $fh, '>', $file or die "$file: $!";
	print $fh join("\n", @script), "\n";
	close $fh;

	my $node = PostgreSQL::Test::Cluster->new($db);
	$node->init;
	$node->start;
	$node->safe_psql('postgres', qq{CREATE DATABASE $db});
	$node->safe_psql($db, qq{
CREATE EXTENSION omnichannel;
ALTER DATABASE $db SET search_path = "\$user", omnichannel, public;});
	my ($ret, $stdout, $stderr) = $node->psql($db, undef,
		extra_params => [ '-At', '-v', 'ON_ERROR_STOP=0', '-f', $file ]);

	# Errors the page does not announce.
	my %text = map { $_->[0] => $_->[1] } @lines;
	my @unexpected;
	while ($stderr =~ /^psql:[^\n]*?:(\d+): ERROR:\s+([^\n]*)/mg)
	{
		my ($sl, $msg) = ($1, $2);
		my $pl = $map[$sl - 1];
		my $shown = grep { defined $text{$_} && $text{$_} =~ /ERROR/ } ($pl .. $pl + 2);
		push @unexpected, "line $pl: $msg" unless $shown;
	}
	my $rel = $page;
	$rel =~ s{^\Q$src\E/}{};
	is(scalar @unexpected, 0, "$rel: every statement runs or fails as the page says")
	  or diag join("\n", @unexpected);

	# Shown results.
	my @wrong;
	for my $k (sort { $a <=> $b } keys %expect)
	{
		my ($pl, $shown) = @{ $expect{$k} };
		my ($got) = $stdout =~ /<<<$k\n(.*?)>>>$k(?:\n|$)/s;
		$got //= '(no result)';
		chomp $got;
		$got =~ s/\n/ ; /g;
		(my $norm = $shown) =~ s/\s*\|\s*/|/g;
		push @wrong, "line $pl: shows \"$shown\", gives \"$got\"" if $got ne $norm;
	}
	is(scalar @wrong, 0, "$rel: " . scalar(keys %expect) . " shown results are the results")
	  or diag join("\n", @wrong);

	# Shown result tables (trailing blanks and the row-count footer aside).
	my @bad_tables;
	for my $k (sort { $a <=> $b } keys %table_at)
	{
		my ($pl, $want) = @{ $table_at{$k} };
		my ($got) = $stdout =~ /<<<$k\n(.*?)>>>$k(?:\n|$)/s;
		my @g = grep { !/^\(\d+ rows?\)$/ } split /\n/, ($got // '');
		my @w = grep { !/^\(\d+ rows?\)$/ } @$want;
		s/\s+$// for @g, @w;
		pop @g while @g && $g[-1] eq '';
		pop @w while @w && $w[-1] eq '';
		push @bad_tables, "line $pl: shows\n" . join("\n", @w) . "\ngives\n" . join("\n", @g)
		  if join("\n", @g) ne join("\n", @w);
	}
	is(scalar @bad_tables, 0, "$rel: " . scalar(keys %table_at) . " result tables are the results")
	  or diag join("\n", @bad_tables);
	$node->stop;
	$checked_pages++;
}
cmp_ok($checked_pages, '>=', 10, 'pages with sql blocks were found');
done_testing();
