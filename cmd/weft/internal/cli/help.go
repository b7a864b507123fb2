package cli

import (
	"io"
	"regexp"
	"strings"
)

// Layout of the help text: rows are indented by 2, their help starts at
// column helpCol and wraps at width, examples are indented by 2 more.
const (
	width   = 79
	helpCol = 23
)

// WriteHelp writes the help of the command at the end of path: its doc,
// usage, every section of options with an example for each, its
// subcommands, and its notes.
func WriteHelp(w io.Writer, path []*Command) {
	cmd := path[len(path)-1]
	var b strings.Builder
	if cmd.Doc != "" {
		b.WriteString(wrap(cmd.Doc, 0, width))
		b.WriteString("\n")
	}
	b.WriteString("Usage:\n")
	for _, u := range usage(path) {
		b.WriteString(wrapSynopsis(u, width))
	}
	for _, sec := range sections(path) {
		if !sec.shown() {
			continue // only refused options: the man page lists them
		}
		b.WriteString("\n")
		writeSection(&b, sec)
	}
	for _, n := range cmd.Notes {
		b.WriteString("\n")
		b.WriteString(wrap(n.Title+": "+n.Text, 0, width))
	}
	io.WriteString(w, b.String())
}

// sections returns what help shows for the command at the end of path: its
// own sections, its subcommands, and the built-in options.
func sections(path []*Command) []Section {
	cmd := path[len(path)-1]
	var out []Section
	if cmd.Bind != nil {
		out = append(out, cmd.Bind().Sections...)
	}
	if len(cmd.Subcommands) > 0 {
		sec := Section{Title: "Subcommands", Intro: "see " + pathName(path) + " help SUBCOMMAND for the options of each"}
		if path[0].sub("help") == nil {
			sec.Intro = ""
		}
		for _, sub := range cmd.Subcommands {
			sp := append(path[:len(path):len(path)], sub)
			sec.Options = append(sec.Options, Option{Syntax: synopsis(sp), Help: sub.Summary, Example: sub.Example})
		}
		out = append(out, sec)
	}
	s := &set{path: path}
	return append(out, s.builtins())
}

// usage returns the usage lines of the command at the end of path.
func usage(path []*Command) []string {
	if u := path[len(path)-1].Usage; len(u) > 0 {
		return u
	}
	return []string{synopsis(path)}
}

// synopsis is the command's path followed by each documented option, in
// brackets: "weft serve [--store DIR] [--listen HOST:PORT]".
func synopsis(path []*Command) string {
	cmd := path[len(path)-1]
	if len(cmd.Usage) > 0 {
		return cmd.Usage[0]
	}
	parts := []string{pathName(path)}
	if cmd.Bind != nil {
		for _, sec := range cmd.Bind().Sections {
			for _, o := range sec.Options {
				if o.Syntax != "" || o.Hidden || o.Refused != "" {
					continue
				}
				parts = append(parts, "["+optionSpelling(o, o.Names[0])+"]")
			}
		}
	}
	switch {
	case len(cmd.Subcommands) > 0 && cmd.Bind != nil:
		parts = append(parts, "[SUBCOMMAND]")
	case len(cmd.Subcommands) > 0:
		parts = append(parts, "SUBCOMMAND")
	}
	return strings.Join(parts, " ")
}

// optionSpelling is name with its value as help shows it: "-j N",
// "--jobs N", "--max-lines[=N]", "-l[N]".
func optionSpelling(o Option, name string) string {
	long := strings.HasPrefix(name, "--")
	switch {
	case o.Arg == Required:
		return name + " " + o.Value
	case o.Arg == Optional && long:
		return name + "[=" + o.Value + "]"
	case o.Arg == Optional:
		return name + "[" + o.Value + "]"
	}
	return name
}

// term is the left column of a row: "-j, --jobs N".
func term(o Option) string {
	if o.Syntax != "" {
		return o.Syntax
	}
	if o.Arg == Optional {
		names := make([]string, len(o.Names))
		for i, n := range o.Names {
			names[i] = optionSpelling(o, n)
		}
		return strings.Join(names, ", ")
	}
	return optionSpelling(o, strings.Join(o.Names, ", "))
}

// help is the text of a row, with a note for an option that repeats.
func help(o Option) string {
	if o.Repeats {
		return o.Help + " (may be given more than once)"
	}
	return o.Help
}

func writeSection(b *strings.Builder, sec Section) {
	title := sec.Title
	if sec.Intro != "" {
		title += " (" + sec.Intro + ")"
	}
	b.WriteString(wrap(title+":", 0, width))
	for _, o := range sec.Options {
		if o.Hidden || o.Refused != "" {
			continue
		}
		t := "  " + term(o)
		text := wrap(help(o), helpCol, width)
		if len(t) <= helpCol-2 {
			b.WriteString(t + strings.Repeat(" ", helpCol-len(t)) + text[helpCol:])
		} else {
			b.WriteString(wrapSynopsis(t, width) + text)
		}
		if o.Example != "" {
			b.WriteString(strings.Repeat(" ", helpCol+2) + o.Example + "\n")
		}
	}
	for _, p := range paragraphs(sec.Text) {
		b.WriteString(wrap(p, 2, width))
	}
}

// synopsisToken is a word of a synopsis, or a bracketed group of words
// that stays on one line.
var synopsisToken = regexp.MustCompile(`\[[^\]]*\]|\S+`)

// wrapSynopsis fills a row's left column that is too long for one line,
// continuing under its first bracket:
//
//	weft worker [--nats URL] [-j N]
//	            [--stream S]
func wrapSynopsis(t string, w int) string {
	t = "  " + strings.TrimSpace(t)
	indent := strings.Index(t, " [") + 1
	if indent <= 0 || indent > w/2 {
		indent = 4
	}
	var b strings.Builder
	line := ""
	for _, tok := range synopsisToken.FindAllString(t, -1) {
		switch {
		case line == "":
			line = "  " + tok
		case len(line)+1+len(tok) > w:
			b.WriteString(line + "\n")
			line = strings.Repeat(" ", indent) + tok
		default:
			line += " " + tok
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}

// paragraphs splits text at blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// wrap fills text into lines of at most w columns, each indented by
// indent, and ends it with a newline. A word longer than a line stands on
// a line of its own.
func wrap(text string, indent, w int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	line := pad
	for _, word := range strings.Fields(text) {
		if len(line) > indent && len(line)+1+len(word) > w {
			b.WriteString(line + "\n")
			line = pad
		}
		if len(line) > indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
