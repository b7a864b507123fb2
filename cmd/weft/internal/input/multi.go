package input

import (
	"fmt"
	"iter"
	"strings"
)

// Grouping says how many records one job takes, when it may take several
// (GNU parallel's -n, -N, -m, -X, -L and --xargs), and how long its command
// line may be. Every job's arguments are its records' arguments, in order.
type Grouping struct {
	// Max is the most records a job takes; 0 is no limit but Limit.
	Max int
	// Zero makes each record a job without arguments (-n0, -N0).
	Zero bool
	// Fit measures a job's command line as records are added; nil when
	// it cannot be measured (then Limit is not applied).
	Fit Fitter
	// Limit: a job's command line (as Fit measures it) must be shorter.
	// A job takes records while its command line stays shorter; a record
	// whose command line alone is too long ends the sequence with an
	// error, as GNU parallel exits.
	Limit int
	// Spread is the number of job slots for -m and -X: when the input
	// ends while a job is being filled, that job's records are spread
	// over up to Spread jobs, as evenly as GNU parallel spreads them (each
	// gets the same number, rounded up; the last fewer). 0 or 1: no
	// spreading.
	Spread int
}

// Fitter measures the command line of a job (cmdline.Sizer is one).
type Fitter interface {
	Reset(seq int64)    // empties it for the job numbered seq
	Add(args ...string) // adds arguments
	Drop(n int)         // removes the last n arguments added
	Len() int           // the length of the command line
}

// Grouped streams the jobs of the run as g groups the records of Jobs:
// numbered again from 1, each with the arguments of one or more records.
// A read error, or a record too long for a command line, is yielded once,
// and ends the sequence.
func (in *Inputs) Grouped(g Grouping) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		var seq int64
		emit := func(recs [][]string) bool {
			seq++
			return yield(Job{Seq: seq, Args: flatten(recs)}, nil)
		}
		var recs [][]string // the job being filled
		// With Spread, a full job waits for the next record: if none
		// comes, it is the one the end of the input spreads.
		var held [][]string
		start := func() {
			recs = recs[:0]
			if g.Fit != nil {
				g.Fit.Reset(seq + 1)
			}
		}
		start()
		read := 0
		for j, err := range in.Jobs() {
			if err != nil {
				yield(Job{}, err)
				return
			}
			read++
			if held != nil {
				if !emit(held) {
					return
				}
				held = nil
				start()
			}
			if g.Zero {
				j.Args = nil
			}
			if g.Fit != nil {
				g.Fit.Add(j.Args...)
				if n := g.Fit.Len(); n >= g.Limit {
					if len(recs) == 0 {
						yield(Job{}, tooLong(n, g.Limit, read, j.Args))
						return
					}
					// The job is full without this record: it starts the
					// next one.
					if !emit(recs) {
						return
					}
					start()
					g.Fit.Add(j.Args...)
					if n := g.Fit.Len(); n >= g.Limit {
						yield(Job{}, tooLong(n, g.Limit, read, j.Args))
						return
					}
				}
			}
			recs = append(recs, j.Args)
			if g.Max > 0 && len(recs) >= g.Max {
				if g.Spread > 1 {
					held = recs
					continue
				}
				if !emit(recs) {
					return
				}
				start()
			}
		}
		last := recs
		if held != nil {
			last = held
		}
		if len(last) == 0 {
			return
		}
		if g.Spread > 1 {
			// The end of the input: spread the last job's records over
			// the job slots.
			per := (len(last) + g.Spread - 1) / g.Spread
			for len(last) > per {
				if !emit(last[:per]) {
					return
				}
				last = last[per:]
			}
		}
		emit(last)
	}
}

// flatten joins the arguments of records.
func flatten(recs [][]string) []string {
	if len(recs) == 1 {
		return recs[0]
	}
	n := 0
	for _, r := range recs {
		n += len(r)
	}
	args := make([]string, 0, n)
	for _, r := range recs {
		args = append(args, r...)
	}
	return args
}

// tooLong is the error of a record whose command line alone is too long.
func tooLong(n, limit, record int, args []string) error {
	s := strings.Join(args, " ")
	if len(s) > 50 {
		s = s[:50] + "..."
	}
	return fmt.Errorf("command line too long (%d >= %d characters) at input %d: %s", n, limit, record, s)
}

// continued joins a record that ends in white space with the next one
// (-L, --max-lines): GNU parallel reads it as one line continued on the
// next.
func continued(recs iter.Seq2[string, error]) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		var held string
		holding := false
		for r, err := range recs {
			if err != nil {
				yield(r, err)
				return
			}
			if holding {
				r, held, holding = held+r, "", false
			}
			if r != "" && strings.ContainsRune(" \t\n\r\f\v", rune(r[len(r)-1])) {
				held, holding = r, true
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
		if holding {
			yield(held, nil)
		}
	}
}
