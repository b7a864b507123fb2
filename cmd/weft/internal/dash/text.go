package dash

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// The text renderings are what `weft status` prints on a terminal: the
// same facts as the pages, as aligned columns. Whatever came from a job or
// a submitter (commands, stderr, names) goes through terminal(), which
// writes control characters as escapes.

// WriteText writes the overview as text, for `weft status`.
func (o *Overview) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "weft fleet at %s\n", o.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
	fmt.Fprintf(bw, "workers  %d alive, %d gone; %d of %d slots busy\n", o.Workers.Alive, o.Workers.Gone, o.Workers.Busy, o.Workers.Slots)
	inStream := ""
	if o.InStream > 0 {
		inStream = " (" + count(o.InStream) + " in the job stream)"
	}
	fmt.Fprintf(bw, "jobs     %s running, %s queued%s; %s jobs/s over the last minute\n", count(o.Running), count(o.Queued), inStream, rate(o.PerSecond))
	fmt.Fprintln(bw)
	if len(o.Runs) == 0 {
		fmt.Fprintln(bw, "no runs")
	} else {
		writeRuns(bw, o.Runs, o.Time)
		if o.MoreRuns > 0 {
			fmt.Fprintf(bw, "(%d older runs not shown)\n", o.MoreRuns)
		}
	}
	if len(o.Failures) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "latest failures")
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tJOB\tENDED\tWORKER\tCOMMAND")
		for i := range o.Failures {
			f := &o.Failures[i]
			fmt.Fprintf(tw, "%s\t#%d %s\t%s\t%s\t%s\n", terminal(f.Run), f.Seq, exitText(f), endedAgo(f, o.Time), terminal(f.Worker), terminal(f.Command))
		}
		tw.Flush()
	}
	return bw.Flush()
}

func writeRuns(w io.Writer, runs []RunSummary, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATE\tDONE\tFAILED\tRUNNING\tQUEUED\tTOTAL\tETA\tSTARTED\tSUBMITTER\tCOMMAND")
	for i := range runs {
		r := &runs[i]
		e := eta(r.ETASeconds)
		if e == "" {
			e = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", terminal(r.ID), r.State,
			count(r.Done), count(r.Failed), count(r.Running), count(r.Queued), total(r), e,
			ago(r.Started, now), terminal(r.Submitter), terminal(r.Command))
	}
	tw.Flush()
}

// WriteText writes the run, its page of jobs and its latest failures with
// their stderr as text, for `weft status RUN`.
func (d *RunDetail) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	r := &d.Run
	fmt.Fprintf(bw, "run %s: %s\n", terminal(r.ID), stateWords(r))
	fmt.Fprintf(bw, "command    %s\n", terminal(r.Command))
	fmt.Fprintf(bw, "submitter  %s\n", terminal(r.Submitter))
	fmt.Fprintf(bw, "started    %s (%s)\n", ago(r.Started, d.Time), r.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	fmt.Fprintf(bw, "progress   %s %s  %s\n", textBar(r.Progress, 30), percent(r.Progress), counts(r))
	if e := eta(r.ETASeconds); e != "" {
		fmt.Fprintf(bw, "eta        %s\n", e)
	}
	fmt.Fprintln(bw)
	what := "jobs"
	if d.State != "" {
		what = string(d.State) + " jobs"
	}
	if len(d.Jobs) == 0 {
		fmt.Fprintf(bw, "no %s\n", what)
	} else {
		first := d.Offset + 1
		fmt.Fprintf(bw, "%s %s-%s of %s\n", what, count(first), count(first+int64(len(d.Jobs))-1), count(d.Matching))
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB\tSTATE\tEXIT\tWORKER\tSTARTED\tTIME\tCOMMAND")
		for i := range d.Jobs {
			j := &d.Jobs[i]
			started, took := "-", "-"
			if j.Started != nil {
				started, took = ago(*j.Started, d.Time), duration(j.Seconds)
			}
			ex := exitText(j)
			if ex == "" {
				ex = "-"
			}
			wk := terminal(j.Worker)
			if wk == "" {
				wk = "-"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Seq, j.State, ex, wk, started, took, terminal(j.Command))
		}
		tw.Flush()
	}
	for i := range d.Failures {
		f := &d.Failures[i]
		fmt.Fprintln(bw)
		fmt.Fprintf(bw, "job %d failed (%s) on %s, %s: %s\n", f.Seq, exitText(f), terminal(f.Worker), endedAgo(f, d.Time), terminal(f.Command))
		if f.Error != "" {
			fmt.Fprintf(bw, "  %s\n", terminal(f.Error))
		}
		if f.StderrTail == nil || *f.StderrTail == "" {
			fmt.Fprintln(bw, "  (nothing on stderr)")
			continue
		}
		for _, l := range terminalLines(*f.StderrTail) {
			fmt.Fprintf(bw, "  | %s\n", l)
		}
	}
	return bw.Flush()
}

// WriteText writes the workers as text.
func (l *WorkerList) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if len(l.Workers) == 0 {
		fmt.Fprintln(bw, "no workers")
		return bw.Flush()
	}
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tSTATE\tBUSY\tLAST HEARTBEAT\tDONE\tFAILED\tRUNNING NOW")
	for i := range l.Workers {
		wk := &l.Workers[i]
		var now []string
		for _, j := range wk.Running {
			now = append(now, fmt.Sprintf("%s #%d", terminal(j.Run), j.Seq))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d of %d\t%s\t%s\t%s\t%s\n", terminal(wk.Name), wk.State, len(wk.Running), wk.Slots,
			ago(wk.LastSeen, l.Time), count(wk.Done), count(wk.Failed), strings.Join(now, ", "))
	}
	tw.Flush()
	return bw.Flush()
}

// stateWords is a run's state with what explains it: "halting (now)",
// "finished, 3 failed".
func stateWords(r *RunSummary) string {
	s := string(r.State)
	switch {
	case r.State == RunHalting || r.State == RunHalted:
		s += " (" + string(r.Halt) + ")"
	case r.State == RunFinished && r.Failed > 0:
		s += ", " + count(r.Failed) + " failed"
	case r.State == RunWaiting:
		s += " for a worker"
	}
	return s
}

// textBar draws a progress bar of width cells.
func textBar(p float64, width int) string {
	n := int(p*float64(width) + 1e-9)
	n = min(max(n, 0), width)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// endedAgo says when a finished job ended.
func endedAgo(j *JobInfo, now time.Time) string {
	if j.Started == nil {
		return "-"
	}
	return ago(j.Started.Add(secondsDuration(j.Seconds)), now)
}

func secondsDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
