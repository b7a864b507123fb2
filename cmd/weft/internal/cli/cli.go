// Package cli is the command line of the weft command and its
// subcommands: options declared as data (Option, in Sections), one
// GNU-style parser for every subcommand, and, from the same declarations,
// the help text, the man page and shell completion scripts.
//
// A command declares its options bound to fresh values each time it runs:
//
//	worker := &cli.Command{
//		Name: "worker", Summary: "run the jobs submitted through NATS",
//		Bind: func() cli.Bound {
//			c := worker.Defaults()
//			return cli.Bound{
//				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
//					{Names: []string{"-j", "--jobs"}, Arg: cli.Required, Value: "N",
//						Help: "run N jobs at once", Example: "weft worker -j 8", Set: cli.Int(&c.Jobs, 1)},
//				}}},
//				Run: func(operands []string, env cli.Env) int { return worker.Run(c, env) },
//			}
//		},
//	}
//	os.Exit(cli.Main(root, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Main: true}))
//
// Every command speaks with one voice: --long, --long=value, -s value,
// -svalue and bundled switches (-ku); -h and --help print its help and exit
// 0; bad usage (an unknown option, a missing or bad value, an option
// refused with its alternative) is one line on stderr and exit status 255,
// before anything runs.
package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Env is what a command runs with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Main is set when the command runs as the process's main function:
	// it may handle SIGINT and SIGTERM, and start helper processes from
	// its own executable. Tests that run a command in process leave it
	// unset.
	Main bool
}

// Command is a command or subcommand.
type Command struct {
	// Name is the word that selects it: "weft" for the root, "worker"
	// for weft worker.
	Name string
	// Summary says in one line, lower case and without a period, what it
	// does: in the list of subcommands, and the man page's NAME line for
	// the root.
	Summary string
	// Usage lines, each a whole synopsis ("weft [options] command ...").
	// Without any, help shows the path, "[options]" and the operands.
	Usage []string
	// Doc is the paragraph that opens the help text.
	Doc string
	// Example is the command line shown for it in its parent's list of
	// subcommands.
	Example string
	// Notes are titled paragraphs after the options: Signals, Exit status.
	Notes []Note
	// Operands are fixed words completed after the options
	// ("bash", "zsh", "fish"), if any.
	Operands func() []string
	// RunsCommand marks a command whose first operand is a command to run,
	// followed by its arguments: the shells complete it as one.
	RunsCommand bool
	// Subcommands are selected by the first word after the command's own
	// name, before any option.
	Subcommands []*Command
	// Version, if set, gives the command a --version option that prints
	// what it returns.
	Version func() string
	// Bind declares the command's options, bound to a fresh set of values,
	// with the function that runs the command once they are parsed. A
	// command without Bind has no options of its own and needs a
	// subcommand.
	Bind func() Bound
}

// Bound is a command's options, bound to their values, and what runs it.
type Bound struct {
	Sections []Section
	// Run runs the command with the operands (the words after the options)
	// and returns its exit status.
	Run func(operands []string, env Env) int
	// Presets, if set, returns options to read before the command line's
	// (a configuration file, a profile, an environment variable), in
	// order, given the values that the command line's own options set in
	// this Bound: Main calls it on a Bound of its own, bound only to learn
	// which presets the command line asks for.
	Presets func() ([]Preset, error)
}

// Preset is words read as options before the command line's, through the
// same parser: an error in them names From. As in GNU parallel, the
// options end at the first word that is not one, and the words from it on
// go before the command line's operands; and a preset that Continues the
// one before it is read as more of its words: once that one has an
// operand, all of its words are operands too.
type Preset struct {
	From      string // where the words came from: a file name, "$PARALLEL"
	Words     []string
	Continues bool // the words go on from the preset before (the files of one list)
}

// Note is a titled paragraph of a command's help ("Exit status: ...").
type Note struct {
	Title string
	Text  string
}

