package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tutorials the instrument reads. Their text stays where it is installed:
// nothing of it is copied into this repository.
const (
	// tutorialDebian is the tutorial of the GNU parallel that Debian
	// installs (20221122; apt-get install parallel). Debian's package also
	// ships a parallel_tutorial.rst, but it is empty: the HTML is the same
	// tutorial, rendered by pod2html.
	tutorialDebian = "/usr/share/doc/parallel/parallel_tutorial.html"
	// tutorialPODEnv names a newer tutorial's POD source, read as well when
	// set (release 20260422 here). The examples still run against the
	// installed GNU parallel.
	tutorialPODEnv = "WEFT_GNU_TUTORIAL"

	tutorialTimeout = 20 * time.Second // per run of an example
	tutorialWorkers = 6                // examples run at once (most of their time is sleep)
)

// The floors the tutorial's results must not fall below: the share of the
// in-scope examples that give the same stdout and exit status as GNU
// parallel. The goal is 0.95 for both. They are a share, not a count,
// because how many examples are in scope depends a little on the machine
// (the "takes too long" rule). Today: 134 of 140 (95.7%) in both
// tutorials, on a loaded machine (load 10-50); of the rest, one is refused
// by name (-v given twice, in a profile) and five are the races below. The
// floors leave room for a loaded machine's races, which are not the same
// output but are not misreads either.
const (
	tutorialSameFloorDebian = 0.90
	tutorialSameFloorPOD    = 0.90
)

// tutorialMisreadsAllowed is how many in-scope examples weft may today run
// and get wrong in each of its runs (a MISREAD: weft did not refuse, yet
// its stdout or exit status differs from GNU parallel's every time). It
// must come down to 0: a user's command line is either run as GNU parallel
// runs it or refused. Today none does. Races are counted apart: an example
// whose first run differs runs again (tutorialReruns), and one that then
// gives GNU parallel's output is a race, not a misread. The known races:
// two jobs started together under -j2 with --halt soon/now or --ungroup
// (which job ends or prints first: GNU parallel starts jobs a few
// milliseconds apart, so quick jobs end before the next starts), and
// --timeout 4.1 on sleep 4 on a loaded machine (weft's timeout is exact;
// GNU parallel checks about every second). An example whose weft runs all
// give the output the tutorial itself shows for it (with GNU parallel's
// exit status) is a race too: --halt's examples, where the tutorial shows
// the running job killed or waited for before the next one ends, as weft
// does, and the installed GNU parallel, slower to see a job end, often
// lets one more job run. Without that rule a quiet machine made weft's
// runs go the tutorial's way every time, and a CI run saw three misreads.
const tutorialMisreadsAllowed = 2

