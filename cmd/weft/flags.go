package main

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// usageError is bad usage: reported in one line, exit status 255, before any
// job starts.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

type haltPolicy struct {
	now     bool // kill running jobs (else let them finish)
	success bool // count successes (else failures)
	count   int  // halt when this many have happened, or
	percent float64
}

type options struct {
	jobs         int
	keep         bool
	argFiles     []string
	sep          string // record separator
	colsep       *regexp.Regexp
	timeout      time.Duration
	grace        time.Duration
	tries        int
	retryDelay   time.Duration
	halt         *haltPolicy
	rate         float64 // job starts per second; 0 for no limit
	delay        time.Duration
	tag          bool
	ungroup      bool
	lineBuffer   bool
	joblog       string
	resume       bool
	resumeFailed bool
	dryRun       bool
	bar          bool
	eta          bool
	help         bool
	version      bool
	command      string
	groups       []input.Source // ::: and :::: groups and -a files, in order

	nats   string // submit to the workers behind this NATS URL instead of running here
	stream string // the JetStream stream the jobs go through
	runID  string // names the run, to collect it again after a restart
}

// flagSpec describes one flag: its names and whether it takes a value.
type flagSpec struct {
	names []string
	value bool
	set   func(o *options, v string) error
}

var flagSpecs = []flagSpec{
	{[]string{"-j", "--jobs", "-P"}, true, func(o *options, v string) error { return o.setJobs(v) }},
	{[]string{"-k", "--keep-order"}, false, func(o *options, _ string) error { o.keep = true; return nil }},
	{[]string{"-a", "--arg-file"}, true, func(o *options, v string) error { o.argFiles = append(o.argFiles, v); return nil }},
	{[]string{"-0", "--null"}, false, func(o *options, _ string) error { o.sep = "\x00"; return nil }},
	{[]string{"-d", "--delimiter"}, true, func(o *options, v string) error { return o.setDelim(v) }},
	{[]string{"--colsep", "-C"}, true, func(o *options, v string) error {
		re, err := regexp.Compile(v)
		if err != nil {
			return usagef("bad --colsep regular expression %q: %v", v, err)
		}
		o.colsep = re
		return nil
	}},
	{[]string{"--timeout"}, true, func(o *options, v string) error { return setDuration(&o.timeout, "--timeout", v) }},
	{[]string{"--grace"}, true, func(o *options, v string) error { return setDuration(&o.grace, "--grace", v) }},
	{[]string{"--retries"}, true, func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return usagef("bad value for --retries: %q (want a whole number >= 0)", v)
		}
		o.tries = max(n, 1)
		return nil
	}},
	{[]string{"--retry-delay"}, true, func(o *options, v string) error { return setDuration(&o.retryDelay, "--retry-delay", v) }},
	{[]string{"--halt", "--halt-on-error"}, true, func(o *options, v string) error { return o.setHalt(v) }},
	{[]string{"--rate"}, true, func(o *options, v string) error { return o.setRate(v) }},
	{[]string{"--delay"}, true, func(o *options, v string) error { return setDuration(&o.delay, "--delay", v) }},
	{[]string{"--tag"}, false, func(o *options, _ string) error { o.tag = true; return nil }},
	{[]string{"-u", "--ungroup"}, false, func(o *options, _ string) error { o.ungroup = true; return nil }},
	{[]string{"--line-buffer", "--lb"}, false, func(o *options, _ string) error { o.lineBuffer = true; return nil }},
	{[]string{"--joblog"}, true, func(o *options, v string) error { o.joblog = v; return nil }},
	{[]string{"--resume"}, false, func(o *options, _ string) error { o.resume = true; return nil }},
	{[]string{"--resume-failed"}, false, func(o *options, _ string) error { o.resumeFailed = true; return nil }},
	{[]string{"--dry-run", "--dryrun"}, false, func(o *options, _ string) error { o.dryRun = true; return nil }},
	{[]string{"--bar"}, false, func(o *options, _ string) error { o.bar = true; return nil }},
	{[]string{"--eta"}, false, func(o *options, _ string) error { o.eta = true; return nil }},
	{[]string{"-h", "--help"}, false, func(o *options, _ string) error { o.help = true; return nil }},
	{[]string{"--version"}, false, func(o *options, _ string) error { o.version = true; return nil }},
	{[]string{"--nats"}, true, func(o *options, v string) error { o.nats = v; return nil }},
	{[]string{"--stream"}, true, func(o *options, v string) error { return setName(&o.stream, "--stream", v) }},
	{[]string{"--run-id"}, true, func(o *options, v string) error { return setName(&o.runID, "--run-id", v) }},
	{[]string{"--will-cite"}, false, func(*options, string) error { return nil }},
}

// validName matches the names a stream or run may have: they become parts of
// NATS subjects and stream names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func setName(dst *string, flag, v string) error {
	if !validName.MatchString(v) {
		return usagef("bad value for %s: %q (want 1 to 64 letters, digits, - or _)", flag, v)
	}
	*dst = v
	return nil
}

