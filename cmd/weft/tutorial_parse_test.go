package main

import (
	"fmt"
	"html"
	"path"
	"regexp"
	"slices"
	"strings"
)

// This file reads GNU parallel's tutorial (its HTML or its POD), finds its
// examples and the commands that make their input files, and decides by rule
// which examples are in scope. tutorial_test.go runs them.

// docPara is one paragraph of the tutorial: a heading, an item label (the
// Prerequisites list names each input file in one), prose, or a code block.
type docPara struct {
	kind  paraKind
	level int // of a heading, 1 to 4
	text  string
}

type paraKind int

const (
	paraHeading paraKind = iota
	paraItem
	paraText
	paraCode
)

var (
	htmlElement = regexp.MustCompile(`(?s)<h([1-4])[^>]*>(.*?)</h[1-4]>|<p>(.*?)</p>|<pre><code>(.*?)</code></pre>|<dt[^>]*>(.*?)</dt>`)
	htmlTag     = regexp.MustCompile(`<[^>]*>`)
)

// parseTutorialHTML reads the tutorial as pod2html writes it (Debian ships
// it so): headings, <dt> item labels, <p> prose and <pre><code> blocks.
func parseTutorialHTML(doc string) []docPara {
	var out []docPara
	text := func(s string) string {
		return strings.TrimSpace(html.UnescapeString(htmlTag.ReplaceAllString(s, "")))
	}
	for _, m := range htmlElement.FindAllStringSubmatch(doc, -1) {
		switch {
		case m[1] != "":
			out = append(out, docPara{kind: paraHeading, level: int(m[1][0] - '0'), text: text(m[2])})
		case strings.HasPrefix(m[0], "<p>"):
			out = append(out, docPara{kind: paraText, text: strings.Join(strings.Fields(text(m[3])), " ")})
		case strings.HasPrefix(m[0], "<pre>"):
			out = append(out, docPara{kind: paraCode, text: strings.TrimRight(html.UnescapeString(m[4]), "\n ")})
		default:
			out = append(out, docPara{kind: paraItem, text: text(m[5])})
		}
	}
	return out
}

// podCode matches POD formatting codes (B<x>, I<< x >>, ...) with nothing
// nested inside.
var podCode = regexp.MustCompile(`[A-Z]<<+\s+(.*?)\s+>>+|[A-Z]<([^<>]*)>`)

// parseTutorialPOD reads the tutorial's POD source: =head and =item
// commands, prose paragraphs and verbatim blocks (indented paragraphs;
// consecutive ones make one block, as pod2html renders them).
func parseTutorialPOD(doc string) []docPara {
	var out []docPara
	inPOD := false
	for _, p := range splitParagraphs(doc) {
		first := p[0]
		if strings.HasPrefix(first, "=") {
			cmd, rest, _ := strings.Cut(strings.Join(p, " "), " ")
			inPOD = cmd != "=cut"
			switch {
			case len(cmd) == 6 && strings.HasPrefix(cmd, "=head") && cmd[5] >= '1' && cmd[5] <= '4':
				out = append(out, docPara{kind: paraHeading, level: int(cmd[5] - '0'), text: podText(rest)})
			case cmd == "=item":
				out = append(out, docPara{kind: paraItem, text: podText(rest)})
			}
			continue
		}
		if !inPOD {
			continue
		}
		if first[0] == ' ' || first[0] == '\t' {
			block := strings.Join(p, "\n")
			if n := len(out); n > 0 && out[n-1].kind == paraCode {
				out[n-1].text += "\n\n" + block
				continue
			}
			out = append(out, docPara{kind: paraCode, text: block})
			continue
		}
		out = append(out, docPara{kind: paraText, text: podText(strings.Join(p, " "))})
	}
	for i := range out {
		if out[i].kind == paraCode {
			out[i].text = dedent(out[i].text)
		}
	}
	return out
}

