package cli

import (
	"errors"
	"fmt"
	"slices"
)

// HelpCommand returns the help subcommand of root: "weft help worker"
// prints the help of weft worker, "weft help" the root's, and
// "weft help --man" the manual page of every command.
func HelpCommand(root *Command) *Command {
	return &Command{
		Name:    "help",
		Summary: "print the help of " + root.Name + " or of a subcommand, or the manual page",
		Usage:   []string{root.Name + " help [--man] [SUBCOMMAND]"},
		Doc:     "Print the help of " + root.Name + " or of one of its subcommands, the same as its --help; with --man, the manual page of every command, in roff.",
		Example: root.Name + " help worker",
		Operands: func() []string {
			var names []string
			for _, s := range root.Subcommands {
				names = append(names, s.Name)
			}
			return names
		},
		Bind: func() Bound {
			var man bool
			return Bound{
				Sections: []Section{{Title: "Options", Options: []Option{{
					Names:   []string{"--man"},
					Help:    "print the manual page of " + root.Name + " and of every subcommand (roff), to read with man -l - or to install as " + root.Name + ".1",
					Example: root.Name + " help --man | man -l -",
					Set:     True(&man),
				}}}},
				Run: func(operands []string, env Env) int {
					if man {
						if len(operands) > 0 {
							return Fail(env, fmt.Errorf("%s help --man prints the whole manual: give no subcommand, got %q", root.Name, operands))
						}
						WriteMan(env.Stdout, root)
						return 0
					}
					path, err := Find(root, operands)
					if err != nil {
						return Fail(env, err)
					}
					WriteHelp(env.Stdout, path)
					return 0
				},
			}
		},
	}
}

// shells are the shells CompletionCommand writes scripts for.
var shells = []string{"bash", "zsh", "fish"}

// CompletionCommand returns the completion subcommand of root: "weft
// completion bash" prints a completion script for bash, generated from the
// same option tables as the help.
func CompletionCommand(root *Command) *Command {
	return &Command{
		Name:    "completion",
		Summary: "print a shell completion script for bash, zsh or fish",
		Usage:   []string{root.Name + " completion bash|zsh|fish"},
		Doc: "Print a script that completes " + root.Name + "'s subcommands and options in the shell. " +
			"bash: source <(" + root.Name + " completion bash), in ~/.bashrc for instance. " +
			"zsh: " + root.Name + " completion zsh > _" + root.Name + " in a directory of $fpath, then start a new shell. " +
			"fish: " + root.Name + " completion fish > ~/.config/fish/completions/" + root.Name + ".fish.",
		Example:  "source <(" + root.Name + " completion bash)",
		Operands: func() []string { return shells },
		Bind: func() Bound {
			return Bound{Run: func(operands []string, env Env) int {
				if len(operands) != 1 {
					return Fail(env, fmt.Errorf("%s completion needs one shell: bash, zsh or fish (got %q)", root.Name, operands))
				}
				var err error
				switch operands[0] {
				case "bash":
					err = WriteBash(env.Stdout, root)
				case "zsh":
					err = WriteZsh(env.Stdout, root)
				case "fish":
					err = WriteFish(env.Stdout, root)
				default:
					return Fail(env, fmt.Errorf("unknown shell %q (want bash, zsh or fish)", operands[0]))
				}
				if err != nil {
					return Fail(env, err)
				}
				return 0
			}}
		},
	}
}

// VersionCommand returns the version subcommand of root, which prints what
// root.Version returns, like --version.
func VersionCommand(root *Command) *Command {
	return &Command{
		Name:    "version",
		Summary: "print the version, like --version",
		Example: root.Name + " version",
		Bind: func() Bound {
			return Bound{Run: func(operands []string, env Env) int {
				if len(operands) > 0 {
					return Fail(env, fmt.Errorf("%s version takes no arguments, got %q", root.Name, operands))
				}
				fmt.Fprintln(env.Stdout, root.Version())
				return 0
			}}
		},
	}
}

// NoOperands is the error of a command that takes no operands and was given
// some, or nil.
func NoOperands(path string, operands []string) error {
	if len(operands) == 0 {
		return nil
	}
	return fmt.Errorf("%s takes no arguments, got %q", path, operands)
}

// Check reports every declaration below root that the parser or the
// renderers could not use: a malformed or repeated option name, an option
// without help or example, a subcommand name used twice.
func Check(root *Command) error {
	var errs []error
	Walk(root, func(path []*Command) {
		cmd := path[len(path)-1]
		var b Bound
		if cmd.Bind != nil {
			b = cmd.Bind()
		}
		if _, err := newSet(path, b.Sections); err != nil {
			errs = append(errs, err)
		}
		var names []string
		for _, s := range cmd.Subcommands {
			if slices.Contains(names, s.Name) {
				errs = append(errs, fmt.Errorf("%s: subcommand %s is declared twice", pathName(path), s.Name))
			}
			names = append(names, s.Name)
		}
		if len(path) > 1 && cmd.Summary == "" {
			errs = append(errs, fmt.Errorf("%s: a subcommand needs a Summary", pathName(path)))
		}
	})
	return errors.Join(errs...)
}
