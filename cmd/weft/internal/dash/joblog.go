package dash

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strings"
)

// JoblogHeader is the first line of a joblog, GNU parallel's.
const JoblogHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"

// WriteJoblog writes jobs as a joblog in GNU parallel's format, header
// first, as `weft --joblog` writes it: tab-separated Seq, Host (the
// worker), Starttime (Unix seconds), JobRuntime (seconds), Send (0),
// Receive (stdout bytes), Exitval, Signal and Command (newlines made
// spaces). It stops at the first error of jobs and returns it.
func WriteJoblog(w io.Writer, jobs iter.Seq2[Job, error]) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(JoblogHeader)
	for j, err := range jobs {
		if err != nil {
			bw.Flush()
			return err
		}
		bw.WriteString(joblogLine(&j))
	}
	return bw.Flush()
}

func joblogLine(j *Job) string {
	host := j.Worker
	if host == "" {
		host = ":" // GNU parallel's name for this machine
	}
	return fmt.Sprintf("%d\t%s\t%.3f\t%10.3f\t0\t%d\t%d\t%d\t%s\n",
		j.Seq, host, float64(j.Started.UnixMilli())/1000, j.Elapsed.Seconds(), j.Stdout, j.Exit, j.Signal,
		strings.ReplaceAll(j.Command, "\n", " "))
}

// joblog answers GET /runs/{id}/joblog: the run's joblog as a download.
// Its Content-Type is text/tab-separated-values and it is an attachment,
// so a browser saves it and never renders it (nosniff), whatever the jobs'
// commands hold. A Source error after the first line aborts the response,
// so that a cut joblog is never taken for a whole one.
func (d *Dash) joblog(w http.ResponseWriter, r *http.Request, _ *session) {
	if err := checkQuery(r); err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	id := r.PathValue("id")
	snap := d.snapshot(w, r)
	if snap == nil {
		return
	}
	if findRun(snap, id) == nil {
		d.fail(w, r, http.StatusNotFound, fmt.Sprintf("dash: run %q: not found", id))
		return
	}
	next, stop := iter.Pull2(d.cfg.Source.Joblog(r.Context(), id))
	defer stop()
	j, err, ok := next()
	if err != nil {
		d.sourceError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/tab-separated-values; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "weft-" + fileName(id) + ".joblog"}))
	bw := bufio.NewWriter(w)
	bw.WriteString(JoblogHeader)
	for ok {
		if err != nil {
			bw.Flush()
			panic(http.ErrAbortHandler)
		}
		bw.WriteString(joblogLine(&j))
		j, err, ok = next()
	}
	bw.Flush()
}

// fileName keeps the characters of s that are safe in a file name, at
// most 64.
func fileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
