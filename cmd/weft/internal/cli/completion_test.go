package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// script writes root's completion script for shell into a file.
func script(t *testing.T, shell string) string {
	t.Helper()
	var b strings.Builder
	write := map[string]func(*strings.Builder) error{
		"bash": func(b *strings.Builder) error { return WriteBash(b, tree(&got{})) },
		"zsh":  func(b *strings.Builder) error { return WriteZsh(b, tree(&got{})) },
		"fish": func(b *strings.Builder) error { return WriteFish(b, tree(&got{})) },
	}[shell]
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "weft."+shell)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkOffers reports what got lacks of want, and holds of not.
func checkOffers(t *testing.T, what string, got, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: got %q; want %q among them", what, got, w)
		}
	}
	for _, w := range not {
		if slices.Contains(got, w) {
			t.Errorf("%s: got %q; want no %q", what, got, w)
		}
	}
}

// completionDir holds a file, a directory, and nothing else.
func completionDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	return dir
}

// TestBashCompletion runs the generated function as bash would on TAB,
// with the words split as bash splits them (at "="), and reads COMPREPLY.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	path := script(t, "bash")
	if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	dir := completionDir(t)
	tests := []struct {
		words []string // the last is the word being completed
		want  []string // all of these
		not   []string // none of these
		exact bool     // and nothing else
	}{
		{[]string{"weft", "wor"}, []string{"worker"}, nil, false},
		{[]string{"weft", "worker", "--ack"}, []string{"--ack-wait"}, nil, true},
		{[]string{"weft", "worker", "-"}, []string{"--nats", "-j", "--jobs", "--ack-wait", "-h", "--help"}, []string{"--version", "-k"}, false},
		{[]string{"weft", "--"}, []string{"--jobs", "--keep-order", "--arg-file", "--max-lines", "--help", "--version"}, []string{"--pipe", "--will-cite", "-P"}, false},
		{[]string{"weft", "-a", ""}, []string{"in.txt", "data"}, nil, true},
		{[]string{"weft", "--arg-file", "=", ""}, []string{"in.txt", "data"}, nil, true},
		{[]string{"weft", "serve", "--store", ""}, []string{"data"}, nil, true},
		{[]string{"weft", "worker", "--nats", ""}, nil, nil, true},
		{[]string{"weft", "completion", ""}, []string{"bash", "zsh", "fish"}, nil, true},
		{[]string{"weft", "help", "w"}, []string{"worker"}, nil, true},
		{[]string{"weft", "serve", "credentials", "a"}, []string{"add"}, nil, true},
		{[]string{"weft", "-j", "4", "ech"}, []string{"echo"}, []string{"worker"}, false},
		{[]string{"weft", "-k", "wor"}, nil, []string{"worker"}, false},
		{[]string{"weft", "echo", ":::", "i"}, []string{"in.txt"}, nil, true},
	}
	for _, tt := range tests {
		var words strings.Builder
		for _, w := range tt.words {
			words.WriteString(" '" + w + "'")
		}
		prog := "source " + path + "\nCOMP_WORDS=(" + words.String() + ")\nCOMP_CWORD=" + strconv.Itoa(len(tt.words)-1) + "\n_weft\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.words, err, out)
		}
		got := strings.Fields(string(out))
		checkOffers(t, strings.Join(tt.words, " "), got, tt.want, tt.not)
		if tt.exact && len(got) != len(tt.want) {
			t.Errorf("%q: got %q; want exactly %q", tt.words, got, tt.want)
		}
	}
}

// TestFishCompletion asks fish itself what it completes, with the script
// loaded.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	path := script(t, "fish")
	if out, err := exec.Command(fish, "--no-execute", path).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
	dir := completionDir(t)
	tests := []struct {
		line string
		want []string
		not  []string
	}{
		{"weft wor", []string{"worker"}, nil},
		{"weft worker --ack", []string{"--ack-wait"}, nil},
		{"weft worker -", []string{"--nats", "--jobs", "--help"}, []string{"--version", "--keep-order"}},
		{"weft --", []string{"--jobs", "--keep-order", "--max-lines", "--version"}, []string{"--pipe", "--will-cite"}},
		{"weft completion ", []string{"bash", "zsh", "fish"}, nil},
		{"weft help ", []string{"worker", "serve"}, nil},
		{"weft serve credentials ", []string{"add"}, nil},
		{"weft serve --store ", []string{"data/"}, nil},
		{"weft -k wor", nil, []string{"worker"}},
		{"weft -j 4 ech", []string{"echo"}, nil},
		{"weft -j 4 ", []string{"echo"}, []string{"worker"}},
	}
	for _, tt := range tests {
		cmd := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C'"+tt.line+"'")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
		checkOffers(t, tt.line, got, tt.want, tt.not)
	}
}

// TestZshCompletion checks that zsh reads the script and registers it,
// with a function for every command.
func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh is not installed")
	}
	path := script(t, "zsh")
	if out, err := exec.Command(zsh, "-n", path).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	prog := "autoload -Uz compinit && compinit -u -D && source " + path + " && print -r -- ${_comps[weft]} && print -rl -- ${(ok)functions[(I)_weft*]}"
	cmd := exec.Command(zsh, "-f", "-c", prog)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zsh: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	for _, want := range []string{"_weft", "_weft_worker", "_weft_serve", "_weft_serve_credentials_add", "_weft_completion", "_weft_run"} {
		if !slices.Contains(got, want) {
			t.Errorf("zsh has %q; want %s among them", got, want)
		}
	}
	if len(got) == 0 || got[0] != "_weft" {
		t.Errorf("weft's completion function is %q; want _weft", got)
	}
}

// TestCompletionScriptsNameEveryOption: whatever the shell, the script
// offers every documented option of every command.
func TestCompletionScriptsNameEveryOption(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		data, _ := os.ReadFile(script(t, shell))
		for _, c := range forCompletion(tree(&got{})) {
			for _, o := range c.options {
				for _, n := range o.Names {
					spelled := n
					if shell == "fish" {
						spelled = map[bool]string{true: "-l " + n[2:], false: "-s " + n[1:]}[strings.HasPrefix(n, "--")]
					}
					if !strings.Contains(string(data), spelled) {
						t.Errorf("%s script lacks %s of %s", shell, n, pathName(c.path))
					}
				}
			}
		}
	}
}
