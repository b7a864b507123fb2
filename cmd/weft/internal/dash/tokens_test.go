package dash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ui-tokens")
	tok, created, err := LoadOrCreateTokens(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateTokens: %v, created %v", err, created)
	}
	if len(tok.View) != 43 || len(tok.Act) != 43 || tok.View == tok.Act {
		t.Errorf("new tokens %q %q; want two different 43-character tokens", tok.View, tok.Act)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreateTokens(path)
	if err != nil || created || again != tok {
		t.Errorf("reading the file again: %v, created %v, same tokens %v", err, created, again == tok)
	}
	if err := WriteTokens(path, tok); err == nil {
		t.Error("WriteTokens replaced an existing file")
	}
	os.Chmod(path, 0o644)
	if _, err := ReadTokens(path); err == nil || !strings.Contains(err.Error(), "mode 0644: others may read it; chmod 600") {
		t.Errorf("group-readable token file: %v", err)
	}
	for _, tc := range []struct{ text, want string }{
		{"view=" + testTokens.View + "\nview=" + testTokens.View + "\n", `line 2: want view=TOKEN or act=TOKEN, each once, got key "view"`},
		{"token " + testTokens.Act + "\n", "line 1: want view=TOKEN or act=TOKEN, got a line without ="},
		{"# nothing\n\n", "holds no token"},
		{"act=short\n", "at least 16 characters"},
	} {
		p := filepath.Join(dir, "t")
		os.Remove(p)
		os.WriteFile(p, []byte(tc.text), 0o600)
		_, err := ReadTokens(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadTokens(%q): %v; want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), testTokens.View) {
			t.Errorf("ReadTokens' error shows a token: %v", err)
		}
	}
	p := filepath.Join(dir, "ok")
	os.WriteFile(p, []byte("# tokens\nact="+testTokens.Act+"\n"), 0o600)
	if got, err := ReadTokens(p); err != nil || got != (Tokens{Act: testTokens.Act}) {
		t.Errorf("act only: %+v, %v", got, err)
	}
}
