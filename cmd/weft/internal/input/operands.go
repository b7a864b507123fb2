package input

import "errors"

// SplitOperands reads the words that follow the options on the command
// line: the command (every word up to the first ::: or ::::), then the
// input groups: ::: followed by values, or :::: followed by one or more
// files (each file a group of its own).
func SplitOperands(words []string) (command []string, sources []Source, err error) {
	i := 0
	for ; i < len(words) && words[i] != ":::" && words[i] != "::::"; i++ {
		command = append(command, words[i])
	}
	for i < len(words) {
		sep := words[i]
		i++
		var vals []string
		for ; i < len(words) && words[i] != ":::" && words[i] != "::::"; i++ {
			vals = append(vals, words[i])
		}
		if sep == ":::" {
			sources = append(sources, Source{Values: vals})
			continue
		}
		if len(vals) == 0 {
			return nil, nil, errors.New(":::: needs at least one file")
		}
		for _, f := range vals {
			sources = append(sources, Source{File: f, IsFile: true})
		}
	}
	return command, sources, nil
}