// TestTutorialCompat measures how much of GNU parallel's tutorial the weft
// command runs as written. It reads the tutorial's examples where GNU
// parallel's package installed them (and a newer POD when $WEFT_GNU_TUTORIAL
// names one), makes the input files the Prerequisites section describes
// (with GNU parallel), and runs each in-scope example through bash -c, once
// with weft named parallel first on $PATH and twice with GNU parallel.
//
// Scope is decided by rule (tutorial_parse_test.go): sections about remote
// hosts, SQL, the semaphore, shebang scripts, interactivity and tmux;
// examples that use a companion tool (sem, parset, env_parallel, parcat,
// sql), a remote option (-S, --sshlogin, --slf, --nonall, --onall,
// --transfer*, --trc, --return, --basefile...), a terminal (--tty, --tmux,
// --interactive, -p, keys typed at the terminal), --sql*, --shebang*, zenity,
// or that describe GNU parallel itself (--help, --version, --citation,
// --minversion: weft must not pretend to be it); and, measured, examples
// that GNU parallel itself does not finish within the per-run timeout on
// this machine.
//
// Each run has a fresh directory holding the input files the example names,
// its own $HOME (with ~/.parallel/will-cite, so GNU parallel prints no
// notice) and $TMPDIR, SHELL=/bin/bash, stdin from /dev/null. The absolute
// paths /tmp and /var/tmp in an example are rewritten to the run's own
// temporary directory (the examples run concurrently, and GNU parallel's
// and weft's runs must not share a joblog), and the run's directory is
// replaced by "<run>" in what it prints. When an example uses a file,
// function or variable that an earlier example of its section made (the
// joblog of --resume-failed, a profile, an exported function), those
// examples are first replayed with GNU parallel, output discarded, in the
// same shell.
//
// Fairness: stdout and the exit status are compared; stderr is not (it is
// kept for the report). Stdout is compared exactly, unless the tutorial says
// the order may differ or GNU parallel's two runs differ, then as a multiset
// of lines; if the tutorial says the output varies ("similar to", "may
// vary", "may be swapped") or GNU parallel's two runs still differ, with
// every run of digits masked (times, dates, job slots); and if GNU
// parallel's runs differ even then, by the number of lines only. The last
// two count as "nondeterministic". The exit status may be either of GNU
// parallel's two. Without -k, the same lines in another order are accepted
// (GNU parallel prints a job's output when it ends; jobs that run at once
// may end in either order) and listed apart.
//
// Verdicts: "same"; "refused" when weft printed a usage error (a "weft: "
// line on stderr that is not a report of a job or of a halt) and GNU parallel
// did not refuse too (exit 255): honest, but not passing; else "different",
// a MISREAD: weft ran something, not what GNU parallel runs. A job under
// weft that could not find a command GNU parallel's jobs found (the shell's
// "not found" on stderr: an exported function, say) is "different" even
// when stdout and the exit status match.
//
// go test -run TutorialCompat -v ./cmd/weft/ prints the whole report.
func TestTutorialCompat(t *testing.T) {
	docs := loadTutorials(t)
	gnuPath := os.Getenv("PATH")
	checkGNUParallel(t, gnuPath)
	tr := &tutorialRunner{root: t.TempDir(), gnuPath: gnuPath}
	shim := t.TempDir()
	if err := os.Symlink(weftBin, filepath.Join(shim, "parallel")); err != nil {
		t.Fatal(err)
	}
	tr.weftPath = shim + string(os.PathListSeparator) + gnuPath
	tr.makeFixtures(t, docs)

	// Examples with the same text (the two tutorials share most) run once.
	type key struct{ script, fixtures string }
	jobs := map[key]*tutorialJob{}
	var order []*tutorialJob
	for _, d := range docs {
		d.jobs = make([]*tutorialJob, len(d.examples))
		for i, ex := range d.examples {
			if ex.scope != "" {
				continue
			}
			var prelude []string
			for _, j := range ex.prelude {
				prelude = append(prelude, d.examples[j].text)
			}
			names := tr.fixturesFor(d, strings.Join(append(prelude, ex.text), "\n"))
			k := key{strings.Join(append(prelude, ex.text), "\n\x00"), strings.Join(names, "\x00")}
			if jobs[k] == nil {
				jobs[k] = &tutorialJob{example: ex, prelude: prelude, fixtures: names}
				order = append(order, jobs[k])
			}
			d.jobs[i] = jobs[k]
		}
	}
	// Examples that sleep go first, so that the longest runs do not make
	// the tail of the run.
	slices.SortStableFunc(order, func(a, b *tutorialJob) int {
		return cmp.Compare(sleeps(b), sleeps(a))
	})
	start := time.Now()
	tr.runAll(order)
	t.Logf("ran %d distinct examples in %v", len(order), time.Since(start).Round(time.Second))

	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			rep := summarize(d)
			t.Log("\n" + rep.text)
			if len(d.examples) < 100 || len(d.fixtures) < 8 {
				t.Fatalf("found %d examples and %d input files in %s; the tutorial has well over 100 and 8: is the parser broken?",
					len(d.examples), len(d.fixtures), d.path)
			}
			if rep.share < d.floor {
				t.Errorf("%d of %d in-scope examples (%.1f%%) give the same stdout and exit status as GNU parallel; the floor is %.0f%%",
					rep.same, rep.inScope, 100*rep.share, 100*d.floor)
			}
			if rep.misreads > tutorialMisreadsAllowed {
				t.Errorf("%d examples ran and printed something else than GNU parallel (MISREAD); at most %d may today, and the goal is none",
					rep.misreads, tutorialMisreadsAllowed)
			}
		})
	}
}

var sleepy = regexp.MustCompile(`\bsleep\b|--delay|--timeout`)

// sleeps reports whether a job's example waits on purpose.
func sleeps(j *tutorialJob) int {
	if sleepy.MatchString(strings.Join(append(j.prelude, j.example.text), "\n")) {
		return 1
	}
	return 0
}

