package status

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

func TestMain(m *testing.M) {
	// Servers write the same user's credentials in the configuration
	// directory: keep this run's apart.
	dir, err := os.MkdirTemp("", "weft-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// TestStatus: the overview and a run, as text and JSON; an unknown run and
// bad usage are one line and 255.
func TestStatus(t *testing.T) {
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig("weft", 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	c, err := remote.Open(srv.URL(), "weft", fleet.RoleSubmitter, remote.Access{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.PutRunRecord(context.Background(), &remote.RunRecord{ID: "r1", Command: "gzip {}", Submitter: "ann@box", Started: time.Now(), Total: 4, TotalKnown: true}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		s := cli.Main(Command(), append([]string{"--nats", srv.URL()}, args...), cli.Env{Stdout: &out, Stderr: &errb})
		return s, out.String(), errb.String()
	}
	s, out, errs := run()
	if s != 0 || !strings.Contains(out, "r1") || !strings.Contains(out, "gzip {}") || !strings.Contains(out, "ann@box") {
		t.Errorf("overview: %d %q %q", s, out, errs)
	}
	s, out, _ = run("--json", "r1")
	var d dash.RunDetail
	if err := json.Unmarshal([]byte(out), &d); s != 0 || err != nil || d.Run.Total != 4 || d.Run.Queued != 4 || len(d.Jobs) != 4 {
		t.Errorf("run r1 --json: %d %v %+v", s, err, d)
	}
	s, out, _ = run("--json", "--state", "done", "r1")
	if err := json.Unmarshal([]byte(out), &d); s != 0 || err != nil || len(d.Jobs) != 0 || d.State != dash.JobDone {
		t.Errorf("run r1 --state done: %d %v %+v", s, err, d)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, "run nope: not found in stream weft"},
		{[]string{"a", "b"}, "takes at most one run ID"},
		{[]string{"--state", "done"}, "--state and --page list a run's jobs: give the run's ID"},
		{[]string{"--page", "0", "r1"}, "--page"},
		{[]string{"bad.id"}, "bad value for RUN"},
		{[]string{"--stream", "other"}, "may not use stream other"},
	} {
		s, out, errs := run(tc.args...)
		if s != 255 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: %d, stdout %q, stderr %q; want 255 and one line with %q", tc.args, s, out, errs, tc.want)
		}
	}
}
