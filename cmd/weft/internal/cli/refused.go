package cli

import (
	"io"
	"slices"
	"strings"
)

// refusal is an option that some commands refuse: its names, why, and the
// commands (their paths, "weft worker") that refuse it.
type refusal struct {
	names  []string
	reason string
	by     []string
}

// refusals returns the options refused by root and the commands below it,
// in the order their tables declare them; an option refused alike by
// several commands is one refusal.
func refusals(root *Command) []*refusal {
	var rows []*refusal
	Walk(root, func(path []*Command) {
		cmd := path[len(path)-1]
		if cmd.Bind == nil {
			return
		}
		for _, sec := range cmd.Bind().Sections {
			for _, o := range sec.Options {
				if o.Refused == "" {
					continue
				}
				names := o.allNames()
				i := slices.IndexFunc(rows, func(r *refusal) bool { return slices.Equal(r.names, names) && r.reason == o.Refused })
				if i < 0 {
					rows = append(rows, &refusal{names: names, reason: o.Refused})
					i = len(rows) - 1
				}
				rows[i].by = append(rows[i].by, pathName(path))
			}
		}
	})
	return rows
}

// WriteRefusedMarkdown writes the options that root and its subcommands
// refuse as a Markdown table, for a README: each option's names, the
// commands that refuse it when not all of them do, and the line it is
// refused with.
func WriteRefusedMarkdown(w io.Writer, root *Command) {
	var b strings.Builder
	b.WriteString("| option | refused with |\n|---|---|\n")
	for _, r := range refusals(root) {
		names := make([]string, len(r.names))
		for i, n := range r.names {
			names[i] = "`" + n + "`"
		}
		b.WriteString("| " + strings.Join(names, ", "))
		if !slices.Contains(r.by, root.Name) {
			b.WriteString(" (" + strings.Join(r.by, ", ") + ")")
		}
		b.WriteString(" | " + strings.ReplaceAll(r.reason, "|", `\|`) + " |\n")
	}
	io.WriteString(w, b.String())
}
