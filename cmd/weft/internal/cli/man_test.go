package cli

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestManPage(t *testing.T) {
	root := tree(&got{})
	var b strings.Builder
	WriteMan(&b, root)
	page := b.String()
	var again strings.Builder
	WriteMan(&again, tree(&got{}))
	if page != again.String() {
		t.Error("two renderings differ: the page must depend only on the declarations")
	}
	for _, want := range []string{
		".TH WEFT 1 \"\" \"weft\" \"User Commands\"\n",
		".SH NAME\nweft \\- run a shell command for each input, many at once\n",
		".SS Inputs\n.PP\nOne job per input.\n",
		".TP\n\\fB\\-j\\fR, \\fB\\-\\-jobs\\fR \\fIN\\fR\nrun N jobs at once (also accepted: \\fB\\-P\\fR)\n.RS\n.nf\nweft \\-j 8 gzip\n.fi\n.RE\n",
		"\\fB\\-l\\fR[\\fIN\\fR], \\fB\\-\\-max\\-lines\\fR[=\\fIN\\fR]\n",
		".SH EXIT STATUS\n0 when every job succeeded.\n",
		".SS weft worker\n",
		".SS weft serve credentials add\n",
		".SH REFUSED OPTIONS\n",
		".TP\n\\fB\\-\\-pipe\\fR (weft, weft run)\nuse a ::: group or stdin lines instead\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "will\\-cite") {
		t.Error("the page shows the hidden --will-cite")
	}
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, ".") && !strings.HasPrefix(l, `.\"`) && !strings.Contains(".TH .SH .SS .TP .PP .RS .RE .nf .fi .B .BR", strings.Fields(l)[0]) {
			t.Errorf("a text line starts a roff request: %q", l)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed: the page was not rendered")
	}
	cmd := exec.Command(groff, "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	var warnings bytes.Buffer
	cmd.Stderr = &warnings
	if err := cmd.Run(); err != nil || warnings.Len() > 0 {
		t.Errorf("groff: %v\n%s", err, warnings.String())
	}
}

func TestRoffEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"-j --jobs":        `\-j \-\-jobs`,
		`a\b`:              `a\eb`,
		".starts with dot": `\&.starts with dot`,
		"'quote":           `\&'quote`,
		"a\n  b":           "a b",
	} {
		if got := roff(in); got != want {
			t.Errorf("roff(%q) = %q; want %q", in, got, want)
		}
	}
}
