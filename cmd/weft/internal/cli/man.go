package cli

import (
	"io"
	"slices"
	"strings"
)

// WriteMan writes the manual page of root and of every command below it,
// in roff with the man(7) macros, from the same declarations as the help.
// It holds no date or version, so that it changes only when they do.
func WriteMan(w io.Writer, root *Command) {
	var b strings.Builder
	name := strings.ToUpper(root.Name)
	b.WriteString(`.\" Generated from weft's option tables by "` + root.Name + ` help --man"; do not edit.` + "\n")
	b.WriteString(".TH " + name + " 1 \"\" \"" + root.Name + "\" \"User Commands\"\n")
	b.WriteString(".SH NAME\n" + roff(root.Name+" - "+root.Summary) + "\n")
	b.WriteString(".SH SYNOPSIS\n.nf\n")
	for _, u := range usage([]*Command{root}) {
		b.WriteString(roff(u) + "\n")
	}
	b.WriteString(".fi\n")
	if root.Doc != "" {
		b.WriteString(".SH DESCRIPTION\n" + roff(root.Doc) + "\n")
	}
	b.WriteString(".SH OPTIONS\n")
	manSections(&b, []*Command{root}, ".SS ")
	for _, n := range root.Notes {
		b.WriteString(".SH " + roff(strings.ToUpper(n.Title)) + "\n" + roff(n.Text) + "\n")
	}
	if len(root.Subcommands) > 0 {
		b.WriteString(".SH SUBCOMMANDS\n")
		Walk(root, func(path []*Command) {
			if len(path) == 1 {
				return
			}
			cmd := path[len(path)-1]
			b.WriteString(".SS " + roff(pathName(path)) + "\n")
			b.WriteString(".nf\n")
			for _, u := range usage(path) {
				b.WriteString(roff(u) + "\n")
			}
			b.WriteString(".fi\n.PP\n")
			if cmd.Doc != "" {
				b.WriteString(roff(cmd.Doc) + "\n")
			} else {
				b.WriteString(roff(upperFirst(cmd.Summary)+".") + "\n")
			}
			manSections(&b, path, ".PP\n.B ")
			for _, n := range cmd.Notes {
				b.WriteString(".PP\n\\fB" + roff(n.Title) + ":\\fR " + roff(n.Text) + "\n")
			}
		})
	}
	manRefused(&b, root)
	b.WriteString(".SH SEE ALSO\n.BR parallel (1),\n.BR xargs (1)\n")
	io.WriteString(w, b.String())
}

// manSections writes the sections of the command at the end of path, each
// headed by heading and its title, without the subcommands (they have a
// section of their own), and the built-in -h and --help only for the root.
func manSections(b *strings.Builder, path []*Command, heading string) {
	secs := sections(path)
	for i, sec := range secs {
		if sec.Title == "Subcommands" && len(path[len(path)-1].Subcommands) > 0 {
			continue
		}
		if len(path) > 1 && i == len(secs)-1 {
			continue // the built-in options, said once for the root
		}
		title := sec.Title
		if sec.Intro != "" {
			title += " (" + sec.Intro + ")"
		}
		b.WriteString(heading + roff(title) + "\n")
		for _, o := range sec.Options {
			if o.Hidden || o.Refused != "" {
				continue
			}
			b.WriteString(".TP\n" + manTerm(o) + "\n" + roff(help(o)))
			if len(o.Aliases) > 0 {
				b.WriteString(" (also accepted: " + boldNames(o.Aliases) + ")")
			}
			b.WriteString("\n")
			if o.Example != "" {
				b.WriteString(".RS\n.nf\n" + roff(o.Example) + "\n.fi\n.RE\n")
			}
		}
		for _, p := range paragraphs(sec.Text) {
			b.WriteString(".PP\n" + roff(p) + "\n")
		}
	}
}

// manRefused lists the options refused by name, with what to use instead,
// each once with the commands that refuse it.
func manRefused(b *strings.Builder, root *Command) {
	type refusal struct {
		names, reason string
		by            []string
	}
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
				r := &refusal{names: boldNames(o.allNames()), reason: roff(o.Refused)}
				if i := slices.IndexFunc(rows, func(x *refusal) bool { return x.names == r.names && x.reason == r.reason }); i >= 0 {
					r = rows[i]
				} else {
					rows = append(rows, r)
				}
				r.by = append(r.by, roff(pathName(path)))
			}
		}
	})
	if len(rows) == 0 {
		return
	}
	b.WriteString(".SH REFUSED OPTIONS\nThese options are refused by name, before anything runs, with what to use instead.\n")
	for _, r := range rows {
		b.WriteString(".TP\n" + r.names + " (" + strings.Join(r.by, ", ") + ")\n" + r.reason + "\n")
	}
}

// manTerm is a row's term: names in bold, the value in italics.
func manTerm(o Option) string {
	if o.Syntax != "" {
		return "\\fB" + roff(o.Syntax) + "\\fR"
	}
	parts := make([]string, len(o.Names))
	for i, n := range o.Names {
		parts[i] = "\\fB" + roff(n) + "\\fR"
		if o.Arg == Optional && i < len(o.Names)-1 {
			parts[i] += manValue(o, n)
		}
	}
	return strings.Join(parts, ", ") + manValue(o, o.Names[len(o.Names)-1])
}

func manValue(o Option, name string) string {
	v := "\\fI" + roff(o.Value) + "\\fR"
	switch {
	case o.Arg == Required:
		return " " + v
	case o.Arg == Optional && strings.HasPrefix(name, "--"):
		return "[=" + v + "]"
	case o.Arg == Optional:
		return "[" + v + "]"
	}
	return ""
}

func boldNames(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "\\fB" + roff(n) + "\\fR"
	}
	return strings.Join(parts, ", ")
}

// roff escapes text for roff: backslashes and dashes (so that options copy
// as ASCII hyphens), and a leading dot or quote, which would start a
// request. White space is folded into single spaces.
func roff(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	text = strings.ReplaceAll(text, `\`, `\e`)
	text = strings.ReplaceAll(text, "-", `\-`)
	if strings.HasPrefix(text, ".") || strings.HasPrefix(text, "'") {
		text = `\&` + text
	}
	return text
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
