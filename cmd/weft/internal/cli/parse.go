package cli

import (
	"fmt"
	"strings"
)

// set is the options of one command, by name, with the built-in ones.
type set struct {
	path    []*Command
	byName  map[string]*Option
	help    bool // -h or --help was given
	version bool // --version was given
}

// builtins returns the options every command has (-h, --help) and the
// root's --version, bound to s.
func (s *set) builtins() Section {
	cmd := s.path[len(s.path)-1]
	sec := Section{Title: "Help", Options: []Option{{
		Names: []string{"-h", "--help"}, Help: "print this help and exit",
		Example: pathName(s.path) + " --help", Set: True(&s.help),
	}}}
	if cmd.Version != nil {
		sec.Options = append(sec.Options, Option{
			Names: []string{"--version"}, Help: "print the version (module version, revision and its date) and exit",
			Example: pathName(s.path) + " --version", Set: True(&s.version),
		})
	}
	return sec
}

// newSet indexes the options of the command at the end of path.
func newSet(path []*Command, sections []Section) (*set, error) {
	s := &set{path: path, byName: map[string]*Option{}}
	all := append(append([]Section(nil), sections...), s.builtins())
	for si := range all {
		for oi := range all[si].Options {
			o := &all[si].Options[oi]
			if err := checkOption(o); err != nil {
				return nil, fmt.Errorf("%s: %v", pathName(path), err)
			}
			for _, n := range o.allNames() {
				if s.byName[n] != nil {
					return nil, fmt.Errorf("%s: option %s is declared twice", pathName(path), n)
				}
				s.byName[n] = o
			}
		}
	}
	return s, nil
}

// checkOption reports a declaration that the parser or the renderers
// could not use.
func checkOption(o *Option) error {
	if o.Syntax != "" {
		if len(o.allNames()) > 0 || o.Set != nil {
			return fmt.Errorf("row %q documents syntax: it takes no names and no Set", o.Syntax)
		}
		return nil
	}
	if len(o.Names) == 0 {
		return fmt.Errorf("an option without a name (aliases %v)", o.Aliases)
	}
	for _, n := range o.allNames() {
		short := len(n) == 2 && n[0] == '-' && n[1] != '-'
		long := len(n) > 3 && strings.HasPrefix(n, "--") && n[2] != '-' && !strings.ContainsAny(n, "= \t")
		if !short && !long {
			return fmt.Errorf("option name %q is neither -x nor --word", n)
		}
	}
	switch {
	case o.Refused != "":
		return nil
	case o.Set == nil:
		return fmt.Errorf("option %s has no Set", o.Names[0])
	case (o.Arg == NoValue) != (o.Value == ""):
		return fmt.Errorf("option %s: a value name goes with Required or Optional, and only with them", o.Names[0])
	case !o.Hidden && (o.Help == "" || o.Example == ""):
		return fmt.Errorf("option %s needs Help and an Example", o.Names[0])
	}
	return nil
}

// parse applies the options at the front of args and returns the operands:
// the words from the first that is not an option ("-" is not one, nor is
// anything after "--", which is dropped).
func (s *set) parse(args []string) ([]string, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return args[i+1:], nil
		case len(a) < 2 || a[0] != '-':
			return args[i:], nil
		case strings.HasPrefix(a, "--"):
			n, err := s.long(args[i:])
			if err != nil {
				return nil, err
			}
			i += n
		default:
			n, err := s.short(args[i:])
			if err != nil {
				if hint := s.longHint(a); hint != nil {
					return nil, hint
				}
				return nil, err
			}
			i += n
		}
	}
	return nil, nil
}

// long applies the long option args[0] ("--jobs", "--jobs=4"), and returns
// how many more words it took as its value.
func (s *set) long(args []string) (int, error) {
	name, value, glued := strings.Cut(args[0], "=")
	o := s.byName[name]
	if o == nil {
		if len(name) == 3 && s.byName[name[1:]] != nil {
			return 0, fmt.Errorf("unknown option %q (use %s)", args[0], name[1:])
		}
		return 0, s.unknown(args[0])
	}
	if o.Refused != "" {
		return 0, fmt.Errorf("option %s is not supported: %s", name, o.Refused)
	}
	took := 0
	switch o.Arg {
	case NoValue:
		if glued {
			return 0, fmt.Errorf("option %s takes no value, got %q", name, value)
		}
	case Required:
		if !glued {
			if len(args) < 2 {
				return 0, fmt.Errorf("option %s needs a value (see %s)", name, helpHint(s.path))
			}
			value, took = args[1], 1
		}
	}
	return took, o.Set(name, value)
}

// short applies the short options of args[0]: one (-j4, -j 4, -j=4) or a
// bundle of switches that may end with one that takes a value (-kj4).
func (s *set) short(args []string) (int, error) {
	word := args[0]
	for j := 1; j < len(word); j++ {
		name := word[:1] + word[j:j+1]
		o := s.byName[name]
		switch {
		case o == nil && j == 1:
			return 0, s.unknown(word)
		case o == nil:
			return 0, fmt.Errorf("unknown option %q in %q (see %s)", name, word, helpHint(s.path))
		case o.Refused != "":
			return 0, fmt.Errorf("option %s is not supported: %s", name, o.Refused)
		}
		rest := word[j+1:]
		if o.Arg == NoValue {
			if v, ok := strings.CutPrefix(rest, "="); ok {
				return 0, fmt.Errorf("option %s takes no value, got %q", name, v)
			}
			if err := o.Set(name, ""); err != nil {
				return 0, err
			}
			continue
		}
		// The rest of the word is the value, after an "=" if there is one.
		value, _ := strings.CutPrefix(rest, "=")
		if rest == "" && o.Arg == Required {
			if len(args) < 2 {
				return 0, fmt.Errorf("option %s needs a value (see %s)", name, helpHint(s.path))
			}
			return 1, o.Set(name, args[1])
		}
		return 0, o.Set(name, value)
	}
	return 0, nil
}

// longHint is the error for a long option written with one dash
// (-ack-wait), if word is one.
func (s *set) longHint(word string) error {
	name, _, _ := strings.Cut(word, "=")
	if len(name) > 2 && s.byName["-"+name] != nil {
		return fmt.Errorf("unknown option %q (use -%s)", word, name)
	}
	return nil
}

func (s *set) unknown(word string) error {
	return fmt.Errorf("unknown option %q (see %s)", word, helpHint(s.path))
}
