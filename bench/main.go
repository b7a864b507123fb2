// Command bench measures weft against the libraries its users would
// otherwise pick, side by side in one run, and publishes the result.
//
//	go run ./bench -quick   # smoke run: every contender runs and is verified
//	go run ./bench          # full run: writes docs/benchmarks.md and .svg
//	go run ./bench -check   # re-measures the published claims; exit 1 if one does not hold
//
// It prints every measurement as a `go test -bench` line too, so that two
// runs can be compared with benchstat.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"
)

func main() {
	quick := flag.Bool("quick", false, "smoke run: small workloads, one repetition, no report unless -out is given")
	reps := flag.Int("reps", 5, "repetitions of each contender, interleaved (with -check: default 9)")
	out := flag.String("out", "", `directory for benchmarks.md and benchmarks.svg (default "docs", or none with -quick)`)
	only := flag.String("only", "", "run only the workloads whose id matches this regular expression (with -check: the claims whose id or workload matches)")
	checkClaims := flag.Bool("check", false, "re-run the workloads of the published claims (bench/claims.go) and exit 1, naming them, if any does not hold")
	childMem := flag.String("child-memory", "", "internal: measure queued memory of one contender")
	n := flag.Int("n", 0, "internal: tasks for -child-memory")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected argument %q; use -only REGEXP to choose workloads or claims\n", flag.Arg(0))
		os.Exit(2)
	}
	if *childMem != "" {
		if err := childMemory(*childMem, *n); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *checkClaims && (*quick || *out != "") {
		fmt.Fprintln(os.Stderr, "bench: -check measures the full workloads and writes no report; drop -quick and -out")
		os.Exit(2)
	}
	if *out == "" && !*quick && !*checkClaims {
		*out = "docs"
	}
	if *quick {
		*reps = 1
	}
	if *checkClaims && !flagSet("reps") {
		*reps = checkReps
	}
	if *reps < 1 {
		fmt.Fprintf(os.Stderr, "bench: -reps must be >= 1, got %d\n", *reps)
		os.Exit(2)
	}
	filter, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: bad -only: %v\n", err)
		os.Exit(2)
	}

	all := allWorkloads(*quick)
	env := environment()
	fmt.Printf("goos: %s\ngoarch: %s\npkg: github.com/weft-dev/weft/bench\ncpu: %s\n", runtime.GOOS, runtime.GOARCH, env.cpu)
	if *checkClaims {
		failed, err := check(claims, all, *reps, filter, os.Stdout, os.Stderr)
		runCleanups()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		if len(failed) > 0 {
			fmt.Fprintf(os.Stderr, "bench: %d claim(s) do not hold: %s\n", len(failed), strings.Join(failed, ", "))
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "bench: every claim checked holds")
		return
	}
	var results []workloadResult
	failed := false
	for _, w := range all {
		if !filter.MatchString(w.id) {
			continue
		}
		fmt.Fprintf(os.Stderr, "== %s\n", w.title)
		outs := runWorkload(w, *reps, func(line string) { fmt.Println(line) })
		for _, o := range outs {
			if o.err != nil {
				failed = true
				fmt.Fprintf(os.Stderr, "bench: %s: %s: %v\n", w.id, o.name, o.err)
			}
		}
		results = append(results, workloadResult{w, outs})
	}
	runCleanups()
	if *out != "" {
		env.reps = *reps
		if err := writeReport(*out, env, results); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s/benchmarks.md and %s/benchmarks.svg\n", *out, *out)
	}
	if failed {
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "bench: %d workloads, every contender ran and was verified\n", len(results))
}

// checkReps is -check's default -reps: the repetitions the claims' ranges
// were measured with.
const checkReps = 9

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// allWorkloads returns every workload, small ones if quick.
func allWorkloads(quick bool) []*workload {
	var all []*workload
	all = append(all, poolWorkloads(quick)...)
	all = append(all, queuedMemory(quick), groupWorkload(quick))
	all = append(all, mapWorkloads(quick)...)
	all = append(all, limitWorkloads(quick)...)
	all = append(all, actorWorkloads(quick)...)
	all = append(all, errgroupWorkloads(quick)...)
	all = append(all, runnerWorkloads(quick)...)
	all = append(all, natsWorkload(quick))
	return all
}

type workloadResult struct {
	w    *workload
	outs []*outcome
}

type env struct {
	cpu, goVersion, date string
	cores, reps          int
}

func environment() env {
	e := env{cpu: "unknown", goVersion: runtime.Version(), date: time.Now().UTC().Format("2006-01-02"), cores: runtime.NumCPU()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(data); m != nil {
			e.cpu = string(m[1])
		}
	}
	return e
}
