// Package joblog reads and writes GNU parallel's joblog: a header, then a
// line per finished job, tab-separated (Seq, Host, Starttime, JobRuntime,
// Send, Receive, Exitval, Signal, Command), so that tools written for GNU
// parallel's logs read weft's, and a run can be resumed (--resume,
// --resume-failed) from the jobs it records.
//
//	w, err := joblog.Create("jobs.tsv", false)
//	w.Write(joblog.Entry{Seq: 1, Start: start, Runtime: d, Command: "make a"})
//	done, err := joblog.Read("jobs.tsv") // by sequence number
//
// Each line is written with one write, so that a joblog holds whole lines
// only, except perhaps a torn last one if weft was killed while writing it;
// Read ignores that one.
package joblog

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Header is GNU parallel's joblog header line.
const Header = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"

// Entry is one finished job in a joblog.
type Entry struct {
	Seq      int64
	Host     string // "" is written as ":", GNU parallel's name for this machine
	Start    time.Time
	Runtime  time.Duration
	Received int64 // bytes of output
	Exit     int   // -1 when killed by a signal
	Signal   int
	Command  string
}

// Line formats e as GNU parallel does, with its newline; a newline in the
// command is written as a space.
func (e Entry) Line() string {
	host := e.Host
	if host == "" {
		host = ":" // GNU parallel's name for this machine
	}
	return fmt.Sprintf("%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s\n",
		e.Seq, host, float64(e.Start.UnixMilli())/1000, e.Runtime.Seconds(), e.Received, e.Exit, e.Signal,
		strings.ReplaceAll(e.Command, "\n", " "))
}

// Read reads the jobs recorded in a joblog, by sequence number, with their
// Seq, Host, Exit, Signal and Command; a missing file is an empty log, and
// a torn last line (weft was killed while writing it) is ignored. Any other
// line that is not a joblog line is an error that names it.
func Read(path string) (map[int64]Entry, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[int64]Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read joblog: %v", err)
	}
	out := map[int64]Entry{}
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
		out[seq] = Entry{Seq: seq, Host: f[1], Exit: exit, Signal: sig, Command: f[8]}
	}
	return out, nil
}

// Writer appends entries to a joblog. It is used by one goroutine at a time.
type Writer struct {
	f *os.File
}

// Create opens the joblog at path for appending (appendTo, when resuming)
// or truncates it, and writes the header when the file is empty.
func Create(path string, appendTo bool) (*Writer, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if !appendTo {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write joblog: %v", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(Header); err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot write joblog: %v", err)
		}
	}
	return &Writer{f: f}, nil
}

// Append opens the joblog at path to append lines to, creating it if need
// be, without a header line, as GNU parallel's --joblog +FILE does.
func Append(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write joblog: %v", err)
	}
	return &Writer{f: f}, nil
}

// Write appends e's line with one write: the log holds the whole line or
// none of it.
func (w *Writer) Write(e Entry) error {
	_, err := w.f.WriteString(e.Line())
	return err
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }
