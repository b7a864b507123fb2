package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Role is what a credential lets its holder do with a server's stream sets.
type Role string

const (
	// RoleSubmitter publishes jobs, reads results and outputs (through
	// consumers it creates on them), and writes run states. It cannot take
	// or read jobs, create a consumer on the job stream, nor create, change
	// or delete any stream.
	RoleSubmitter Role = "submitter"
	// RoleWorker takes jobs, acknowledges them, reports results and stores
	// outputs. It cannot publish jobs, write run states, read results or
	// outputs back, nor create, change or delete any stream or consumer:
	// nothing it may publish can reach the job stream.
	RoleWorker Role = "worker"
	// RoleAdmin may do anything in the server's account: set streams up,
	// change and delete them. Only the server and SetUp need it.
	RoleAdmin Role = "admin"
)

func (r Role) valid() error {
	switch r {
	case RoleSubmitter, RoleWorker, RoleAdmin:
		return nil
	}
	return fmt.Errorf("fleet: unknown role %q (want %s, %s or %s)", string(r), RoleSubmitter, RoleWorker, RoleAdmin)
}

// validStream is what a stream set's name may be: its streams, buckets and
// subjects are derived from it.
var validStream = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func checkStreamName(name string) error {
	if !validStream.MatchString(name) {
		return fmt.Errorf("fleet: bad stream name %q (want 1 to 64 letters, digits, - or _)", name)
	}
	return nil
}

// The names of a stream set S. The weft command depends on them.
func jobSubject(s string) string      { return s + ".jobs" }
func resultsStream(s string) string   { return s + "_results" }
func resultsSubjects(s string) string { return s + ".results.>" }
func runsBucket(s string) string      { return s + "_runs" }
func workersBucket(s string) string   { return s + "_workers" }
func outputBucket(s string) string    { return s + "_output" }
func kvStream(bucket string) string   { return "KV_" + bucket }
func objStream(bucket string) string  { return "OBJ_" + bucket }

// Permissions are the subjects a credential may publish to and subscribe
// to. Anything else is refused by the server.
type Permissions struct {
	Publish   []string
	Subscribe []string
}

// InboxPrefix is the prefix of the reply subjects of a role's connections
// to the stream sets named: each role and scope has its own, so that no
// other credential may subscribe to its replies.
func InboxPrefix(role Role, streams ...string) string {
	s := slices.Sorted(slices.Values(streams))
	sum := sha256.Sum256([]byte(strings.Join(s, ",")))
	return "_INBOX." + string(role) + "-" + hex.EncodeToString(sum[:4])
}

// RolePermissions returns what role may do on the stream sets named, for a
// NATS account that holds nothing else: the permissions that Credentials
// writes into the credentials it makes, listed for administrators of other
// NATS servers who want to give their users the same split. RoleAdmin may
// do anything.
//
// For a stream set S (job stream S on subject S.jobs, results stream
// S_results on S.results.>, key-value buckets S_runs and S_workers, object
// store S_output):
//
//   - a submitter may publish to S.jobs and read S's and its consumers'
//     information; read S_results through consumers it creates on it, and
//     a result by its sequence number; read and write S_runs, and follow
//     it through consumers it creates; follow S_workers the same way
//     (read only); read S_output;
//   - a worker may read S's and its consumers' information, pull from S's
//     consumers and acknowledge, read and delete a message of S (a job that
//     was handed out too often, see Worker); publish to S.results.>; read
//     S_runs (by message, never by direct get: see below) and follow its
//     updates; write objects to S_output; write entries in S_workers (its
//     own entry in the worker registry, by publishing alone: it cannot
//     read them back), and listen to S's max-deliveries advisories.
//
// Neither may create, change or delete a stream, nor a consumer on S (a
// consumer's delivery subject, and a stream's sources or republishing, would
// let it move messages from one subject to another), purge or delete
// messages other than as said, nor restore a snapshot; a worker may create
// no consumer at all. A worker has no
// direct get: the server sends a direct get's answer, the stored message
// as it was, to whatever reply subject the request names, so a direct get
// of a message a worker wrote, answered to S.jobs, would be a job.
//
// A credential carries these subjects in its JWT, which a client sends in
// its CONNECT line: for more than about two stream sets it exceeds NATS's
// default max_control_line (4 KiB). StartServer allows 64 KiB; another
// server needs max_control_line raised to match.
func RolePermissions(role Role, streams ...string) (Permissions, error) {
	if err := role.valid(); err != nil {
		return Permissions{}, err
	}
	if role == RoleAdmin {
		return Permissions{Publish: []string{">"}, Subscribe: []string{">"}}, nil
	}
	if len(streams) == 0 {
		return Permissions{}, fmt.Errorf("fleet: a %s credential needs at least one stream", role)
	}
	for _, s := range streams {
		if err := checkStreamName(s); err != nil {
			return Permissions{}, err
		}
	}
	p := Permissions{Subscribe: []string{InboxPrefix(role, streams...) + ".>"}}
	api := "$JS.API."
	for _, s := range slices.Sorted(slices.Values(streams)) {
		r, kv, obj := resultsStream(s), kvStream(runsBucket(s)), objStream(outputBucket(s))
		wkv := kvStream(workersBucket(s))
		switch role {
		case RoleSubmitter:
			p.Publish = append(p.Publish,
				jobSubject(s),
				api+"STREAM.INFO."+s,
				api+"CONSUMER.INFO."+s+".*",
				// Its own ordered consumers on the results.
				api+"STREAM.INFO."+r,
				api+"CONSUMER.CREATE."+r+".>",
				api+"CONSUMER.INFO."+r+".*",
				api+"CONSUMER.DELETE."+r+".*",
				api+"CONSUMER.MSG.NEXT."+r+".*",
				api+"STREAM.MSG.GET."+r,
				// Run states: read, write and follow.
				api+"STREAM.INFO."+kv,
				api+"STREAM.MSG.GET."+kv,
				"$KV."+runsBucket(s)+".>",
				api+"CONSUMER.CREATE."+kv+".>",
				api+"CONSUMER.DELETE."+kv+".*",
				api+"CONSUMER.MSG.NEXT."+kv+".*",
				// The worker registry: follow.
				api+"STREAM.INFO."+wkv,
				api+"CONSUMER.CREATE."+wkv+".>",
				api+"CONSUMER.DELETE."+wkv+".*",
				api+"CONSUMER.MSG.NEXT."+wkv+".*",
				// Outputs: read (the chunks through an ordered push consumer).
				api+"STREAM.INFO."+obj,
				api+"STREAM.MSG.GET."+obj,
				api+"DIRECT.GET."+obj,
				api+"DIRECT.GET."+obj+".>",
				api+"CONSUMER.CREATE."+obj,
				api+"CONSUMER.CREATE."+obj+".>",
				api+"CONSUMER.INFO."+obj+".*",
				api+"CONSUMER.DELETE."+obj+".*",
				"$JS.FC."+obj+".>",
			)
			// Run states as they are written: a halt that another
			// submitter asks for (the dashboard) ends this one's run.
			p.Subscribe = append(p.Subscribe, "$KV."+runsBucket(s)+".>")
		case RoleWorker:
			p.Publish = append(p.Publish,
				api+"STREAM.INFO."+s,
				api+"CONSUMER.INFO."+s+".*",
				api+"CONSUMER.MSG.NEXT."+s+".*",
				"$JS.ACK."+s+".>",
				api+"STREAM.MSG.GET."+s,
				api+"STREAM.MSG.DELETE."+s,
				// Reports.
				resultsSubjects(s),
				api+"STREAM.INFO."+r,
				// Run states: read only, by message.
				api+"STREAM.INFO."+kv,
				api+"STREAM.MSG.GET."+kv,
				// Outputs: write only.
				api+"STREAM.INFO."+obj,
				"$O."+outputBucket(s)+".C.>",
				"$O."+outputBucket(s)+".M.>",
				// The worker registry: write only.
				"$KV."+workersBucket(s)+".>",
			)
			p.Subscribe = append(p.Subscribe,
				"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."+s+".*",
				"$KV."+runsBucket(s)+".>",
			)
		}
	}
	return p, nil
}
