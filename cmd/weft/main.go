// Command weft runs shell commands in parallel over inputs, in the manner of
// GNU parallel and xargs -P: the worker pool, rate limiting and
// select-with-timeout of the weft library doing real work.
//
//	weft -j 4 'gzip -9 {}' ::: *.log
//	find . -name '*.jpg' | weft --bar 'convert {} {.}.png'
//
// With --nats it runs the same jobs on workers on other machines, through
// NATS JetStream (weft serve embeds a server; weft worker runs the jobs):
//
//	weft worker --nats nats://queue.example:4222 -j 8      # on each worker
//	weft --nats nats://queue.example:4222 -k 'make {}' ::: a b c
//
// See weft --help for every option, weft help SUBCOMMAND for the options of
// each subcommand, and weft.1 for the manual page. This file only declares
// the subcommands and dispatches; each lives in a package of its own under
// internal/ (see ARCHITECTURE.md).
package main

//go:generate sh -c "go run . help --man > weft.1"
//go:generate go run gnunames_gen.go
//go:generate go test -run ^TestReadmeListsEveryRefusedOption$ . -args -update-readme
//go:generate go test -run ^TestDashboardInBrowser$ . -args -screenshots

import (
	"errors"
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/local"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/cmd/weft/internal/serve"
	"github.com/weft-dev/weft/cmd/weft/internal/status"
	"github.com/weft-dev/weft/cmd/weft/internal/submit"
	"github.com/weft-dev/weft/cmd/weft/internal/ui"
	workercmd "github.com/weft-dev/weft/cmd/weft/internal/worker" // the end-to-end tests have a type worker
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == reaper.Arg {
		os.Exit(reaper.Main(os.Stdin))
	}
	os.Exit(cli.Main(root(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Main: true}))
}

// root is the weft command and its subcommands.
func root() *cli.Command {
	bind := func() cli.Bound {
		rc, sc := run.Defaults(), submit.Defaults()
		return cli.Bound{
			Sections: append(run.Sections(rc), submit.Section(sc)),
			Run:      func(operands []string, env cli.Env) int { return runCommand(rc, sc, operands, env) },
			Presets:  func() ([]cli.Preset, error) { return rc.Presets(os.Getenv) },
		}
	}
	notes := []cli.Note{
		{Title: "Signals", Text: "on SIGINT or SIGTERM weft starts nothing new, sends SIGTERM to each running job's process group, SIGKILL after the grace period (or the signals of --termseq), and exits with 130 (SIGINT) or 143 (SIGTERM); a second SIGINT kills the jobs at once. A job is its process group: what it leaves running when its shell exits is killed, and if weft itself is killed (SIGKILL), a helper process it started kills the running jobs' groups."},
		{Title: "Exit status", Text: "0 when every job succeeded; 1-100 the number of failed jobs; 101 for more; with --halt on failures, the failing job's status; 255 for bad usage or other errors (reported before any job starts)."},
		{Title: "Example", Text: "weft -j 4 'echo hello {}' ::: a b c"},
	}
	weft := &cli.Command{
		Name:    "weft",
		Summary: "run a shell command for each input, many at once",
		Usage: []string{
			"weft [options] command [args...] [::: values...] [:::: files...]",
			"producer | weft [options] command",
		},
		Doc:         "weft runs a shell command for each input, many at once.",
		Notes:       notes,
		RunsCommand: true,
		Version:     func() string { return cli.VersionLine("weft") },
		Bind:        bind,
	}
	weft.Subcommands = []*cli.Command{
		{
			Name:        "run",
			Summary:     "the same as weft without it, for a command named like a subcommand",
			Usage:       []string{"weft run [options] command [args...] [::: values...] [:::: files...]"},
			Doc:         "weft run is weft itself: it runs a shell command for each input, many at once. Use it when the command is named like a subcommand of weft (weft run help ::: a).",
			Example:     "weft run --nats $URL 'make {}' ::: a b",
			Notes:       notes,
			RunsCommand: true,
			Bind:        bind,
		},
		workercmd.Command(),
		serve.Command(),
		ui.Command(),
		status.Command(),
		cli.HelpCommand(weft),
		cli.CompletionCommand(weft),
		cli.VersionCommand(weft),
	}
	return weft
}

// runCommand runs the command for each input, with the options rc and sc
// and the operands (the command, then the ::: and :::: groups): a dry run,
// here, or on the workers behind --nats. It returns the exit status.
func runCommand(rc *run.Config, sc *submit.Config, operands []string, env cli.Env) int {
	if rc.PrintCount != "" {
		// --number-of-*: print and exit, whatever else is given, as GNU
		// parallel does.
		if err := rc.PrintCounts(env.Stdout); err != nil {
			return cli.Fail(env, err)
		}
		return 0
	}
	if rc.Args.ShowLimit {
		// As in GNU parallel: the number, whatever else is given.
		fmt.Fprintln(env.Stdout, run.MaxLineLength())
		return 0
	}
	if err := rc.SetOperands(operands); err != nil {
		return cli.Fail(env, err)
	}
	if err := sc.Check(rc); err != nil {
		return cli.Fail(env, err)
	}
	if rc.Pipe.Active() && sc.URL != "" {
		return cli.Fail(env, errors.New("--pipe and --pipe-part run their jobs here: --nats cannot be used with them"))
	}
	if sc.URL != "" && (rc.Limits.Active() || rc.Nice != nil || rc.Termseq != nil) {
		return cli.Fail(env, errors.New("-j FILE, --load, --memfree, --noswap, --nice and --termseq apply to jobs run here: with --nats, give them to weft worker's machine (run the worker under nice)"))
	}
	if rc.Pipe.Active() && rc.Limits.Active() {
		return cli.Fail(env, errors.New("-j FILE, --load, --memfree and --noswap are not supported with --pipe and --pipe-part yet: give -j N"))
	}
	r, err := run.New(rc, env)
	if err != nil {
		return cli.Fail(env, err)
	}
	defer r.Close()
	if env.Main {
		defer r.HandleSignals()()
	}
	switch {
	case rc.DryRun:
		return r.DryRun()
	case sc.URL != "":
		return submit.Execute(r, sc)
	default:
		return local.Execute(r)
	}
}
