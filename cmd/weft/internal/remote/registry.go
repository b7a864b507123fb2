package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/weft-dev/weft/fleet"
)

// The fleet's state lives in JetStream only. Besides the jobs, the results
// and the run states (see Job, Result and the State constants), for a
// stream named S:
//
//   - each weft worker announces itself in the key-value bucket S_workers
//     (fleet's worker registry), under a key of its own (NewWorkerKey), as a
//     WorkerEntry rewritten at most every WriteGap while its jobs change and
//     every HeartbeatEvery otherwise; an entry not rewritten for GoneAfter
//     is a worker that died (shown as gone), and it expires
//     fleet.WorkersKeep after its last write;
//   - each submitter records its run as a RunRecord in the bucket S_runs,
//     under RunRecordKey(run), next to the run's state: a key that no run ID
//     can be, so workers, which read states by run ID, never take it for one.

// Registry timing. A worker rewrites its entry at most every WriteGap
// while its jobs start and end, so that a dashboard sees jobs of a second
// or less run, at a cost that does not grow with the jobs' rate; it
// rewrites it every HeartbeatEvery when nothing changed. A viewer takes a
// worker whose entry the server has not stored for GoneAfter (four missed
// heartbeats, plus room for a slow write) for dead: a worker killed with
// SIGKILL is shown gone within GoneAfter, not after the bucket's TTL.
const (
	WriteGap       = 250 * time.Millisecond
	HeartbeatEvery = 2 * time.Second
	GoneAfter      = 4*HeartbeatEvery + 2*time.Second
)

// WorkerEntry is a worker's entry in the registry.
type WorkerEntry struct {
	Name    string    `json:"name"` // as in the joblog's Host column (--name)
	Host    string    `json:"host"` // the machine's host name
	Slots   int       `json:"slots"`
	Version string    `json:"version,omitempty"`
	Started time.Time `json:"started"`
	Beat    time.Time `json:"beat"` // when this entry was written
	// Stopped is set on the last entry a worker writes as it exits.
	Stopped bool         `json:"stopped,omitempty"`
	Running []RunningJob `json:"running,omitempty"`
	Done    int64        `json:"done"`   // jobs it finished with exit status 0
	Failed  int64        `json:"failed"` // jobs it finished otherwise
}

// RunningJob is a job a worker runs now.
type RunningJob struct {
	Run     string    `json:"run"`
	Seq     int64     `json:"seq"`
	Command string    `json:"cmd"`
	Started time.Time `json:"started"`
}

// RunRecord is what a submitter records about its run.
type RunRecord struct {
	ID        string    `json:"id"`
	Command   string    `json:"cmd"`                 // the command template, as given
	Submitter string    `json:"submitter,omitempty"` // user@host
	Started   time.Time `json:"started"`
	// Total is the number of jobs, once TotalKnown (the input was read to
	// its end); 0 before.
	Total      int64 `json:"total,omitempty"`
	TotalKnown bool  `json:"total_known,omitempty"`
}

// runRecordPrefix starts the keys of the run records in S_runs: run IDs
// have no dot, so no record's key is a run's.
const runRecordPrefix = "info."

// RunRecordKey is the key of run's record in the bucket S_runs.
func RunRecordKey(run string) string { return runRecordPrefix + run }

// IsRunID tells whether a key of the bucket S_runs is a run's state (not
// its record).
func IsRunID(key string) bool { return !strings.Contains(key, ".") }

// RunOfRecordKey returns the run whose record key is key, and whether key
// is a record's.
func RunOfRecordKey(key string) (string, bool) {
	run, ok := strings.CutPrefix(key, runRecordPrefix)
	return run, ok && IsRunID(run)
}

// NewWorkerKey returns a fresh registry key for a worker: random, since
// several workers may have the same name.
func NewWorkerKey() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// PutRunRecord writes rec in the bucket S_runs.
func (c *Conn) PutRunRecord(ctx context.Context, rec *RunRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = c.streams.PutRun(ctx, RunRecordKey(rec.ID), data)
	return err
}

// PutWorker writes a worker's registry entry under key.
func (c *Conn) PutWorker(ctx context.Context, key string, e *WorkerEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return c.streams.PutWorker(ctx, key, data)
}

// WorkersStream is the name of the stream behind the worker registry.
func (c *Conn) WorkersStream() string { return "KV_" + c.streams.WorkersBucket() }

// RunsStream is the name of the stream behind the bucket S_runs.
func (c *Conn) RunsStream() string { return "KV_" + c.streams.Runs.Bucket() }

// Streams are the fleet's streams of c's stream name.
func (c *Conn) Streams() *fleet.Streams { return c.streams }
