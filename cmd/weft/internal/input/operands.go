package input

import "fmt"

// The separators of GNU parallel, which --arg-sep and --arg-file-sep
// change.
const (
	ArgSep     = ":::"
	ArgFileSep = "::::"
)

// SplitOperands reads the words that follow the options on the command
// line: the command (every word up to the first separator), then the
// input groups: argSep (:::) followed by values, or fileSep (::::)
// followed by one or more files (each file a group of its own). A
// separator followed by + (:::+, ::::+) links its group to the one before,
// as GNU parallel does: the n-th values go together, and the shorter
// group decides how many there are.
func SplitOperands(words []string, argSep, fileSep string) (command []string, sources []Source, err error) {
	isSep := func(w string) bool {
		return w == argSep || w == fileSep || w == argSep+"+" || w == fileSep+"+"
	}
	i := 0
	for ; i < len(words) && !isSep(words[i]); i++ {
		command = append(command, words[i])
	}
	for i < len(words) {
		sep := words[i]
		i++
		var vals []string
		for ; i < len(words) && !isSep(words[i]); i++ {
			vals = append(vals, words[i])
		}
		linked := sep == argSep+"+" || sep == fileSep+"+"
		if linked && len(sources) == 0 {
			return nil, nil, fmt.Errorf("%s links to the input source before it, and there is none (use %s first)", sep, sep[:len(sep)-1])
		}
		if sep == argSep || sep == argSep+"+" {
			sources = append(sources, Source{Values: vals, Linked: linked})
			continue
		}
		if len(vals) == 0 {
			return nil, nil, fmt.Errorf("%s needs at least one file", sep)
		}
		for _, f := range vals {
			sources = append(sources, Source{File: f, IsFile: true, Linked: linked})
		}
	}
	return command, sources, nil
}
