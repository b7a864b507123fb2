package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
)

// Pipe is what --pipe and --pipe-part ask for (options_pipe.go): the
// input is data, cut into blocks by the pipe package, one job per block.
type Pipe struct {
	On           bool  // --pipe: the data is stdin
	Part         bool  // --pipe-part: the data is File, read by each job in place
	Block        int64 // --block; 0 for the default, < 0 for blocks per job slot
	Records      int   // -N
	Lines        int   // -L, -l
	RecStart     *string
	RecEnd       *string
	Header       *string
	Regexp       bool
	RemoveRecSep bool
	RoundRobin   bool
	Cat          bool
	Fifo         bool
	Tee          bool
	File         string // --pipe-part's -a FILE

	given []given // the options of this section given, in order
}

// given is an option of the pipe section as the user spelled it, and the
// name it is declared under.
type given struct{ typed, name string }

// Active reports whether the run cuts its input into blocks.
func (p *Pipe) Active() bool { return p.On || p.Part }

// checkPipe checks the options of --pipe and --pipe-part against the
// others, and takes --pipe-part's -a FILE out of the inputs: it is the
// data, not values for the jobs.
func (c *Config) checkPipe() error {
	p := &c.Pipe
	if !p.Active() {
		for _, g := range p.given {
			if argsPerJob[g.name] || g.name == "--header" {
				continue // without --pipe: arguments per job (multi.go), or column names (header.go)
			}
			return fmt.Errorf("%s needs --pipe or --pipe-part: it says how their input is cut or given to the jobs", g.typed)
		}
		return nil
	}
	mode := "--pipe"
	if p.Part {
		mode = "--pipe-part"
	}
	has := func(name string) (string, bool) {
		for _, g := range p.given {
			if g.name == name {
				return g.typed, true
			}
		}
		return "", false
	}
	if err := c.checkMultiPipe(mode); err != nil {
		return err
	}
	if typed, ok := has("-N"); ok && p.Records == 0 {
		return fmt.Errorf("%s 0 cannot be used with %s: give N >= 1 records per block", typed, mode)
	}
	switch {
	case c.Command == "":
		return fmt.Errorf("%s needs a command to give the blocks to (weft %s 'wc -l')", mode, mode)
	case c.DryRun:
		return fmt.Errorf("--dry-run cannot be used with %s: the jobs are known only as the input is read", mode)
	case c.Resume || c.ResumeFailed:
		return fmt.Errorf("--resume and --resume-failed cannot be used with %s: a block is not an input the joblog can name", mode)
	case p.Cat && p.Fifo:
		return errors.New("--cat and --fifo cannot be used together: choose how the jobs get their block")
	case p.RoundRobin && (p.Cat || p.Fifo):
		return errors.New("--round-robin gives each job many blocks on its stdin: it cannot be used with --cat or --fifo")
	case c.Tries > 1 && (p.RoundRobin || p.Tee || p.Fifo):
		return errors.New("--retries cannot be used with --round-robin, --tee or --fifo: their input streams once (use --cat, or plain --pipe)")
	}
	if p.Tee {
		for _, name := range []string{"--block", "-N", "-L", "-l", "--recstart", "--recend", "--regexp", "--rrs", "--header", "--round-robin", "--cat", "--fifo"} {
			if typed, ok := has(name); ok {
				return fmt.Errorf("%s cannot be used with --tee: every job reads all of the input, not a block", typed)
			}
		}
		if p.Part {
			return errors.New("--tee cannot be used with --pipe-part: every job reads all of stdin; use --pipe --tee < FILE")
		}
		if len(c.Sources) == 0 {
			return errors.New("--tee needs values, one job each, every job reading all of stdin: weft --pipe --tee 'grep {}' ::: a b")
		}
		return nil
	}
	if p.Part {
		if len(c.ArgFiles) != 1 {
			return fmt.Errorf("--pipe-part needs one -a FILE, the file to cut into parts; got %d", len(c.ArgFiles))
		}
		p.File = c.ArgFiles[0]
		c.Sources = c.Sources[:len(c.Sources)-1] // SetOperands put it last
		for _, name := range []string{"-N", "-L", "-l", "--rrs"} {
			if typed, ok := has(name); ok {
				return fmt.Errorf("%s cannot be used with --pipe-part: the parts go from the file to the jobs without weft reading them; use --pipe %s < FILE", typed, typed)
			}
		}
	} else if len(c.ArgFiles) > 0 {
		return errors.New("--pipe reads its data from stdin, not -a FILE: use --pipe < FILE, or --pipe-part -a FILE")
	}
	if len(c.Sources) > 0 {
		return fmt.Errorf("%s gives the jobs blocks of data, not values: ::: and :::: are only for --tee", mode)
	}
	return nil
}

// options is the splitter's configuration.
func (p *Pipe) options(jobs int, warn func(string)) pipe.Options {
	o := pipe.Options{
		Block: p.Block, Slots: jobs, RecStart: p.RecStart, RecEnd: p.RecEnd, Regexp: p.Regexp,
		Records: p.Records, Lines: p.Lines, RemoveRecSep: p.RemoveRecSep, Warn: warn,
	}
	if p.Header != nil {
		o.Header = *p.Header
	}
	return o
}