// tutorialDoc is one tutorial and what became of its examples.
type tutorialDoc struct {
	name, path string
	floor      float64
	examples   []tutorialExample
	fixtures   []tutorialFixture
	jobs       []*tutorialJob // per example; nil when out of scope
}

func loadTutorials(t *testing.T) []*tutorialDoc {
	t.Helper()
	data, err := os.ReadFile(tutorialDebian)
	if err != nil {
		t.Fatalf("GNU parallel's tutorial is not installed (%v): apt-get install parallel", err)
	}
	docs := []*tutorialDoc{{name: "debian-20221122", path: tutorialDebian, floor: tutorialSameFloorDebian}}
	docs[0].examples, docs[0].fixtures = extractExamples(parseTutorialHTML(string(data)))
	if p := os.Getenv(tutorialPODEnv); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("$%s: %v", tutorialPODEnv, err)
		}
		d := &tutorialDoc{name: "pod-" + strings.TrimSuffix(filepath.Base(p), ".pod"), path: p, floor: tutorialSameFloorPOD}
		d.examples, d.fixtures = extractExamples(parseTutorialPOD(string(data)))
		docs = append(docs, d)
	}
	return docs
}

// checkGNUParallel makes sure that parallel on path is GNU parallel, the
// reference, and not something else of that name.
func checkGNUParallel(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("parallel")
	if err != nil {
		t.Fatal("GNU parallel is not installed: apt-get install parallel")
	}
	home := t.TempDir()
	cmd := exec.Command(bin, "--version")
	cmd.Env = append(os.Environ(), "HOME="+home, "PATH="+path)
	out, _ := cmd.Output()
	if !strings.HasPrefix(string(out), "GNU parallel") {
		t.Fatalf("%s is not GNU parallel (--version says %q): apt-get install parallel", bin, firstLine(string(out)))
	}
}

// tutorialRunner runs examples, each run in a directory of its own.
type tutorialRunner struct {
	root              string
	gnuPath, weftPath string
	fixtureDir        string
	fixtureNames      map[string]bool
}

// makeFixtures runs the Prerequisites' commands with GNU parallel, once for
// every file name any tutorial describes.
func (tr *tutorialRunner) makeFixtures(t *testing.T, docs []*tutorialDoc) {
	t.Helper()
	tr.fixtureDir = filepath.Join(tr.root, "fixtures")
	os.Mkdir(tr.fixtureDir, 0o755)
	tr.fixtureNames = map[string]bool{}
	for _, d := range docs {
		for _, f := range d.fixtures {
			if tr.fixtureNames[f.name] {
				continue
			}
			tr.fixtureNames[f.name] = true
			r := tr.run(tutorialJob{example: tutorialExample{text: f.command}}, false, tr.fixtureDir)
			if r.status != 0 || r.timedOut {
				t.Fatalf("making %s with %q: status %d, stderr %q", f.name, f.command, r.status, r.stderr)
			}
		}
	}
}

// fixturesFor lists the input files an example (with its prelude) names.
func (tr *tutorialRunner) fixturesFor(d *tutorialDoc, text string) []string {
	var names []string
	for _, f := range d.fixtures {
		if uses(text, f.name) {
			names = append(names, f.name)
		}
	}
	return names
}

// tutorialJob is one distinct example and its three runs.
type tutorialJob struct {
	example    tutorialExample
	prelude    []string
	fixtures   []string
	gnuA, gnuB tutorialRun
	weft       tutorialRun
	tooLong    bool // GNU parallel did not finish within the timeout
	// raced: weft's first run differed from GNU parallel's, and one of
	// its runs again gave GNU parallel's output, or the output the
	// tutorial shows (asShown; see runAll).
	raced, asShown bool
}

// tutorialReruns is how many more times weft runs an example whose first
// run differed from GNU parallel's: a misread differs every time, a race
// (which of two jobs started together ends first) not. A race of two jobs
// goes GNU parallel's way in about half of weft's runs (weft starts the
// jobs of a wave at once, GNU parallel one after the other): with 3 runs
// in all, each such example looked like a misread once in 8 checks, and
// the tutorial has three of them; with 5, once in 32.
const tutorialReruns = 4

// tutorialRun is what one run printed and how it ended.
type tutorialRun struct {
	stdout, stderr string
	status         int
	timedOut       bool
	elapsed        time.Duration
}

