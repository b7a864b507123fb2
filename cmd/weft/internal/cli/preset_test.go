package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// presetRun runs args through a command whose presets are the profiles
// its -J options name (in profiles) and then env, and returns what the
// command got.
func presetRun(t *testing.T, profiles map[string][]string, env []string, args ...string) (status int, keep bool, jobs int, operands []string, stderr string) {
	t.Helper()
	cmd := &Command{Name: "weft", Bind: func() Bound {
		var k bool
		var j int
		var names []string
		return Bound{
			Sections: []Section{{Title: "Options", Options: []Option{
				{Names: []string{"-k"}, Help: "keep", Example: "weft -k", Set: True(&k)},
				{Names: []string{"-j"}, Arg: Required, Value: "N", Help: "jobs", Example: "weft -j 2", Set: Int(&j, 1)},
				{Names: []string{"-J"}, Arg: Required, Value: "NAME", Help: "profile", Example: "weft -J x", Set: Append(&names)},
			}}},
			Presets: func() ([]Preset, error) {
				var ps []Preset
				for i, n := range names {
					ps = append(ps, Preset{From: n, Words: profiles[n], Continues: i > 0})
				}
				if env != nil {
					ps = append(ps, Preset{From: "$PARALLEL", Words: env})
				}
				return ps, nil
			},
			Run: func(ops []string, _ Env) int {
				keep, jobs, operands = k, j, ops
				return 0
			},
		}
	}}
	var out, errb bytes.Buffer
	status = Main(cmd, args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return status, keep, jobs, operands, errb.String()
}

func TestPresetsComeBeforeTheCommandLine(t *testing.T) {
	profiles := map[string][]string{"keep": {"-k", "-j", "3"}, "lead": {"-j", "2", "echo", "pre"}, "bad": {"--nope"}}
	// The profile's -j 3, then $PARALLEL's -j 4, then the command line's.
	status, keep, jobs, ops, stderr := presetRun(t, profiles, []string{"-j", "4"}, "-J", "keep", "cmd")
	if status != 0 || !keep || jobs != 4 || !slices.Equal(ops, []string{"cmd"}) {
		t.Errorf("-J keep with $PARALLEL -j 4: %d %v %d %q %q; want keep, 4 jobs, cmd", status, keep, jobs, ops, stderr)
	}
	_, _, jobs, _, _ = presetRun(t, profiles, []string{"-j", "4"}, "-J", "keep", "-j", "5", "cmd")
	if jobs != 5 {
		t.Errorf("the command line's -j 5: %d jobs", jobs)
	}
	// A profile's words from the first that is not an option go before
	// the command; the profiles after it are words too, as GNU parallel
	// reads them as one list; $PARALLEL is read as options again.
	_, keep, jobs, ops, _ = presetRun(t, profiles, []string{"-k"}, "-J", "lead", "-J", "keep", "cmd", "x")
	if !keep || jobs != 2 || !slices.Equal(ops, []string{"echo", "pre", "-k", "-j", "3", "cmd", "x"}) {
		t.Errorf("-J lead -J keep: keep %v, %d jobs, %q; want keep (from $PARALLEL), 2 jobs, the words before cmd x", keep, jobs, ops)
	}
	// An unknown option in a profile is refused, naming the profile.
	status, _, _, _, stderr = presetRun(t, profiles, nil, "-J", "bad", "cmd")
	if status != 255 || stderr != "weft: bad: unknown option \"--nope\" (see weft --help)\n" {
		t.Errorf("-J bad: %d %q; want 255 and the profile named", status, stderr)
	}
	// A bad command line is reported as it is, presets or not.
	status, _, _, _, stderr = presetRun(t, profiles, nil, "-J", "bad", "--what")
	if status != 255 || !strings.Contains(stderr, `unknown option "--what"`) {
		t.Errorf("a bad command line: %d %q", status, stderr)
	}
}
