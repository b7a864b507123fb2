package main

import (
	"slices"
	"testing"
)

// A small tutorial of our own, in the two forms the instrument reads: the
// HTML pod2html writes and the POD source. Both must give the same examples.
const (
	miniTutorialHTML = `<h1 id="Prerequisites">Prerequisites</h1>
<dl>
<dt id="letters">letters:</dt>
<dd>
<p>Make it with:</p>
<pre><code>printf &#39;x\ny\n&#39; &gt; letters</code></pre>
</dd>
<dt id="tool">The tool</dt>
<dd>
<pre><code>$ wget example.org &gt; install.sh</code></pre>
</dd>
</dl>
<h1 id="Basics">Basics</h1>
<h2 id="Inputs">Inputs</h2>
<p>Echo the <b>letters</b>:</p>
<pre><code>parallel echo :::: letters</code></pre>
<p>Output (the order may be different):</p>
<pre><code>x
y</code></pre>
<p>Or from stdin:</p>
<pre><code>cat letters | parallel echo</code></pre>
<p>Output: Same as above.</p>
<p>Two at once:</p>
<pre><code>parallel --plus echo {..} ::: a.b.c
parallel --plus echo {...} \
  ::: a.b.c</code></pre>
<p>Output will be similar to:</p>
<pre><code>parallel: a</code></pre>
<h2 id="State">State</h2>
<pre><code>greet() {
  echo hi $1
}
export -f greet
parallel --joblog /tmp/jl greet ::: a</code></pre>
<p>Then:</p>
<pre><code>parallel --resume --joblog /tmp/jl greet ::: a b</code></pre>
<p>Others:</p>
<pre><code>parallel --tty vi ::: f</code></pre>
<p>.</p>
<pre><code>parallel -S2/$SERVER1 echo ::: x</code></pre>
<p>.</p>
<pre><code>parallel -Sbox echo ::: x</code></pre>
<p>.</p>
<pre><code>sem --wait</code></pre>
<p>.</p>
<pre><code>parallel --version</code></pre>
<h1 id="Remote-execution">Remote execution</h1>
<pre><code>parallel echo ::: on a host</code></pre>
`
	miniTutorialPOD = `#!/usr/bin/perl -w

# not POD

=head1 Prerequisites

=over 4

=item letters:

Make it with:

  printf 'x\ny\n' > letters

=item The tool

  $ wget example.org > install.sh

=back

=head1 Basics

=head2 Inputs

Echo the B<letters>:

  parallel echo :::: letters

Output (the order may be different):

  x
  y

Or from stdin:

  cat letters | parallel echo

Output: Same as above.

Two at once:

  parallel --plus echo {..} ::: a.b.c
  parallel --plus echo {...} \
    ::: a.b.c

Output will be similar to:

=for pod2rst next-code-block: text

  parallel: a

=head2 State

  greet() {
    echo hi $1
  }
  export -f greet
  parallel --joblog /tmp/jl greet ::: a

Then:

  parallel --resume --joblog /tmp/jl greet ::: a b

Others:

  parallel --tty vi ::: f

.

  parallel -S2/$SERVER1 echo ::: x

.

  parallel -Sbox echo ::: x

.

  sem --wait

.

  parallel --version

=head1 Remote execution

  parallel echo ::: on a host

=cut
`
)

func TestTutorialExtraction(t *testing.T) {
	want := []tutorialExample{
		{section: "Basics / Inputs", text: "parallel echo :::: letters", orderFree: true, shown: "x\ny\n"},
		{section: "Basics / Inputs", text: "cat letters | parallel echo", orderFree: true},
		{section: "Basics / Inputs", text: "parallel --plus echo {..} ::: a.b.c", varies: true},
		{section: "Basics / Inputs", text: "parallel --plus echo {...} \\\n  ::: a.b.c", varies: true},
		{section: "Basics / State", text: "greet() {\n  echo hi $1\n}\nexport -f greet\nparallel --joblog /tmp/jl greet ::: a"},
		{section: "Basics / State", text: "parallel --resume --joblog /tmp/jl greet ::: a b", prelude: []int{4}},
		{section: "Basics / State", text: "parallel --tty vi ::: f", scope: "terminal (option)"},
		{section: "Basics / State", text: "parallel -S2/$SERVER1 echo ::: x", scope: "remote hosts ($SERVER)"},
		{section: "Basics / State", text: "parallel -Sbox echo ::: x", scope: "remote hosts (option)"},
		{section: "Basics / State", text: "sem --wait", scope: "companion tool sem"},
		{section: "Basics / State", text: "parallel --version", scope: "describes GNU parallel itself (--help, --version, --citation, --minversion)"},
		{section: "Remote execution", text: "parallel echo ::: on a host", scope: "remote hosts (section Remote execution)"},
	}
	wantFixtures := []tutorialFixture{{name: "letters", command: `printf 'x\ny\n' > letters`}}
	for _, form := range []struct {
		name  string
		paras []docPara
	}{{"html", parseTutorialHTML(miniTutorialHTML)}, {"pod", parseTutorialPOD(miniTutorialPOD)}} {
		got, fixtures := extractExamples(form.paras)
		if !slices.Equal(fixtures, wantFixtures) {
			t.Errorf("%s: fixtures %q; want %q", form.name, fixtures, wantFixtures)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d examples; want %d:\n%q", form.name, len(got), len(want), got)
			continue
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.section != w.section || g.text != w.text || g.scope != w.scope || g.orderFree != w.orderFree ||
				g.varies != w.varies || g.shown != w.shown || !slices.Equal(g.prelude, w.prelude) {
				t.Errorf("%s: example %d:\ngot  %#v\nwant %#v", form.name, i, g, w)
			}
		}
	}
}

