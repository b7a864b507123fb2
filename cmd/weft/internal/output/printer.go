// Package output prints what finished jobs did: each job's output whole,
// never mixed with another job's, in completion order or in input order
// (-k), prefixed with its arguments (--tag); it appends each job's joblog
// line as soon as the job is done, and draws progress (--bar, --eta) on a
// terminal.
//
//	p := output.New(output.Config{Keep: true, Total: -1}, os.Stdout, os.Stderr, log, tally)
//	for res := range finished { p.Add(res) } // one goroutine
//	err := p.Finish()                        // the first write error
package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
)

// Config says how a Printer prints.
type Config struct {
	Keep     bool  // print in input order (-k)
	Tag      bool  // prefix each line with the job's tag and a tab
	Streamed bool  // the output went out as it came (--line-buffer, -u): print none
	Progress bool  // draw progress on stderr when it is a terminal (--bar, --eta)
	Total    int64 // jobs in all, or -1 if unknown
	// Stall, if set, says why no job may finish for a while (the server is
	// unreachable): the progress line then shows it, with how long it has
	// lasted, in place of the rate and the ETA, and is redrawn every
	// second until it ends.
	Stall Stall
	// TagOf is a job's tag (--tagstring); nil for Result.Tag.
	TagOf func(*job.Result) string
	// Color colours each line's tag and the line, by the job's number,
	// as GNU parallel's --ctag does (with Tag).
	Color bool
	// Echo prints each job's command line before its stdout (-v).
	Echo bool
	// Results, if not nil, records each job's output (--results) instead
	// of printing it.
	Results *Results
	// Files writes each job's stdout to a file of its own in TmpDir
	// ($TMPDIR or /tmp when "") and prints the file's name instead
	// (--files); its stderr is not printed.
	Files  bool
	TmpDir string
	// GNUProgress draws GNU parallel's --progress on stderr, terminal or
	// not, for Jobs jobs at once on CPUs CPUs.
	GNUProgress bool
	Jobs, CPUs  int
}

// Stall tells the progress line why the jobs are held up.
type Stall interface {
	// Stalled reports why the jobs are held up and since when, or ok
	// false if they are not. It is called from the printer's goroutines
	// and must be safe for concurrent use.
	Stalled() (why string, since time.Time, ok bool)
}

// Counter gives the numbers of jobs done and failed so far, for the
// progress line.
type Counter interface {
	Counts() (done, failed int64)
}

// StartCounter is a Counter that also counts the jobs started, for
// --progress.
type StartCounter interface {
	Counter
	Started() int64
}

// Printer receives finished jobs in completion order, writes the joblog at
// once, and prints each job's output whole: in completion order, or in input
// order with -k. It runs on one goroutine.
type Printer struct {
	c              Config
	stdout, stderr *bufio.Writer
	joblog         *joblog.Writer
	pending        map[int64]*job.Result
	next           int64
	total          int64 // jobs in all, or -1 if unknown
	started        time.Time
	barOn          bool
	barOut         io.Writer // where --bar and --eta draw: the terminal
	color          colors    // --ctag's

	barMu      sync.Mutex // the progress line: drawn by Add and by the stall ticker
	lastBar    time.Time
	wasStalled bool          // the last line drawn showed a stall
	stopTicker chan struct{} // closed by Finish: the stall ticker ends
	ticker     sync.WaitGroup

	counts Counter // the counts, kept by the workers
	err    error   // the first output or joblog error
}

// New returns a Printer that prints to stdout and stderr, and writes the
// joblog log, if not nil; counts feeds the progress line.
func New(c Config, stdout, stderr io.Writer, log *joblog.Writer, counts Counter) *Printer {
	var bar io.Writer
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && stderr == os.Stderr {
		bar = os.Stderr
	}
	return newPrinter(c, stdout, stderr, log, counts, bar)
}

// newPrinter is New, drawing progress on bar if it is not nil.
func newPrinter(c Config, stdout, stderr io.Writer, log *joblog.Writer, counts Counter, bar io.Writer) *Printer {
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
	if bar != nil {
		p.barOn, p.barOut = c.Progress, bar
	}
	if p.barOn && c.Stall != nil {
		// No job finishes while the jobs are held up, so nothing else
		// would redraw the line: a ticker does, while a stall lasts and
		// once when it ends. Finish stops it.
		p.stopTicker = make(chan struct{})
		p.ticker.Go(p.tick)
	}
	if c.Color {
		p.color = terminalColors()
	}
	if c.GNUProgress {
		p.progressHeader()
	}
	return p
}

// tick redraws the progress line every second while the jobs are held up,
// and once after, until Finish.
func (p *Printer) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_, _, stalled := p.c.Stall.Stalled()
			p.barMu.Lock()
			redraw := stalled || p.wasStalled
			p.barMu.Unlock()
			if redraw {
				p.progress(false)
			}
		case <-p.stopTicker:
			return
		}
	}
}

