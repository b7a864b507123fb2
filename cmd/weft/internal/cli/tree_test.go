package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// got is what a test command was run with.
type got struct {
	jobs     int
	keep     bool
	files    []string
	delim    string
	maxLines *string
	operands []string
	nats     string
	ackWait  time.Duration
	ran      string
}

// tree builds a command tree shaped like weft's, recording into g.
func tree(g *got) *Command {
	root := &Command{
		Name:        "weft",
		Summary:     "run a shell command for each input, many at once",
		Usage:       []string{"weft [options] command [args...] [::: values...]"},
		Doc:         "weft runs a shell command for each input, many at once.",
		RunsCommand: true,
		Version:     func() string { return "weft v1.2.3" },
		Notes:       []Note{{Title: "Exit status", Text: "0 when every job succeeded."}},
		Bind: func() Bound {
			return Bound{
				Sections: []Section{
					{Title: "Inputs", Intro: "one job per input", Options: []Option{
						{Syntax: "::: a b c", Help: "the values a, b and c", Example: "weft echo ::: a b c"},
						{Names: []string{"-a", "--arg-file"}, Arg: Required, Value: "FILE", Repeats: true,
							Help: "the lines of FILE", Example: "weft -a urls.txt curl", Set: Append(&g.files)},
						{Names: []string{"-d", "--delimiter"}, Arg: Required, Value: "D",
							Help: "records end with D", Example: "weft -d , echo", Set: String(&g.delim)},
						{Names: []string{"-l", "--max-lines"}, Arg: Optional, Value: "N",
							Help: "at most N lines per job", Example: "weft -l2 echo",
							Set: func(_, v string) error { g.maxLines = &v; return nil }},
					}, Text: "A command without replacement strings gets the input appended."},
					{Title: "Running", Options: []Option{
						{Names: []string{"-j", "--jobs"}, Aliases: []string{"-P"}, Arg: Required, Value: "N",
							Help: "run N jobs at once", Example: "weft -j 8 gzip", Set: Int(&g.jobs, 0)},
						{Names: []string{"-k", "--keep-order"}, Help: "print in input order",
							Example: "weft -k echo ::: a b", Set: True(&g.keep)},
						{Names: []string{"--pipe"}, Refused: "use a ::: group or stdin lines instead"},
						{Names: []string{"--will-cite"}, Hidden: true, Set: Ignore},
					}},
				},
				Run: func(operands []string, env Env) int {
					g.ran, g.operands = "weft", operands
					return 3
				},
			}
		},
	}
	worker := &Command{
		Name: "worker", Summary: "run the jobs submitted through NATS", Example: "weft worker -j 8",
		Bind: func() Bound {
			return Bound{
				Sections: []Section{{Title: "Options", Options: []Option{
					{Names: []string{"--nats"}, Arg: Required, Value: "URL", Help: "the server to take jobs from",
						Example: "weft worker --nats nats://q:4222", Set: String(&g.nats)},
					{Names: []string{"-j", "--jobs"}, Arg: Required, Value: "N", Help: "run N jobs at once",
						Example: "weft worker -j 8", Set: Int(&g.jobs, 1)},
					{Names: []string{"--ack-wait"}, Arg: Required, Value: "D", Help: "how long a vanished worker's job waits",
						Example: "weft worker --ack-wait 1m", Set: Duration(&g.ackWait)},
				}}},
				Run: func(operands []string, env Env) int {
					if err := NoOperands("weft worker", operands); err != nil {
						return Fail(env, err)
					}
					g.ran = "worker"
					return 0
				},
			}
		},
	}
	serve := &Command{
		Name: "serve", Summary: "run an embedded NATS server", Example: "weft serve --store /var/lib/weft",
		Bind: func() Bound {
			var store string
			return Bound{
				Sections: []Section{{Title: "Options", Options: []Option{
					{Names: []string{"--store"}, Arg: Required, Value: "DIR", Help: "where jobs are kept",
						Example: "weft serve --store /var/lib/weft", Set: String(&store)},
				}}},
				Run: func([]string, Env) int { g.ran = "serve"; return 0 },
			}
		},
		Subcommands: []*Command{{
			Name: "credentials", Summary: "manage the server's credentials",
			Subcommands: []*Command{{
				Name: "add", Summary: "add a credential", Example: "weft serve credentials add",
				Bind: func() Bound { return Bound{Run: func([]string, Env) int { g.ran = "add"; return 0 }} },
			}},
		}},
	}
	run := &Command{Name: "run", Summary: "the same as weft, for a command named like a subcommand",
		Usage: []string{"weft run [options] command [args...]"}, Example: "weft run help ::: a",
		RunsCommand: true, Bind: root.Bind}
	root.Subcommands = []*Command{run, worker, serve}
	root.Subcommands = append(root.Subcommands, HelpCommand(root), CompletionCommand(root), VersionCommand(root))
	return root
}

type result struct {
	status         int
	stdout, stderr string
}

// run runs args through Main with a fresh tree.
func run(t *testing.T, args ...string) (result, *got) {
	t.Helper()
	g := &got{}
	var out, errb bytes.Buffer
	status := Main(tree(g), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return result{status, out.String(), errb.String()}, g
}

func TestTheTreeIsWellDeclared(t *testing.T) {
	if err := Check(tree(&got{})); err != nil {
		t.Fatal(err)
	}
}