// The stdout an Output block shows is the block without GNU parallel's
// messages, which go to stderr.
func TestTutorialShownStdout(t *testing.T) {
	block := "0\n1\nparallel: This job failed:\necho 1; exit 1\n2\nparallel: Starting no more jobs. Waiting for 1 jobs to finish.\n3"
	if got, want := shownStdout(block), "0\n1\n2\n3\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	block = "1\n0\nparallel: This job succeeded:\necho 0; exit 0"
	if got, want := shownStdout(block), "1\n0\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestTutorialRewriteTmp(t *testing.T) {
	got := rewriteTmp("cat /tmp/log; x=/tmp/y; ls /tmpfoo a/tmp/b '/tmp' >/tmp/o; TMPDIR=/var/tmp p", "/R")
	want := "cat /R/log; x=/R/y; ls /tmpfoo a/tmp/b '/R' >/R/o; TMPDIR=/R p"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestTutorialRefusedOption(t *testing.T) {
	tests := []struct{ line, want string }{
		{`weft: unknown option "--link" (see weft --help)`, "--link"},
		{`weft: unknown option "-N3" (see weft --help)`, "-N"},
		{`weft: unknown option "-kN1" (see weft --help)`, "-kN1"},
		{`weft: unknown option "--tagstring=x" (see weft --help)`, "--tagstring"},
		{`weft: bad value for -j: "my_jobs" (want N >= 0, or N% of the CPUs)`, "-j"},
		{`weft: cannot read input file: open :::+: no such file or directory`, ":::+"},
		{`weft: no command given`, "no command given"},
	}
	for _, tt := range tests {
		if got := refusedOption(tt.line); got != tt.want {
			t.Errorf("%q: got %q; want %q", tt.line, got, tt.want)
		}
	}
	if got := weftRefusal("weft: halting after job 3 (exit 1)\nweft: job 2: fork failed\n"); got != "" {
		t.Errorf("reports of jobs and halts taken for a refusal: %q", got)
	}
	if got := weftRefusal("other\nweft: unknown option \"-q\" (see weft --help)\n"); got != `weft: unknown option "-q" (see weft --help)` {
		t.Errorf("refusal not found: %q", got)
	}
}

func TestTutorialJudge(t *testing.T) {
	run := func(stdout string, status int, stderr string) tutorialRun {
		return tutorialRun{stdout: stdout, status: status, stderr: stderr}
	}
	tests := []struct {
		name          string
		example       tutorialExample
		gnuA, gnuB, w tutorialRun
		want          string
		mode          compareMode
	}{
		{"exact", tutorialExample{text: "parallel -k echo ::: a b"},
			run("a\nb\n", 0, ""), run("a\nb\n", 0, ""), run("a\nb\n", 0, ""), "same", compareExact},
		{"order kept by -k", tutorialExample{text: "parallel -k echo ::: a b"},
			run("a\nb\n", 0, ""), run("a\nb\n", 0, ""), run("b\na\n", 0, ""), "different", compareExact},
		{"order free without -k", tutorialExample{text: "parallel echo ::: a b"},
			run("a\nb\n", 0, ""), run("a\nb\n", 0, ""), run("b\na\n", 0, ""), "same", compareExact},
		{"tutorial says any order", tutorialExample{text: "parallel -k x", orderFree: true},
			run("a\nb\n", 0, ""), run("a\nb\n", 0, ""), run("b\na\n", 0, ""), "same", compareAnyOrder},
		{"GNU runs differ by order", tutorialExample{text: "parallel -k x"},
			run("a\nb\n", 0, ""), run("b\na\n", 0, ""), run("b\na\n", 0, ""), "same", compareAnyOrder},
		{"times masked", tutorialExample{text: "parallel -k date"},
			run("12:01:02\n", 0, ""), run("12:01:05\n", 0, ""), run("13:00:00\n", 0, ""), "same", compareMasked},
		{"tutorial says it varies", tutorialExample{text: "parallel -k x", varies: true},
			run("1\n2\n1\n", 0, ""), run("1\n2\n1\n", 0, ""), run("2\n1\n2\n", 0, ""), "same", compareMasked},
		{"line count", tutorialExample{text: "parallel -k mktemp"},
			run("/t/abc\n", 0, ""), run("/t/xyz\n", 0, ""), run("/t/q\n/t/r\n", 0, ""), "different", compareCount},
		{"exit status differs", tutorialExample{text: "parallel -k x"},
			run("a\n", 1, ""), run("a\n", 1, ""), run("a\n", 0, ""), "different", compareExact},
		{"refused", tutorialExample{text: "parallel -k --link x"},
			run("a\n", 0, ""), run("a\n", 0, ""), run("", 255, "weft: unknown option \"--link\" (see weft --help)\n"), "refused", compareExact},
		{"refused by both", tutorialExample{text: "parallel --new x"},
			run("", 255, "parallel: Error: unknown"), run("", 255, ""), run("", 255, "weft: unknown option \"--new\"\n"), "same", compareExact},
		{"refused but output matches", tutorialExample{text: "parallel --rpl x\n::: a"},
			run("", 127, ""), run("", 127, ""), run("", 127, "weft: unknown option \"--rpl\"\n"), "refused", compareExact},
		{"command not found", tutorialExample{text: "f() { :; }; export -f f; parallel -k f ::: a"},
			run("", 1, ""), run("", 1, ""), run("", 1, "/bin/sh: 1: f: not found\n"), "different", compareExact},
		{"timed out", tutorialExample{text: "parallel -k x"},
			run("", 0, ""), run("", 0, ""), tutorialRun{status: -1, timedOut: true}, "different", compareExact},
	}
	for _, tt := range tests {
		j := &tutorialJob{example: tt.example, gnuA: tt.gnuA, gnuB: tt.gnuB, weft: tt.w}
		if v := judge(j); v.kind != tt.want || v.mode != tt.mode {
			t.Errorf("%s: got %s (compared %v); want %s (compared %v)", tt.name, v.kind, v.mode, tt.want, tt.mode)
		}
	}
}

// TestTutorialJudgeRaces: an example whose first weft run differed but
// another run gave GNU parallel's output is a race, not a misread; a
// refusal stays a refusal, and the same stays the same.
func TestTutorialJudgeRaces(t *testing.T) {
	run := func(stdout string, status int, stderr string) tutorialRun {
		return tutorialRun{stdout: stdout, status: status, stderr: stderr}
	}
	gnu := run("0\n0\n1\n", 1, "")
	for _, tt := range []struct {
		name string
		w    tutorialRun
		want string
	}{
		{"differs", run("0\n1\n", 1, ""), "race"},
		{"refused", run("", 255, "weft: unknown option \"--link\" (see weft --help)\n"), "refused"},
		{"same", run("0\n0\n1\n", 1, ""), "same"},
	} {
		j := &tutorialJob{example: tutorialExample{text: "parallel -k -j2 --halt now,fail=1 x"}, gnuA: gnu, gnuB: gnu, weft: tt.w, raced: true}
		if v := judge(j); v.kind != tt.want {
			t.Errorf("%s: got %s; want %s", tt.name, v.kind, tt.want)
		}
		j.raced = false
		if v := judge(j); tt.want == "race" && v.kind != "different" {
			t.Errorf("%s, not raced: got %s; want different", tt.name, v.kind)
		}
	}
}

// TestTutorialJudgeAsShown: an example whose weft runs all differ from GNU
// parallel's, but give the output the tutorial shows for it, with GNU
// parallel's exit status, is a race too; any other difference is not.
func TestTutorialJudgeAsShown(t *testing.T) {
	run := func(stdout string, status int, stderr string) tutorialRun {
		return tutorialRun{stdout: stdout, status: status, stderr: stderr}
	}
	gnu := run("0\n0\n1\n2\n", 1, "")
	ex := tutorialExample{text: "parallel -k -j2 --halt now,fail=1 x", shown: "0\n0\n1\n"}
	for _, tt := range []struct {
		name string
		w    tutorialRun
		want string
	}{
		{"as shown", run("0\n0\n1\n", 1, "weft: halting after job 3\n"), "race"},
		{"as shown, another exit status", run("0\n0\n1\n", 0, ""), "different"},
		{"neither", run("0\n1\n", 1, ""), "different"},
		{"as GNU parallel", run("0\n0\n1\n2\n", 1, ""), "same"},
	} {
		j := &tutorialJob{example: ex, gnuA: gnu, gnuB: gnu, weft: tt.w}
		v := judge(j)
		if v.kind != tt.want || v.asShown != (tt.want == "race") {
			t.Errorf("%s: got %s (as shown: %v); want %s", tt.name, v.kind, v.asShown, tt.want)
		}
	}
	noShown := ex
	noShown.shown = ""
	j := &tutorialJob{example: noShown, gnuA: gnu, gnuB: gnu, weft: run("0\n0\n1\n", 1, "")}
	if v := judge(j); v.kind != "different" {
		t.Errorf("no output shown: got %s; want different", v.kind)
	}
}