func lookupFlag(name string) *flagSpec {
	for i := range flagSpecs {
		for _, n := range flagSpecs[i].names {
			if n == name {
				return &flagSpecs[i]
			}
		}
	}
	return nil
}

// parseArgs reads the command line: options, then the command (every word
// up to the first ::: or ::::), then the input groups.
func parseArgs(args []string) (*options, error) {
	o := &options{jobs: runtime.NumCPU(), sep: "\n", tries: 1, grace: 2 * time.Second, stream: defaultStream}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if a == ":::" || a == "::::" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		spec := lookupFlag(name)
		if spec == nil && !strings.HasPrefix(a, "--") && len(a) > 2 {
			// -j4, -d, and the like: a short flag glued to its value.
			if s := lookupFlag(a[:2]); s != nil && s.value {
				spec, name, value, hasValue = s, a[:2], a[2:], true
			}
		}
		if spec == nil {
			return nil, usagef("unknown option %q (see weft --help)", a)
		}
		if spec.value && !hasValue {
			if i+1 >= len(args) {
				return nil, usagef("option %s needs a value (see weft --help)", name)
			}
			i++
			value = args[i]
		} else if !spec.value && hasValue {
			return nil, usagef("option %s takes no value, got %q", name, value)
		}
		if err := spec.set(o, value); err != nil {
			return nil, err
		}
	}
	words, groups, err := input.SplitOperands(args[i:])
	if err != nil {
		return nil, err
	}
	o.command = strings.Join(words, " ")
	o.groups = groups
	for _, f := range o.argFiles {
		o.groups = append(o.groups, input.Source{File: f, IsFile: true})
	}
	if !o.help && !o.version && o.command == "" && !o.dryRun && len(o.groups) == 0 {
		return nil, usagef("no command given (see weft --help)")
	}
	if o.resume && o.resumeFailed {
		return nil, usagef("--resume and --resume-failed cannot be used together")
	}
	if (o.resume || o.resumeFailed) && o.joblog == "" {
		return nil, usagef("--resume and --resume-failed need --joblog FILE")
	}
	if o.nats == "" && (o.runID != "" || o.stream != defaultStream) {
		return nil, usagef("--run-id and --stream need --nats URL")
	}
	if o.nats != "" && (o.ungroup || o.lineBuffer) {
		return nil, usagef("-u and --line-buffer cannot be used with --nats: a remote job's output comes back whole")
	}
	return o, nil
}

func (o *options) setJobs(v string) error {
	bad := usagef("bad value for -j: %q (want N >= 0, or N%% of the CPUs)", v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return bad
		}
		o.jobs = max(1, int(f*float64(runtime.NumCPU())/100))
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return bad
	}
	if n == 0 {
		n = maxJobs // as many as possible
	}
	o.jobs = n
	return nil
}

// maxJobs is -j 0: as many jobs at once as the input has, up to this.
const maxJobs = 1 << 16

func (o *options) setDelim(v string) error {
	switch v {
	case `\n`:
		v = "\n"
	case `\t`:
		v = "\t"
	case `\0`:
		v = "\x00"
	}
	if v == "" {
		return usagef("bad value for -d: the delimiter must not be empty")
	}
	o.sep = v
	return nil
}

// parseDuration accepts Go durations (1m30s), plain seconds (2.5) and days
// (1d), as GNU parallel does.
func parseDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if f, err := strconv.ParseFloat(days, 64); err == nil {
			return time.Duration(f * 24 * float64(time.Hour)), nil
		}
	}
	return 0, errors.New("bad duration")
}

func setDuration(dst *time.Duration, flag, v string) error {
	d, err := parseDuration(v)
	if err != nil || d < 0 {
		return usagef("bad duration for %s: %q (want for example 30s, 1.5, 2m or 1d)", flag, v)
	}
	*dst = d
	return nil
}

func (o *options) setRate(v string) error {
	num, unit, _ := strings.Cut(v, "/")
	f, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || f <= 0 || per == 0 {
		return usagef("bad value for --rate: %q (want N/s, N/m or N/h)", v)
	}
	o.rate = f / per
	return nil
}

func (o *options) setHalt(v string) error {
	bad := usagef("bad value for --halt: %q (want never, or soon|now,fail|success=N|P%%)", v)
	if v == "never" {
		o.halt = nil
		return nil
	}
	h := &haltPolicy{}
	when, cond, ok := strings.Cut(v, ",")
	if !ok {
		when, cond = "soon", v
	}
	switch when {
	case "now":
		h.now = true
	case "soon":
	default:
		return bad
	}
	kind, n, ok := strings.Cut(cond, "=")
	switch kind {
	case "fail":
	case "success":
		h.success = true
	default:
		return bad
	}
	if !ok {
		return bad
	}
	if p, isPct := strings.CutSuffix(n, "%"); isPct {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return bad
		}
		h.percent = f
	} else {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return bad
		}
		h.count = c
	}
	o.halt = h
	return nil
}