// Main runs the command line args (the program name left out) against
// root, and returns the exit status: the command's, 0 after help or the
// version, or 255 after bad usage, reported in one line on env.Stderr.
func Main(root *Command, args []string, env Env) int {
	path, args := find(root, args)
	cmd := path[len(path)-1]
	var b Bound
	if cmd.Bind != nil {
		b = cmd.Bind()
	}
	s, err := newSet(path, b.Sections)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: internal error: %v\n", root.Name, err)
		return 255
	}
	lead, err := presets(path, cmd, b, args, s)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", root.Name, err)
		return 255
	}
	operands, err := s.parse(args)
	if len(lead) > 0 {
		operands = append(lead, operands...)
	}
	switch {
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: %v\n", root.Name, err)
		return 255
	case s.help:
		WriteHelp(env.Stdout, path)
		return 0
	case s.version:
		fmt.Fprintln(env.Stdout, cmd.Version())
		return 0
	case b.Run == nil:
		fmt.Fprintf(env.Stderr, "%s: %s needs a subcommand (see %s)\n", root.Name, pathName(path), helpHint(path))
		return 255
	}
	return b.Run(operands, env)
}

// presets applies the presets of cmd, bound as b, to s, as the command
// line args asks for them, and returns the words of theirs that are
// operands.
func presets(path []*Command, cmd *Command, b Bound, args []string, s *set) ([]string, error) {
	if b.Presets == nil {
		return nil, nil
	}
	scout := cmd.Bind()
	ss, err := newSet(path, scout.Sections)
	if err != nil {
		return nil, err
	}
	if _, err := ss.parse(args); err != nil {
		return nil, nil // the command line's own error is reported when it is parsed again
	}
	ps, err := scout.Presets()
	if err != nil {
		return nil, err
	}
	var lead []string
	stopped := false // the preset before ended its options
	for _, p := range ps {
		if p.Continues && stopped {
			lead = append(lead, p.Words...)
			continue
		}
		ops, err := s.parse(p.Words)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p.From, err)
		}
		lead = append(lead, ops...)
		stopped = len(ops) > 0 || slices.Contains(p.Words, "--")
	}
	return lead, nil
}

// Fail reports err as bad usage or an error before anything ran: one line
// on env.Stderr, prefixed with the program's name, and exit status 255.
func Fail(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "weft: %v\n", err)
	return 255
}

// find walks from root down the subcommands named by the first words of
// args, and returns the path and the rest of args.
func find(root *Command, args []string) ([]*Command, []string) {
	path := []*Command{root}
	for len(args) > 0 {
		sub := path[len(path)-1].sub(args[0])
		if sub == nil {
			break
		}
		path = append(path, sub)
		args = args[1:]
	}
	return path, args
}

// sub returns the subcommand named name, or nil.
func (c *Command) sub(name string) *Command {
	for _, s := range c.Subcommands {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Find returns the path to the command that words name below root ("weft
// help serve credentials"), or an error that names the first unknown word.
func Find(root *Command, words []string) ([]*Command, error) {
	path, rest := find(root, words)
	if len(rest) > 0 {
		return nil, fmt.Errorf("no subcommand %q in %s (see %s)", rest[0], pathName(path), helpHint(path))
	}
	return path, nil
}

// pathName is the command's full name: "weft worker".
func pathName(path []*Command) string {
	names := make([]string, len(path))
	for i, c := range path {
		names[i] = c.Name
	}
	return strings.Join(names, " ")
}

// helpHint is where to look after a mistake: "weft worker --help".
func helpHint(path []*Command) string { return pathName(path) + " --help" }

// Walk calls f for root and every command below it, depth first, with its
// path from root.
func Walk(root *Command, f func(path []*Command)) {
	var walk func(path []*Command)
	walk = func(path []*Command) {
		f(path)
		for _, s := range path[len(path)-1].Subcommands {
			walk(append(path[:len(path):len(path)], s))
		}
	}
	walk([]*Command{root})
}
