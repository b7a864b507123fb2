package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

// Presets returns the options to read before the command line's, as GNU
// parallel reads them: with no -J, the configuration files
// (/etc/parallel/config, config in each configuration directory,
// ~/.parallelrc), those that exist; with -J NAME (--profile), the file
// NAME in each configuration directory instead (./NAME or /NAME: that
// file); then $PARALLEL. With --plain, none. getenv reads the
// environment.
//
// A file has one or more options a line, split into words as a shell
// would (quotes and backslashes); a line whose first word starts with #
// is a comment. Where GNU parallel silently skips a -J profile it cannot
// find and a line with an unbalanced quote, weft refuses them by name.
func (c *Config) Presets(getenv func(string) string) ([]cli.Preset, error) {
	if c.Plain {
		return nil, nil
	}
	dirs := configDirs(getenv)
	var files []string
	if len(c.Profiles) == 0 {
		files = append(files, systemConfig)
		for _, d := range dirs {
			files = append(files, filepath.Join(d, "config"))
		}
		if home := getenv("HOME"); home != "" {
			files = append(files, filepath.Join(home, ".parallelrc"))
		}
	}
	for _, name := range c.Profiles {
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "./") {
			if !readable(name) {
				return nil, fmt.Errorf("-J %s: cannot read the profile %s", name, name)
			}
			files = append(files, name)
			continue
		}
		found := false
		for _, d := range dirs {
			if f := filepath.Join(d, name); readable(f) {
				files, found = append(files, f), true
			}
		}
		if !found {
			return nil, fmt.Errorf("-J %s: no readable profile %s in %s", name, name, where(getenv))
		}
	}
	var ps []cli.Preset
	for i, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) && len(c.Profiles) == 0 {
			continue // the configuration files need not exist
		}
		if err != nil {
			return nil, err
		}
		words, err := profileWords(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		ps = append(ps, cli.Preset{From: f, Words: words, Continues: i > 0})
	}
	for _, v := range []string{"PARALLEL", "PARALLEL_CSH"} {
		if s := getenv(v); s != "" {
			words, err := ShellWords(s)
			if err != nil {
				return nil, fmt.Errorf("$%s: %v", v, err)
			}
			ps = append(ps, cli.Preset{From: "$" + v, Words: words, Continues: v == "PARALLEL_CSH" && len(ps) > 0 && ps[len(ps)-1].From == "$PARALLEL"})
		}
	}
	return ps, nil
}

// systemConfig is the configuration file of every user of the machine.
var systemConfig = "/etc/parallel/config"

// configDirs are GNU parallel's configuration directories, those that
// exist, in order: $PARALLEL_HOME, $XDG_CONFIG_HOME/parallel, each of
// $XDG_CONFIG_DIRS/parallel, ~/.parallel.
func configDirs(getenv func(string) string) []string {
	var all []string
	if d := getenv("PARALLEL_HOME"); d != "" {
		all = append(all, d)
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		all = append(all, filepath.Join(d, "parallel"))
	}
	for _, d := range strings.Split(getenv("XDG_CONFIG_DIRS"), ":") {
		if d != "" {
			all = append(all, filepath.Join(d, "parallel"))
		}
	}
	if home := getenv("HOME"); home != "" {
		all = append(all, filepath.Join(home, ".parallel"))
	}
	var dirs []string
	for _, d := range all {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// where names the directories a profile is looked for in.
func where(getenv func(string) string) string {
	if dirs := configDirs(getenv); len(dirs) > 0 {
		return strings.Join(dirs, ", ")
	}
	return "~/.parallel (or $PARALLEL_HOME, $XDG_CONFIG_HOME/parallel)"
}

func readable(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	return err == nil && !st.IsDir()
}

// profileWords splits a profile into words, line by line, skipping the
// lines that start with # (after blanks).
func profileWords(data string) ([]string, error) {
	var words []string
	for i, line := range strings.Split(data, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " \t\r\f\v"), "#") {
			continue
		}
		w, err := ShellWords(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		words = append(words, w...)
	}
	return words, nil
}

// ShellWords splits s into words as GNU parallel splits a profile line or
// $PARALLEL (perl's Text::ParseWords::shellwords): at runs of blanks, with
// "double quotes" (where a backslash escapes any character), 'single
// quotes' (where a backslash before a quote keeps both) and backslashes
// outside quotes. An unbalanced quote is an error.
func ShellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case ch == '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("a backslash ends %q", s)
			}
			inWord = true
			i++
			w.WriteByte(s[i])
		case ch == '"' || ch == '\'':
			inWord = true
			j := i + 1
			for ; j < len(s) && s[j] != ch; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					if ch == '"' {
						j++ // the backslash goes, the character stays
					} else {
						w.WriteByte('\\') // in single quotes both stay
						j++
					}
				}
				w.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unbalanced %c quote in %q", ch, s)
			}
			i = j
		default:
			inWord = true
			w.WriteByte(ch)
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