// openPipe makes the splitter of --pipe or --pipe-part (not --tee, which
// copies stdin whole): a bad separator, a file that cannot be read, are
// bad usage, reported before any job starts.
func (r *Run) openPipe(stdin io.Reader) error {
	p := &r.c.Pipe
	if f, ok := stdin.(*os.File); ok && !p.Part {
		// A pipe read with deadlines: a signal stops a read that waits.
		if pf, err := pipe.Pollable(f); err == nil && pf != f {
			r.pipeFile, stdin = pf, pf
		}
	}
	if p.Tee {
		r.pipeData = stdin
		return nil
	}
	warn := func(msg string) { fmt.Fprintf(r.stderr, "weft: warning: %s\n", msg) }
	opts := p.options(r.c.Jobs, warn)
	var err error
	if p.Part {
		f, ferr := os.Open(p.File)
		if ferr != nil {
			return fmt.Errorf("--pipe-part: %v", ferr)
		}
		r.pipeFile = f
		r.blocks, err = pipe.NewPartSplitter(f, opts)
	} else {
		r.blocks, err = pipe.NewSplitter(stdin, opts)
	}
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "pipe: "))
	}
	return nil
}

// closePipe lets the splitter and the file go.
func (r *Run) closePipe() {
	if r.blocks != nil {
		r.blocks.Close()
	}
	if r.pipeFile != nil {
		r.pipeFile.Close()
	}
}

// Stopping reports whether the run starts no new job (a halt, a signal).
func (r *Run) Stopping() bool { return r.stopping.Load() }

// Blocks is the splitter of --pipe and --pipe-part: one job per block
// (or, with --round-robin, many blocks per job). Nil with --tee.
func (r *Run) Blocks() *pipe.Splitter { return r.blocks }

// TeeData is what every job of --tee reads whole: stdin.
func (r *Run) TeeData() io.Reader { return r.pipeData }

// TeeJobs returns the jobs of --tee, one per value, all of them before
// any starts: every job reads the same input at the same time, so all
// must run at once, and more than -j are refused.
func (r *Run) TeeJobs() ([]input.Job, error) {
	var js []input.Job
	for j, err := range r.in.Jobs() {
		if err != nil {
			return nil, err
		}
		js = append(js, j)
		if len(js) > r.c.Jobs {
			return nil, fmt.Errorf("--tee runs every job at once, and there are more values than -j %d: give -j 0, or -j at least the number of values", r.c.Jobs)
		}
	}
	return js, nil
}

// RunJobStdin runs job seq with args and the standard input in gives it,
// as RunJob does: after the run was stopped it is skipped. The command
// line is the template expanded with args ({} is the block's file with
// --cat and --fifo, and nothing otherwise).
func (r *Run) RunJobStdin(x *job.Executor, seq int64, args []string, in job.Stdin) *job.Result {
	if r.stopping.Load() {
		return &job.Result{Seq: seq, Args: args, Skipped: true}
	}
	slot := r.slots.Get()
	defer r.slots.Put(slot)
	cmd := r.tpl.Expand(args, seq, slot)
	if r.c.Trace {
		fmt.Fprintln(r.stderr, cmd)
	}
	r.tally.started.Add(1)
	return x.RunSlot(r.ctx, seq, slot, args, cmd, in)
}

// RunBlock runs the job of block b, which gets it on its stdin (or as a
// file with --cat, a named pipe with --fifo), and releases b.
func (r *Run) RunBlock(x *job.Executor, b *pipe.Block) *job.Result {
	defer b.Release()
	seq := int64(b.Seq())
	p := &r.c.Pipe
	if p.Cat || p.Fifo {
		var res *job.Result
		give := pipe.WithTempFile
		if p.Fifo {
			give = pipe.WithFifo
		}
		err := give(r.ctx, r.c.TmpDir, b, func(name string) error {
			res = r.RunJobStdin(x, seq, []string{name}, nil)
			return nil
		})
		if res == nil { // the block could not be written, or the run stops
			res = &job.Result{Seq: seq, Skipped: true}
			if err != nil && r.ctx.Err() == nil {
				res = &job.Result{Seq: seq, Exit: 127, FailedToStart: err, Stdout: &job.Output{}, Stderr: &job.Output{}}
			}
		} else if err != nil && r.ctx.Err() == nil {
			fmt.Fprintf(r.stderr, "weft: block %d: %v\n", seq, err)
		}
		return res
	}
	return r.RunJobStdin(x, seq, nil, func() (*os.File, func(), error) {
		rd, w, err := pipe.JobStdin()
		if err != nil {
			return nil, nil, err
		}
		return rd, func() {
			b.Rewind()
			_, err := b.WriteTo(w)
			w.Close()
			if err != nil && !pipe.Stopped(err) {
				fmt.Fprintf(r.stderr, "weft: writing block %d to its job: %v\n", seq, err)
			}
		}, nil
	})
}
