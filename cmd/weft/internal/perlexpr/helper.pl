# The perl side of package perlexpr: compiles the expressions of a run once
# and evaluates them for each job. Frames on stdin and stdout, each a 4-byte
# big-endian length and that many bytes; protocol.go describes them.
#
# weft_compile comes first, before any lexical variable is declared, so
# that the code it compiles sees none of this program's variables.
sub weft_compile {
	return eval("sub { no strict; no warnings; my \$job = shift;\n#line 1\n"
		. $_[0] . "\n}");
}

use strict;
use warnings;
use B ();
use POSIX ();

# The functions an expression may call, with the prototypes GNU parallel
# gives them, so that `uq`, `skip` and `Q $x` parse the same way.

# Q quotes a string for a Bourne shell, as GNU parallel does.
sub Q($) {
	my $s = $_[0];
	return "''" if !defined $s || $s eq '';
	return $s if $s !~ m{[^-_.+a-zA-Z0-9/]};
	$s =~ s/'/'"'"'/g;
	$s = "'" . $s . "'";
	$s =~ s/^''//;
	$s =~ s/''$//;
	return $s;
}

# pQ quotes a string for a perl double-quoted string.
sub pQ($) {
	my $s = $_[0];
	$s =~ s/([\\"\$\@])/\\$1/g if defined $s;
	return $s;
}

sub uq() { $weft::unquote = 1 }
sub hash($) { B::hash($_[0]) }
sub total_jobs() { $weft::job->total_jobs() }
sub slot() { $weft::job->slot() }
sub seq() { $weft::job->seq() }
sub skip() { $weft::job->skip() }

# uniq returns the distinct values among its arguments (--plus's {uniq}).
sub uniq {
	no warnings;
	my %seen;
	return grep { !$seen{$_}++ } @_;
}

# make_regexp_ungreedy makes every quantifier of a regexp (*, + and {n,m})
# outside character classes lazy, as --plus's {#x} and {%x} need.
sub make_regexp_ungreedy {
	my ($out, $class, $escaped, $quantified) = ('', 0, 0, 0);
	for my $c (split //, $_[0]) {
		$out .= '?' if $quantified && $c ne '?';
		$quantified = 0;
		$out .= $c;
		if ($escaped) {
			$escaped = 0;
		} elsif ($c eq '\\') {
			$escaped = 1;
		} elsif ($class) {
			$class = 0 if $c eq ']';
		} elsif ($c eq '[') {
			$class = 1;
		} elsif ($c =~ /[*+}]/) {
			$quantified = 1;
		}
	}
	return $quantified ? "$out?" : $out;
}

{
	my %formats = (
		yyyy_mm_dd_hh_mm_ss => '%Y-%m-%dT%H:%M:%S',
		yyyy_mm_dd_hh_mm    => '%Y-%m-%dT%H:%M',
		yyyy_mm_dd          => '%Y-%m-%d',
		hh_mm_ss            => '%H:%M:%S',
		hh_mm               => '%H:%M',
		yyyymmddhhmmss      => '%Y%m%d%H%M%S',
		yyyymmddhhmm        => '%Y%m%d%H%M',
		yyyymmdd            => '%Y%m%d',
		hhmmss              => '%H%M%S',
		hhmm                => '%H%M',
	);
	no strict 'refs';
	for my $name (keys %formats) {
		my $format = $formats{$name};
		*{"main::$name"} = sub (;$) {
			POSIX::strftime($format, localtime(@_ ? $_[0] : time()));
		};
	}
}

# exit inside an expression fails that evaluation instead of ending the
# evaluator under every other job.
{
	no warnings 'once';
	*CORE::GLOBAL::exit = sub (;$) { die "exit called in a perl expression\n" };
}

# $job inside an expression.
package weft::Job;

sub seq { $_[0]{seq} }
sub slot { $_[0]{slot} }
sub skip { $_[0]{skip} = 1 }

sub total_jobs {
	my $t = $_[0]{total};
	die "total_jobs() is not known in this run\n" unless $t > 0;
	return $t;
}

package weft;

our ($job, $unquote);

# --trim: the blanks to take off each argument before an expression sees it
# in $_ (l, r, lr or rl; n or none: nothing).
my $trim = $ARGV[0] // 'n';
my $trim_left = $trim eq 'l' || $trim eq 'lr' || $trim eq 'rl';
my $trim_right = $trim eq 'r' || $trim eq 'lr' || $trim eq 'rl';

# The protocol keeps file descriptors of its own; STDIN and STDOUT become
# /dev/null and stderr, so that an expression that reads or prints cannot
# break a frame.
open(my $in, '<&', \*STDIN) or die "perlexpr: dup stdin: $!\n";
open(my $out, '>&', \*STDOUT) or die "perlexpr: dup stdout: $!\n";
open(STDIN, '<', '/dev/null') or die "perlexpr: /dev/null: $!\n";
open(STDOUT, '>&', \*STDERR) or die "perlexpr: stdout to stderr: $!\n";
binmode $in;
binmode $out;
$out->autoflush(1);

# read_frame returns the next frame's payload, or undef at the end of input.
sub read_frame {
	my $head = read_n(4);
	return undef unless defined $head;
	my $n = unpack('N', $head);
	return '' if $n == 0;
	my $p = read_n($n);
	die "perlexpr: frame cut short\n" unless defined $p;
	return $p;
}

sub read_n {
	my $n = shift;
	my $buf = '';
	while (length($buf) < $n) {
		my $r = read($in, $buf, $n - length($buf), length($buf));
		die "perlexpr: read: $!\n" unless defined $r;
		return undef if $r == 0;
	}
	return $buf;
}

sub write_frame {
	print $out pack('N/a*', $_[0]) or die "perlexpr: write: $!\n";
}

sub one_line {
	my $m = "$_[0]";
	$m =~ s/\s+\z//;
	$m =~ s/\s*\n\s*/; /g;
	return $m;
}

# The first frame holds every expression: compile them all, or report the
# first that does not compile.
my @subs;
{
	my $p = read_frame();
	exit 0 unless defined $p;
	my ($n, @codes) = unpack('N (N/a*)*', $p);
	for my $i (0 .. $#codes) {
		my $sub = main::weft_compile($codes[$i]);
		if (!$sub) {
			write_frame(pack('C N N/a*', 1, $i, one_line($@)));
			exit 0;
		}
		push @subs, $sub;
	}
	write_frame(pack('C', 0));
}

# Then one frame per job: evaluate each call, each (expression, argument)
# pair once, as GNU parallel caches them within a job.
my %layout; # unpack templates by "ncalls nargs"
while (defined(my $p = read_frame())) {
	my ($nargs, $ncalls) = unpack('x20 N N', $p);
	my ($seq, $total, $slot, @v) = unpack(
		$layout{"$ncalls $nargs"} //= "q> q> N x8 (NN)$ncalls (N/a*)$nargs", $p);
	my @args = @v[2 * $ncalls .. $#v];
	my $j = bless { seq => $seq, slot => $slot, total => $total, skip => 0 },
		'weft::Job';
	local $job = $j;
	no warnings 'once';
	local *main::arg = [undef, @args];
	my (%done, $reply, $failed);
	$reply = '';
	for my $k (0 .. $ncalls - 1) {
		my ($e, $i) = ($v[2 * $k], $v[2 * $k + 1]);
		my $key = "$e $i";
		if (!exists $done{$key}) {
			local $_ = $args[$i];
			s/^\s+// if $trim_left;
			s/\s+$// if $trim_right;
			$unquote = 0;
			if (!eval { $subs[$e]->($j); 1 }) {
				$failed = pack('C C N N/a*', 1, 0, $k, one_line($@));
				last;
			}
			my $val = defined $_ ? "$_" : '';
			utf8::encode($val) if utf8::is_utf8($val);
			$done{$key} = pack('C N/a*', $unquote ? 1 : 0, $val);
		}
		$reply .= $done{$key};
	}
	write_frame($failed // pack('C C', 0, $j->{skip} ? 1 : 0) . $reply);
}
exit 0;
