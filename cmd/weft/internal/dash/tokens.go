package dash

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Tokens are the dashboard's credentials: View sees every page and the
// API; Act also halts runs. Either may be empty (no one holds that role);
// when both are, the dashboard asks for no token and answers only on a
// loopback address.
type Tokens struct {
	View string
	Act  string
}

// MinTokenLen is the shortest token accepted.
const MinTokenLen = 16

// NewTokens returns fresh random tokens (32 bytes each, in base64url).
func NewTokens() (Tokens, error) {
	var t Tokens
	for _, p := range []*string{&t.View, &t.Act} {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return Tokens{}, fmt.Errorf("dash: making a token: %w", err)
		}
		*p = base64.RawURLEncoding.EncodeToString(b)
	}
	return t, nil
}

// CheckToken returns an error naming what is wrong with a token: it must be
// at least MinTokenLen characters of printable ASCII without spaces (so
// that it travels unchanged in a URL query, a cookie and an HTTP header).
func CheckToken(tok string) error {
	if len(tok) < MinTokenLen {
		return fmt.Errorf("dash: a token must be at least %d characters, got %d (make one with: head -c 32 /dev/urandom | base64)", MinTokenLen, len(tok))
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c > '~' || c == '&' || c == '#' || c == '%' || c == '+' {
			return fmt.Errorf("dash: a token may hold printable ASCII only, without spaces, &, #, %% or +; got %q at byte %d", c, i)
		}
	}
	return nil
}

// check checks both tokens and that they differ.
func (t Tokens) check() error {
	for _, tok := range []string{t.View, t.Act} {
		if tok != "" {
			if err := CheckToken(tok); err != nil {
				return err
			}
		}
	}
	if t.View != "" && t.View == t.Act {
		return errors.New("dash: the view token and the act token must differ")
	}
	return nil
}

func (t Tokens) none() bool { return t.View == "" && t.Act == "" }

// WriteTokens writes t to a new file at path, readable by its owner only
// (mode 0600), in the format ReadTokens reads. It refuses to replace an
// existing file.
func WriteTokens(path string, t Tokens) error {
	if err := t.check(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dash: writing the token file: %w", err)
	}
	_, err = fmt.Fprintf(f, "# weft dashboard tokens. view: sees every page; act: also halts runs.\n"+
		"# Open the dashboard once with ?token=TOKEN, or send Authorization: Bearer TOKEN.\nview=%s\nact=%s\n", t.View, t.Act)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("dash: writing the token file: %w", err)
	}
	return nil
}

// ReadTokens reads a token file: lines view=TOKEN and act=TOKEN, blank
// lines and lines starting with #. It refuses a file that others than its
// owner may read or write (as ssh does for a private key), and any other
// line.
func ReadTokens(path string) (Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return Tokens{}, fmt.Errorf("dash: reading the token file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Tokens{}, fmt.Errorf("dash: reading the token file: %w", err)
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return Tokens{}, fmt.Errorf("dash: token file %s has mode %04o: others may read it; chmod 600 %s", path, m, path)
	}
	var t Tokens
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		switch {
		case ok && k == "view" && t.View == "":
			t.View = v
		case ok && k == "act" && t.Act == "":
			t.Act = v
		case ok:
			return Tokens{}, fmt.Errorf("dash: token file %s line %d: want view=TOKEN or act=TOKEN, each once, got key %q", path, n, cut(k, 20))
		default:
			return Tokens{}, fmt.Errorf("dash: token file %s line %d: want view=TOKEN or act=TOKEN, got a line without =", path, n)
		}
	}
	if err := sc.Err(); err != nil {
		return Tokens{}, fmt.Errorf("dash: reading the token file: %w", err)
	}
	if t.none() {
		return Tokens{}, fmt.Errorf("dash: token file %s holds no token", path)
	}
	if err := t.check(); err != nil {
		return Tokens{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// LoadOrCreateTokens reads the token file at path, or makes one with new
// tokens when there is none; created says which.
func LoadOrCreateTokens(path string) (t Tokens, created bool, err error) {
	t, err = ReadTokens(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return t, false, err
	}
	if t, err = NewTokens(); err != nil {
		return Tokens{}, false, err
	}
	if err = WriteTokens(path, t); err != nil {
		return Tokens{}, false, err
	}
	return t, true, nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
