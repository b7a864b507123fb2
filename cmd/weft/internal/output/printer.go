package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// JoblogHeader is GNU parallel's joblog header.
const JoblogHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"

// joblogLine formats a finished job as GNU parallel does.
func joblogLine(r *job.Result) string {
	host := r.Host
	if host == "" {
		host = ":" // GNU parallel's name for this machine
	}
	return fmt.Sprintf("%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s\n",
		r.Seq, host, float64(r.Start.UnixMilli())/1000, r.Elapsed.Seconds(), r.Stdout.Len(), r.Exit, r.Signal,
		strings.ReplaceAll(r.Cmdline, "\n", " "))
}

// Logged is a job recorded in a joblog being resumed.
type Logged struct {
	Exit, Signal int
	Command      string
}

// ReadJoblog reads the jobs recorded in a joblog; a missing file is an empty
// log, and a torn last line (weft was killed while writing it) is ignored.
func ReadJoblog(path string) (map[int64]Logged, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[int64]Logged{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read joblog: %v", err)
	}
	out := map[int64]Logged{}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if line == "" || (i == 0 && strings.HasPrefix(line, "Seq\t")) {
			continue
		}
		f := strings.SplitN(line, "\t", 9)
		if len(f) < 9 {
			if i == len(lines)-1 {
				continue // torn
			}
			return nil, fmt.Errorf("joblog %s line %d is not a joblog line: %q", path, i+1, line)
		}
		seq, err1 := strconv.ParseInt(f[0], 10, 64)
		exit, err2 := strconv.Atoi(f[6])
		sig, err3 := strconv.Atoi(f[7])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("joblog %s line %d is not a joblog line: %q", path, i+1, line)
		}
		out[seq] = Logged{Exit: exit, Signal: sig, Command: f[8]}
	}
	return out, nil
}

// OpenJoblog opens the joblog for appending (resuming) or truncates it, and
// writes the header when the file is empty.
func OpenJoblog(path string, appendTo bool) (*os.File, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if !appendTo {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write joblog: %v", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(JoblogHeader); err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot write joblog: %v", err)
		}
	}
	return f, nil
}

// Config says how a Printer prints.
type Config struct {
	Keep     bool  // print in input order (-k)
	Tag      bool  // prefix each line with the job's Tag and a tab
	Streamed bool  // the output went out as it came (--line-buffer, -u): print none
	Progress bool  // draw progress on stderr when it is a terminal (--bar, --eta)
	Total    int64 // jobs in all, or -1 if unknown
}

// Counter gives the numbers of jobs done and failed so far, for the
// progress line.
type Counter interface {
	Counts() (done, failed int64)
}

// Printer receives finished jobs in completion order, writes the joblog at
// once, and prints each job's output whole: in completion order, or in input
// order with -k. It runs on one goroutine.
type Printer struct {
	c              Config
	stdout, stderr *bufio.Writer
	joblog         *os.File
	pending        map[int64]*job.Result
	next           int64
	total          int64 // jobs in all, or -1 if unknown
	started        time.Time
	lastBar        time.Time
	barOn          bool
	barOut         io.Writer // where --bar and --eta draw: the terminal

	counts Counter // the counts, kept by the workers
	err    error   // the first output or joblog error
}

// New returns a Printer that prints to stdout and stderr, and writes the
// joblog, if any.
func New(c Config, stdout, stderr io.Writer, log *os.File, counts Counter) *Printer {
	p := &Printer{
		c:       c,
		stdout:  bufio.NewWriterSize(stdout, 64<<10),
		stderr:  bufio.NewWriterSize(stderr, 64<<10),
		joblog:  log,
		counts:  counts,
		pending: map[int64]*job.Result{},
		next:    1,
		total:   c.Total,
		started: time.Now(),
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && stderr == os.Stderr {
		p.barOn, p.barOut = c.Progress, os.Stderr
	}
	return p
}

func (p *Printer) fail(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

// Add takes a finished (or skipped) job.
func (p *Printer) Add(r *job.Result) {
	if !r.Skipped {
		if p.joblog != nil {
			_, err := p.joblog.WriteString(joblogLine(r)) // one write: a whole line or none
			p.fail(err)
		}
	}
	if !p.c.Keep {
		p.print(r)
	} else {
		p.pending[r.Seq] = r
		for {
			q, ok := p.pending[p.next]
			if !ok {
				break
			}
			delete(p.pending, p.next)
			p.next++
			p.print(q)
		}
	}
	p.progress(false)
}

func (p *Printer) print(r *job.Result) {
	defer r.Release()
	if r.Skipped {
		return
	}
	if r.FailedToStart != nil {
		fmt.Fprintf(p.stderr, "weft: job %d: %v\n", r.Seq, r.FailedToStart)
	}
	if !p.c.Streamed {
		p.emit(p.stdout, r.Stdout, r)
		p.stdout.Flush()
		p.emit(p.stderr, r.Stderr, r)
		p.stderr.Flush()
	}
}

func (p *Printer) emit(w *bufio.Writer, s *job.Output, r *job.Result) {
	if s == nil {
		return
	}
	if !p.c.Tag {
		p.fail(s.CopyTo(w))
		return
	}
	var buf bytes.Buffer
	p.fail(s.CopyTo(&buf))
	tag := r.Tag() + "\t"
	for _, line := range bytes.SplitAfter(buf.Bytes(), []byte("\n")) {
		if len(line) > 0 {
			w.WriteString(tag)
			w.Write(line)
		}
	}
}

// Finish draws the final progress line, and returns the first error in
// writing the output or the joblog.
func (p *Printer) Finish() error {
	p.progress(true)
	return p.err
}

// progress draws --bar and --eta on a terminal, at most ten times a second.
func (p *Printer) progress(final bool) {
	if !p.barOn || (!final && time.Since(p.lastBar) < 100*time.Millisecond) {
		return
	}
	p.lastBar = time.Now()
	done, failed := p.counts.Counts()
	elapsed := time.Since(p.started).Seconds()
	rate := float64(done) / max(elapsed, 1e-9)
	line := fmt.Sprintf("%d done, %d failed, %.1f/s", done, failed, rate)
	if p.total > 0 {
		left := float64(p.total - done)
		line = fmt.Sprintf("%3.0f%% %d/%d, %d failed, %.1f/s, ETA %s",
			100*float64(done)/float64(p.total), done, p.total, failed, rate,
			time.Duration(left/max(rate, 1e-9)*float64(time.Second)).Round(time.Second))
	}
	fmt.Fprintf(p.barOut, "\r\x1b[K%s", line)
	if final {
		fmt.Fprintln(p.barOut)
	}
}