// splitParagraphs splits POD into paragraphs: runs of lines separated by
// lines that are empty or only white space.
func splitParagraphs(doc string) [][]string {
	var out [][]string
	var cur []string
	for _, l := range strings.Split(doc, "\n") {
		if strings.TrimSpace(l) == "" {
			if cur != nil {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

func podText(s string) string {
	for {
		t := podCode.ReplaceAllString(s, "$1$2")
		if t == s {
			return strings.Join(strings.Fields(t), " ")
		}
		s = t
	}
}

// dedent removes the indentation common to every non-blank line, and blank
// lines' stray spaces.
func dedent(s string) string {
	ls := strings.Split(s, "\n")
	indent := -1
	for _, l := range ls {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range ls {
		if strings.TrimSpace(l) == "" {
			ls[i] = ""
		} else {
			ls[i] = l[indent:]
		}
	}
	return strings.Join(ls, "\n")
}

// tutorialExample is one example: a code block of the tutorial (or one line
// of a block that is only independent parallel commands), with what the
// tutorial says about it and the scope decided for it.
type tutorialExample struct {
	section   string // the headings above it, "A / B / C"
	text      string // the command(s), as written
	orderFree bool   // the tutorial says its output's order may differ
	varies    bool   // the tutorial says its output varies (similar to, may vary, may be swapped)
	shown     string // the stdout its Output block shows (shownStdout), if it has one of its own
	scope     string // empty when in scope, else the rule that puts it out
	prelude   []int  // earlier examples of the section it depends on (indexes)
}

// tutorialFixture is an input file the Prerequisites section says how to make.
type tutorialFixture struct {
	name, command string
}

// toolWord finds GNU parallel and its companion tools named as a word: a
// code block that names one is an example (unless it shows output).
var toolWord = regexp.MustCompile(`(^|[^A-Za-z0-9_.-])(parallel|sem|parset|env_parallel|parcat)($|[^A-Za-z0-9_-])`)

// outputVaries finds an Output paragraph that says the output is not
// exactly what it shows.
var outputVaries = regexp.MustCompile(`(?i)similar|may vary|swapped`)

// extractExamples walks the tutorial. A code block is output when the prose
// right before it begins with "Output"; else it is an example when it names
// parallel or a companion tool. Blocks in the Prerequisites section are not
// examples: those that write the file their item names (`> abc-file` under
// "abc-file:") are the fixtures.
func extractExamples(paras []docPara) ([]tutorialExample, []tutorialFixture) {
	var (
		examples   []tutorialExample
		fixtures   []tutorialFixture
		headings   [4]string
		item       string
		prev       docPara
		pending    []int // examples still waiting for their "Output" paragraph
		outputOf   []int // the examples of the last "Output" paragraph
		lastOrder  bool  // the previous Output paragraph's flags
		lastVaries bool
	)
	for _, p := range paras {
		switch p.kind {
		case paraHeading:
			headings[p.level-1] = p.text
			clear(headings[p.level:])
			item, pending = "", nil
		case paraItem:
			item = p.text
		case paraText:
			if strings.HasPrefix(p.text, "Output") {
				order := strings.Contains(p.text, "order may be different")
				varies := outputVaries.MatchString(p.text)
				if strings.Contains(p.text, "Same as above") {
					order, varies = lastOrder, lastVaries
				}
				for _, i := range pending {
					examples[i].orderFree, examples[i].varies = order, varies
				}
				lastOrder, lastVaries = order, varies
				outputOf = pending
			}
			pending = nil
		case paraCode:
			isOutput := prev.kind == paraText && strings.HasPrefix(prev.text, "Output")
			switch {
			case isOutput:
				if len(outputOf) == 1 {
					examples[outputOf[0]].shown = shownStdout(p.text)
				}
			case headings[0] == "Prerequisites":
				name := strings.TrimSuffix(item, ":")
				if name != "" && regexp.MustCompile(`>\s*`+regexp.QuoteMeta(name)+`\s*$`).MatchString(p.text) {
					fixtures = append(fixtures, tutorialFixture{name: name, command: p.text})
				}
			case toolWord.MatchString(p.text):
				section := strings.Join(slices.DeleteFunc(slices.Clone(headings[:]), func(s string) bool { return s == "" }), " / ")
				for _, text := range splitIndependent(p.text) {
					pending = append(pending, len(examples))
					examples = append(examples, tutorialExample{section: section, text: text})
				}
			}
		}
		prev = p
	}
	for i := range examples {
		examples[i].scope = outOfScope(examples[i])
	}
	linkPreludes(examples)
	return examples, fixtures
}

// shownStdout is the stdout of an Output block: its lines without GNU
// parallel's own messages ("parallel: ...", and the job named on the line
// after "parallel: This job failed:" or "succeeded:"), which go to stderr.
func shownStdout(block string) string {
	var out []string
	named := false
	for l := range strings.SplitSeq(block, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case named:
			named = false
		case strings.HasPrefix(l, "parallel: "):
			named = strings.HasPrefix(l, "parallel: This job ")
		default:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// splitIndependent splits a block into one example per line when each of
// its (logical) lines is a parallel command on its own; any other block
// (shell variables, functions, other commands around parallel) is one
// example, run whole.
func splitIndependent(block string) []string {
	lines := logicalLines(block)
	if len(lines) < 2 {
		return []string{block}
	}
	for _, l := range lines {
		if w := shellWords(l); len(w) == 0 || w[0].text != "parallel" {
			return []string{block}
		}
	}
	return lines
}

// shWord is a shell word with its quotes removed, or an operator.
type shWord struct {
	text string
	op   bool // | || & && ; ( ) < > >> or a newline
}

// shellWords splits a command line roughly as bash does: enough to find
// parallel's invocations and the options given to them. It knows quotes,
// backslashes, comments and the control and redirection operators, not
// expansions.
func shellWords(s string) []shWord {
	var out []shWord
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			out = append(out, shWord{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
		case c == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			i--
		case c == ' ' || c == '\t':
			flush()
		case strings.IndexByte("|&;()<>\n", c) >= 0:
			flush()
			op := string(c)
			if i+1 < len(s) && (c == '|' || c == '&' || c == '>') && s[i+1] == c {
				op += string(c)
				i++
			}
			out = append(out, shWord{text: op, op: true})
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return out
}

// logicalLines splits a block at the newlines that end a command: not those
// escaped with a backslash, inside quotes, or after | && ||.
func logicalLines(block string) []string {
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(block); i++ {
		c := block[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			}
		case c == '\\':
			i++
		case quote == '"':
			if c == '"' {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\n':
			line := strings.TrimSpace(block[start:i])
			if strings.HasSuffix(line, "|") || strings.HasSuffix(line, "&&") || strings.HasSuffix(line, "||") {
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			start = i + 1
		}
	}
	if line := strings.TrimSpace(block[start:]); line != "" {
		out = append(out, line)
	}
	return out
}

// invocation is one command of an example: its program and arguments.
type invocation struct {
	program string
	args    []string
}

// invocations lists the simple commands of an example, skipping the
// assignments and time(1) that may come before the program.
func invocations(text string) []invocation {
	var out []invocation
	var cur *invocation
	for _, w := range shellWords(text) {
		switch {
		case w.op && (w.text == "<" || w.text == ">" || w.text == ">>"):
			// A redirection: the next word is its target, not an argument;
			// keep the command going.
			if cur != nil {
				cur.args = append(cur.args, w.text)
			}
		case w.op:
			cur = nil
		case cur == nil && (regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(w.text) || path.Base(w.text) == "time"):
		case cur == nil:
			out = append(out, invocation{program: path.Base(w.text)})
			cur = &out[len(out)-1]
		default:
			cur.args = append(cur.args, w.text)
		}
	}
	return out
}

// sectionRules put whole sections of the tutorial out of scope: they are
// about remote hosts, a terminal, a database or a companion tool.
var sectionRules = []struct{ match, reason string }{
	{"Remote execution", "remote hosts (section Remote execution)"},
	{"Saving output to shell variables", "companion tool parset (its section)"},
	{"SQL", "SQL database (its section)"},
	{"Semaphore", "companion tool sem (section Semaphore)"},
	{"Shebang", "shebang scripts (section Shebang)"},
	{"Interactivity", "terminal (section Interactivity)"},
	{"A terminal for every job", "terminal (section A terminal for every job)"},
}

// optionRules put out of scope the examples that give parallel one of these
// options (alone, as --opt=value, or -S glued to its value).
var optionRules = []struct {
	options []string
	reason  string
}{
	{[]string{"-S", "--sshlogin", "--sshloginfile", "--slf", "--nonall", "--onall", "--transferfile", "--transfer", "--tf",
		"--return", "--trc", "--basefile", "--bf", "--controlmaster", "--filter-hosts", "--hostgroups", "--sshdelay", "--workdir", "--wd"}, "remote hosts (option)"},
	{[]string{"--tmux", "--tmuxpane", "--tty", "--interactive", "-p", "--open-tty"}, "terminal (option)"},
	{[]string{"--sql", "--sqlmaster", "--sqlworker", "--sqlandworker"}, "SQL database (option)"},
	{[]string{"--shebang", "--shebang-wrap"}, "shebang scripts (option)"},
	{[]string{"--help", "--version", "--citation", "--bibtex", "--minversion"}, "describes GNU parallel itself (--help, --version, --citation, --minversion)"},
}

// outOfScope returns why an example is out of scope, or "" when it is in.
func outOfScope(ex tutorialExample) string {
	for _, r := range sectionRules {
		if strings.Contains(ex.section, r.match) {
			return r.reason
		}
	}
	if strings.HasPrefix(ex.text, "#!") {
		return "shebang scripts (option)"
	}
	if strings.Contains(ex.text, "[CTRL-D]") {
		return "terminal (keys typed at the terminal)"
	}
	if strings.Contains(ex.text, "$SERVER") {
		return "remote hosts ($SERVER)"
	}
	for _, inv := range invocations(ex.text) {
		switch inv.program {
		case "sem", "parset", "env_parallel", "parcat", "sql":
			return "companion tool " + inv.program
		case "zenity":
			return "GUI (zenity)"
		case "parallel":
			for _, a := range inv.args {
				name, _, _ := strings.Cut(a, "=")
				for _, r := range optionRules {
					for _, o := range r.options {
						if name == o || (o == "-S" && strings.HasPrefix(a, o)) {
							return r.reason
						}
					}
				}
			}
		}
	}
	return ""
}

var (
	defRedirect = regexp.MustCompile(`(?:^|[^0-9&>])>>?\s*([^\s;|&<>()'"]+)`)
	defJoblog   = regexp.MustCompile(`--joblog[ =]+([^\s;|&<>()'"]+)`)
	defFunction = regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)`)
	defVariable = regexp.MustCompile(`(?m)(?:^|\bexport\s+(?:-f\s+)?)\s*([A-Za-z_][A-Za-z0-9_]*)=`)
)

// definitions lists what an example leaves behind for later ones: files it
// writes (redirections, --joblog), shell functions and variables it defines.
func definitions(text string) []string {
	var out []string
	for _, re := range []*regexp.Regexp{defRedirect, defJoblog, defFunction, defVariable} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if m[1] != "/dev/null" {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// uses reports whether an example uses a name another defines: a path it
// mentions (a profile in ~/.parallel by its name, as --profile takes it),
// or a function or variable named as a word.
func uses(text, name string) bool {
	if strings.Contains(name, "/") {
		if strings.Contains(text, name) {
			return true
		}
		base, ok := strings.CutPrefix(name, "~/.parallel/")
		return ok && regexp.MustCompile(`(^|\s)`+regexp.QuoteMeta(base)+`($|\s)`).MatchString(text)
	}
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(name) + `($|[^A-Za-z0-9_-])`).MatchString(text)
}

// linkPreludes gives each in-scope example the earlier in-scope examples of
// its section whose files, functions or variables it uses (and theirs, in
// order): a reader who runs the tutorial in order has run them, so they are
// replayed first, with GNU parallel, to give both runs the state the
// example expects.
func linkPreludes(examples []tutorialExample) {
	for k := range examples {
		if examples[k].scope != "" {
			continue
		}
		need := map[int]bool{}
		var visit func(k int)
		visit = func(k int) {
			for j := k - 1; j >= 0 && examples[j].section == examples[k].section; j-- {
				if need[j] || examples[j].scope != "" {
					continue
				}
				for _, d := range definitions(examples[j].text) {
					if uses(examples[k].text, d) {
						need[j] = true
						visit(j)
						break
					}
				}
			}
		}
		visit(k)
		for j := range k {
			if need[j] {
				examples[k].prelude = append(examples[k].prelude, j)
			}
		}
	}
}

// firstLine is an example's first line, for tables.
func firstLine(s string) string {
	l, _, more := strings.Cut(s, "\n")
	if more {
		l += " ..."
	}
	return l
}

func (ex tutorialExample) String() string {
	return fmt.Sprintf("[%s] %s", ex.section, firstLine(ex.text))
}