func (p *Printer) fail(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

// Add takes a finished (or skipped) job: it logs it, and prints it (and
// any job it held back for -k) and releases its output once printed.
func (p *Printer) Add(r *job.Result) {
	if !r.Skipped {
		if p.joblog != nil {
			received := r.Stdout.Len()
			if p.c.Echo {
				received += int64(len(r.Cmdline)) + 1 // the command line is part of the output
			}
			p.fail(p.joblog.Write(joblog.Entry{
				Seq: r.Seq, Host: r.Host, Start: r.Start, Runtime: r.Elapsed,
				Received: received, Exit: r.Exit, Signal: r.Signal, Command: r.Cmdline,
			}))
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
	p.gnuProgress(false)
}

func (p *Printer) print(r *job.Result) {
	defer r.Release()
	if r.Skipped {
		return
	}
	if r.FailedToStart != nil {
		fmt.Fprintf(p.stderr, "weft: job %d: %v\n", r.Seq, r.FailedToStart)
	}
	switch {
	case p.c.Results != nil:
		p.fail(p.c.Results.write(r))
	case p.c.Files:
		name, err := p.writeFile(r)
		if err != nil {
			p.fail(err)
			break
		}
		if p.c.Tag {
			p.stdout.WriteString(p.tagOf(r))
		}
		p.stdout.WriteString(name + "\n")
		p.fail(p.stdout.Flush())
	case !p.c.Streamed:
		echo := ""
		if p.c.Echo {
			echo = r.Cmdline + "\n"
		}
		p.emit(p.stdout, echo, r.Stdout, r)
		p.fail(p.stdout.Flush())
		p.emit(p.stderr, "", r.Stderr, r)
	}
	p.fail(p.stderr.Flush())
}

// tagOf is the tag of r's lines, with its tab.
func (p *Printer) tagOf(r *job.Result) string {
	if p.c.TagOf != nil {
		return p.c.TagOf(r) + "\t"
	}
	return r.Tag() + "\t"
}

// emit prints echo, then s, with the tags of --tag (after each newline or
// carriage return that something follows, as GNU parallel tags) and the
// colours of --ctag.
func (p *Printer) emit(w *bufio.Writer, echo string, s *job.Output, r *job.Result) {
	if s == nil {
		return
	}
	if !p.c.Tag {
		w.WriteString(echo)
		p.fail(s.CopyTo(w))
		return
	}
	var buf bytes.Buffer
	buf.WriteString(echo)
	p.fail(s.CopyTo(&buf))
	if buf.Len() == 0 {
		return
	}
	if p.c.Color {
		p.emitColored(w, buf.Bytes(), r)
		return
	}
	tag := p.tagOf(r)
	w.WriteString(tag)
	b := buf.Bytes()
	for i, c := range b {
		w.WriteByte(c)
		if (c == '\n' || c == '\r') && i+1 < len(b) {
			w.WriteString(tag)
		}
	}
}

// emitColored prints b as GNU parallel's --ctag does: each line (each
// carriage return too) starts with the colour and the tag, and ends with
// the reset and a newline, the last line too.
func (p *Printer) emitColored(w *bufio.Writer, b []byte, r *job.Result) {
	on := p.color.of(r.Seq) + p.tagOf(r)
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		w.WriteString(on)
		for _, c := range line {
			if c == '\r' {
				w.WriteString(p.color.reset + "\r" + on)
				continue
			}
			w.WriteByte(c)
		}
		w.WriteString(p.color.reset + "\n")
	}
}

// Finish draws the final progress line, and returns the first error in
// writing the output or the joblog.
func (p *Printer) Finish() error {
	if p.stopTicker != nil {
		close(p.stopTicker)
		p.ticker.Wait()
	}
	p.progress(true)
	p.gnuProgress(true)
	if p.c.Results != nil {
		p.fail(p.c.Results.Close())
	}
	return p.err
}

// progress draws --bar and --eta on a terminal, at most ten times a second.
// While the jobs are held up (Config.Stall), the line says why and for how
// long in place of the rate and the ETA.
func (p *Printer) progress(final bool) {
	if !p.barOn {
		return
	}
	p.barMu.Lock()
	defer p.barMu.Unlock()
	if !final && time.Since(p.lastBar) < 100*time.Millisecond {
		return
	}
	p.lastBar = time.Now()
	done, failed := p.counts.Counts()
	var why string
	var since time.Time
	stalled := false
	if p.c.Stall != nil && !final {
		why, since, stalled = p.c.Stall.Stalled()
	}
	p.wasStalled = stalled
	elapsed := time.Since(p.started).Seconds()
	rate := float64(done) / max(elapsed, 1e-9)
	line := fmt.Sprintf("%d done, %d failed, %.1f/s", done, failed, rate)
	switch {
	case stalled:
		waiting := max(time.Since(since).Round(time.Second), 0)
		line = fmt.Sprintf("%d done, %d failed, %s, waiting %s", done, failed, why, waiting)
		if p.total > 0 {
			line = fmt.Sprintf("%3.0f%% %d/%d, %d failed, %s, waiting %s",
				100*float64(done)/float64(p.total), done, p.total, failed, why, waiting)
		}
	case p.total > 0:
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