// runAll runs each job: GNU parallel once, then (unless that took too long)
// GNU parallel again and weft, side by side.
func (tr *tutorialRunner) runAll(jobs []*tutorialJob) {
	ch := make(chan *tutorialJob)
	var wg sync.WaitGroup
	for range tutorialWorkers {
		wg.Go(func() {
			for j := range ch {
				j.gnuA = tr.run(*j, false, "")
				if j.gnuA.timedOut {
					j.tooLong = true
					continue
				}
				var inner sync.WaitGroup
				inner.Go(func() { j.gnuB = tr.run(*j, false, "") })
				j.weft = tr.run(*j, true, "")
				inner.Wait()
				if judge(j).kind != "different" {
					continue
				}
				for range tutorialReruns {
					again := *j
					again.weft = tr.run(*j, true, "")
					if v := judge(&again); v.kind == "same" || v.asShown {
						j.raced, j.asShown = true, v.asShown
						break
					}
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}

// tmpPath finds the absolute paths /tmp and /var/tmp as words or path
// prefixes.
var tmpPath = regexp.MustCompile(`(?:/var)?/tmp`)

// rewriteTmp points an example's /tmp and /var/tmp at dir.
func rewriteTmp(text, dir string) string {
	var b strings.Builder
	last := 0
	for _, m := range tmpPath.FindAllStringIndex(text, -1) {
		before, after := byte(' '), byte(' ')
		if m[0] > 0 {
			before = text[m[0]-1]
		}
		if m[1] < len(text) {
			after = text[m[1]]
		}
		if strings.IndexByte(" \t\n'\"=>:", before) < 0 || strings.IndexByte(" \t\n'\"/;|&)", after) < 0 {
			continue
		}
		b.WriteString(text[last:m[0]])
		b.WriteString(dir)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// run runs a job's example once, with weft or GNU parallel as parallel, in
// a new directory (or in dir, for the fixtures).
func (tr *tutorialRunner) run(j tutorialJob, weft bool, dir string) tutorialRun {
	runDir, err := os.MkdirTemp(tr.root, "run-")
	if err != nil {
		return tutorialRun{status: -1, stderr: err.Error()}
	}
	defer os.RemoveAll(runDir)
	home, tmp := filepath.Join(runDir, "home"), filepath.Join(runDir, "tmp")
	os.MkdirAll(filepath.Join(home, ".parallel"), 0o755)
	os.WriteFile(filepath.Join(home, ".parallel", "will-cite"), nil, 0o644)
	os.Mkdir(tmp, 0o755)
	if dir == "" {
		dir = filepath.Join(runDir, "work")
		os.Mkdir(dir, 0o755)
		for _, name := range j.fixtures {
			if err := copyFile(filepath.Join(tr.fixtureDir, name), filepath.Join(dir, name)); err != nil {
				return tutorialRun{status: -1, stderr: err.Error()}
			}
		}
	}
	path := tr.gnuPath
	if weft {
		path = tr.weftPath
	}
	script := rewriteTmp(j.example.text, tmp)
	if len(j.prelude) > 0 {
		script = fmt.Sprintf("PATH=%s\n{\n%s\n} </dev/null >/dev/null 2>&1\nPATH=%s\n%s",
			shellQuote(tr.gnuPath), rewriteTmp(strings.Join(j.prelude, "\n"), tmp), shellQuote(path), script)
	}

	ctx, cancel := context.WithTimeout(context.Background(), tutorialTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(tutorialEnv(), "PATH="+path, "HOME="+home, "TMPDIR="+tmp, "SHELL=/bin/bash", "WEFT_TUTORIAL_RUN="+runDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	r := tutorialRun{elapsed: time.Since(start), timedOut: ctx.Err() != nil}
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	killMarked("WEFT_TUTORIAL_RUN=" + runDir)
	switch ee := err.(type) {
	case nil:
	case *exec.ExitError:
		r.status = ee.ExitCode()
	default:
		r.status = -1
		errb.WriteString(err.Error())
	}
	r.stdout = strings.ReplaceAll(out.String(), runDir, "<run>")
	r.stderr = strings.ReplaceAll(errb.String(), runDir, "<run>")
	return r
}

// tutorialEnv is the test's environment without what each run sets and
// without GNU parallel's own variables.
func tutorialEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "PATH" || name == "HOME" || name == "TMPDIR" || name == "SHELL" || strings.HasPrefix(name, "PARALLEL")
	})
}

// killMarked kills the processes a run left behind (a job in a process group
// of its own, or in the background), found by the variable every process of
// that run inherited.
func killMarked(marker string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range procs {
		env, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(env, []byte(marker+"\x00")) {
			continue
		}
		var pid int
		if _, err := fmt.Sscanf(p, "/proc/%d/environ", &pid); err == nil && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// compareMode is how weft's stdout is compared with GNU parallel's.
type compareMode int

const (
	compareExact    compareMode = iota
	compareAnyOrder             // as a multiset of lines
	compareMasked               // as a multiset, digits masked
	compareCount                // the number of lines
)

func (m compareMode) String() string {
	return [...]string{"exact", "any order", "digits masked", "line count"}[m]
}

var digits = regexp.MustCompile(`[0-9]+`)

func maskDigits(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = digits.ReplaceAllString(l, "#")
	}
	return out
}

// modeFor picks the comparison that the tutorial's words and GNU
// parallel's own two runs allow.
func modeFor(ex tutorialExample, a, b string) compareMode {
	la, lb := lines(a), lines(b)
	switch {
	case a == b && !ex.orderFree && !ex.varies:
		return compareExact
	case slices.Equal(sorted(la), sorted(lb)) && !ex.varies:
		return compareAnyOrder
	case slices.Equal(sorted(maskDigits(la)), sorted(maskDigits(lb))):
		return compareMasked
	}
	return compareCount
}

func sameOutput(m compareMode, gnu, weft string) bool {
	lg, lw := lines(gnu), lines(weft)
	switch m {
	case compareExact:
		return gnu == weft
	case compareAnyOrder:
		return slices.Equal(sorted(lg), sorted(lw))
	case compareMasked:
		return slices.Equal(sorted(maskDigits(lg)), sorted(maskDigits(lw)))
	}
	return len(lg) == len(lw)
}

// weftRefusal is weft's first usage error on stderr, if any: a "weft: " line
// that does not report a job or a halt.
func weftRefusal(stderr string) string {
	for _, l := range lines(stderr) {
		if msg, ok := strings.CutPrefix(l, "weft: "); ok && !strings.HasPrefix(msg, "halting ") && !strings.HasPrefix(msg, "job ") {
			return l
		}
	}
	return ""
}

var (
	quotedOption = regexp.MustCompile(`"(-[^"]*|:::[^"]*)"`)
	bareOption   = regexp.MustCompile(`(?:^|\s)(--?[A-Za-z][-A-Za-z0-9]*)`)
	gluedNumber  = regexp.MustCompile(`^(-[A-Za-z])[0-9]+$`)
	linkedSource = regexp.MustCompile(`::::?\+`)
)

// refusedOption is the option a refusal names: -N for "-N3", --tagstring
// for "--tagstring=x"; the message itself when it names none.
func refusedOption(line string) string {
	msg := strings.TrimPrefix(line, "weft: ")
	opt := ""
	if m := linkedSource.FindString(msg); m != "" {
		return m
	}
	if m := quotedOption.FindStringSubmatch(msg); m != nil {
		opt = m[1]
	} else if m := bareOption.FindStringSubmatch(msg); m != nil {
		opt = m[1]
	} else {
		return msg
	}
	opt, _, _ = strings.Cut(opt, "=")
	if m := gluedNumber.FindStringSubmatch(opt); m != nil {
		opt = m[1]
	}
	return opt
}

// verdict is what became of one in-scope example.
type verdict struct {
	kind    string // same, refused, different
	mode    compareMode
	option  string // for refused: the option weft named
	nondet  bool   // GNU parallel's own runs differed beyond order
	ordered bool   // the same lines in another order
	asShown bool   // for race: weft printed what the tutorial shows
	// notFound: a job under weft could not find a command that GNU
	// parallel's jobs found (a shell function, say): weft ran the job
	// differently even if its output happens to match.
	notFound bool
}

var commandNotFound = regexp.MustCompile(`(?m)^.*(: not found|: command not found)$`)

// notFound is the first "command not found" line of a shell in stderr.
func notFound(stderr string) string { return commandNotFound.FindString(stderr) }

func judge(j *tutorialJob) verdict {
	a, b, w := j.gnuA, j.gnuB, j.weft
	v := verdict{mode: modeFor(j.example, a.stdout, b.stdout)}
	v.nondet = v.mode >= compareMasked || a.status != b.status
	outOK := sameOutput(v.mode, a.stdout, w.stdout)
	statusOK := !w.timedOut && (w.status == a.status || w.status == b.status)
	refusal := weftRefusal(w.stderr)
	v.notFound = notFound(w.stderr) != "" && notFound(a.stderr) == ""
	switch {
	case outOK && statusOK && !v.notFound && (refusal == "" || a.status == 255):
		v.kind = "same"
	case refusal != "":
		v.kind, v.option = "refused", refusedOption(refusal)
	default:
		v.kind = "different"
		v.ordered = !outOK && slices.Equal(sorted(lines(a.stdout)), sorted(lines(w.stdout)))
		if v.ordered && statusOK && refusal == "" && !v.notFound && !keepsOrder(j.example.text) {
			// Without -k GNU parallel prints each job's output when the
			// job ends: jobs that run at once finish in either order.
			v.kind = "same"
		} else if j.raced {
			// Not the same, but not a misread either: another run of
			// weft gave GNU parallel's output, or the tutorial's.
			v.kind, v.asShown = "race", j.asShown
		} else if ex := j.example; ex.shown != "" && statusOK && refusal == "" && !v.notFound && sameOutput(v.mode, ex.shown, w.stdout) {
			// Nor is the output the tutorial shows for the example,
			// which GNU parallel printed where it was written: which
			// jobs end first decides it, as in --halt's examples.
			v.kind, v.asShown = "race", true
		}
	}
	return v
}

// keepsOrder reports whether an example asks parallel for input order
// (-k, --keep-order, or k among bundled short options).
func keepsOrder(text string) bool {
	for _, inv := range invocations(text) {
		if inv.program != "parallel" {
			continue
		}
		for _, a := range inv.args {
			if a == "--keep-order" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "k")) {
				return true
			}
		}
	}
	return false
}

// tutorialReport is the summary of one tutorial.
type tutorialReport struct {
	text                           string
	inScope, same, misreads, races int
	share                          float64
}

func summarize(d *tutorialDoc) tutorialReport {
	var (
		rep       tutorialReport
		b         strings.Builder
		outRules  = map[string]int{}
		refusedBy = map[string][]int{}
		different []int
		raced     []int
		reordered []int
		nondet    = map[string]int{}
		asShown   int // races where weft printed what the tutorial shows
		table     strings.Builder
	)
	verdicts := make([]verdict, len(d.examples))
	for i, ex := range d.examples {
		j := d.jobs[i]
		scope := ex.scope
		if scope == "" && j.tooLong {
			scope = fmt.Sprintf("takes too long (GNU parallel did not finish in %v)", tutorialTimeout)
		}
		if scope != "" {
			outRules[scope]++
			fmt.Fprintf(&table, "  out                     %s\n                          (%s)\n", ex, scope)
			continue
		}
		rep.inScope++
		v := judge(j)
		verdicts[i] = v
		if v.nondet {
			nondet[v.kind]++
		}
		switch v.kind {
		case "same":
			rep.same++
			if v.ordered {
				reordered = append(reordered, i)
			}
		case "refused":
			refusedBy[v.option] = append(refusedBy[v.option], i)
		case "different":
			rep.misreads++
			different = append(different, i)
		case "race":
			rep.races++
			raced = append(raced, i)
			if v.asShown {
				asShown++
			}
		}
		fmt.Fprintf(&table, "  %-9s exit %3d %3d %3d  %s\n", v.kind, j.gnuA.status, j.gnuB.status, j.weft.status, ex)
	}
	if rep.inScope > 0 {
		rep.share = float64(rep.same) / float64(rep.inScope)
	}

	fmt.Fprintf(&b, "GNU parallel tutorial %s (%s)\n", d.name, d.path)
	fmt.Fprintf(&b, "examples: %d; input files made: %d; out of scope: %d; in scope: %d\n",
		len(d.examples), len(d.fixtures), len(d.examples)-rep.inScope, rep.inScope)
	fmt.Fprintf(&b, "  same:      %3d (%.1f%% of in scope; floor %.0f%%, goal 95%%)\n", rep.same, 100*rep.share, 100*d.floor)
	fmt.Fprintf(&b, "  refused:   %3d\n", rep.inScope-rep.same-rep.misreads-rep.races)
	fmt.Fprintf(&b, "  race:      %3d (weft's first run differed; another of its %d runs gave GNU parallel's output, or, in %d, a run gave the output the tutorial shows)\n", rep.races, 1+tutorialReruns, asShown)
	fmt.Fprintf(&b, "  different: %3d (MISREAD: weft ran it and printed something else, or exited otherwise, in each of its %d runs)\n", rep.misreads, 1+tutorialReruns)
	fmt.Fprintf(&b, "  nondeterministic (GNU parallel's two runs differ beyond order; compared masked or by line count): %d same, %d refused, %d different\n",
		nondet["same"], nondet["refused"], nondet["different"])

	b.WriteString("\nout of scope, by rule:\n")
	for _, kv := range sortedCounts(outRules) {
		fmt.Fprintf(&b, "  %3d  %s\n", kv.n, kv.key)
	}

	b.WriteString("\nrefused, by the option weft named (examples blocked):\n")
	counts := map[string]int{}
	for o, is := range refusedBy {
		counts[o] = len(is)
	}
	for _, kv := range sortedCounts(counts) {
		fmt.Fprintf(&b, "  %3d  %s\n", kv.n, kv.key)
		for _, i := range refusedBy[kv.key] {
			fmt.Fprintf(&b, "         %s\n", d.examples[i])
		}
	}

	b.WriteString("\nraces (weft's first run shown):\n")
	writeDifferences(&b, d, verdicts, raced)
	b.WriteString("\ndifferent (MISREAD):\n")
	writeDifferences(&b, d, verdicts, different)

	b.WriteString("\nsame lines in another order, accepted as the same (the example has no -k):\n")
	for _, i := range reordered {
		fmt.Fprintf(&b, "  %s\n", d.examples[i])
	}

	b.WriteString("\nevery example (exit status of GNU parallel's two runs and weft's):\n")
	b.WriteString(table.String())
	rep.text = b.String()
	return rep
}

// writeDifferences writes, for each example of is, its command and what
// GNU parallel and weft printed.
func writeDifferences(b *strings.Builder, d *tutorialDoc, verdicts []verdict, is []int) {
	for _, i := range is {
		j, v := d.jobs[i], verdicts[i]
		fmt.Fprintf(b, "  --- [%s] compared %s", d.examples[i].section, v.mode)
		if v.ordered {
			b.WriteString(" (same lines, other order)")
		}
		if v.notFound {
			fmt.Fprintf(b, " (a job under weft did not find a command: %q)", notFound(j.weft.stderr))
		}
		b.WriteString("\n")
		b.WriteString(indent(d.examples[i].text, "      $ "))
		fmt.Fprintf(b, "    GNU parallel: exit %d%s, stdout:\n%s", j.gnuA.status, timedOutNote(j.gnuA), indent(truncate(j.gnuA.stdout), "      | "))
		fmt.Fprintf(b, "    weft:         exit %d%s, stdout:\n%s", j.weft.status, timedOutNote(j.weft), indent(truncate(j.weft.stdout), "      | "))
		if j.weft.stderr != "" {
			fmt.Fprintf(b, "    weft stderr:\n%s", indent(truncate(j.weft.stderr), "      ! "))
		}
	}
}

type count struct {
	key string
	n   int
}

func sortedCounts(m map[string]int) []count {
	var out []count
	for k, n := range m {
		out = append(out, count{k, n})
	}
	slices.SortFunc(out, func(a, b count) int { return cmp.Or(b.n-a.n, strings.Compare(a.key, b.key)) })
	return out
}

func timedOutNote(r tutorialRun) string {
	if r.timedOut {
		return fmt.Sprintf(" (killed after %v)", tutorialTimeout)
	}
	return ""
}

// truncate keeps the first 8 lines of at most 200 bytes each.
func truncate(s string) string {
	ls := lines(s)
	if len(ls) == 0 {
		return "(nothing)\n"
	}
	var b strings.Builder
	for i, l := range ls {
		if i == 8 {
			fmt.Fprintf(&b, "... (%d lines in all)\n", len(ls))
			break
		}
		if len(l) > 200 {
			l = l[:200] + "..."
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}
