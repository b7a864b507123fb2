package joblog

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLineIsGNUParallels(t *testing.T) {
	e := Entry{Seq: 3, Start: time.UnixMilli(1700000000123), Runtime: 1500 * time.Millisecond, Received: 12, Exit: 2, Command: "echo a\necho b"}
	if got, want := e.Line(), "3\t:\t1700000000.123\t     1.500\t0\t12\t2\t0\techo a echo b\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	e.Host, e.Exit, e.Signal = "w1", -1, 9
	if got, want := e.Line(), "3\tw1\t1700000000.123\t     1.500\t0\t12\t-1\t9\techo a echo b\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestCreateWritesTheHeaderOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	write := func(appendTo bool, seqs ...int64) {
		w, err := Create(path, appendTo)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range seqs {
			if err := w.Write(Entry{Seq: s, Command: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
	}
	write(false, 1, 2)
	write(true, 3)
	data, _ := os.ReadFile(path)
	if got := strings.Count(string(data), "Seq\t"); got != 1 || !strings.HasPrefix(string(data), Header) || strings.Count(string(data), "\n") != 4 {
		t.Errorf("after appending: %q; want one header and three jobs", data)
	}
	write(false, 9)
	data, _ = os.ReadFile(path)
	if strings.Count(string(data), "\n") != 2 {
		t.Errorf("after truncating: %q; want the header and one job", data)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir"), false); err == nil || !strings.Contains(err.Error(), "cannot write joblog") {
		t.Errorf("unwritable path: %v; want an error", err)
	}
}

func TestReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	in := []Entry{
		{Seq: 1, Exit: 0, Command: "make a"},
		{Seq: 2, Host: "w2", Exit: -1, Signal: 15, Command: "make b\tc"},
	}
	for _, e := range in {
		w.Write(e)
	}
	w.Close()
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]Entry{
		1: {Seq: 1, Host: ":", Command: "make a"},
		2: {Seq: 2, Host: "w2", Exit: -1, Signal: 15, Command: "make b\tc"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

func TestReadTornAndBadLines(t *testing.T) {
	dir := t.TempDir()
	if got, err := Read(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Errorf("missing file: %v, %v; want an empty log", got, err)
	}
	torn := filepath.Join(dir, "torn")
	os.WriteFile(torn, []byte(Header+"1\t:\t1.000\t     0.001\t0\t2\t0\t0\techo a\n2\t:\t1.0"), 0o644)
	if got, err := Read(torn); err != nil || len(got) != 1 || got[1].Command != "echo a" {
		t.Errorf("torn last line: %+v, %v; want job 1 only", got, err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte(Header+"garbage\n1\t:\t1.000\t     0.001\t0\t2\t0\t0\techo a\n"), 0o644)
	if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "line 2 is not a joblog line") {
		t.Errorf("bad line: %v; want an error naming line 2", err)
	}
	notNumbers := filepath.Join(dir, "nan")
	os.WriteFile(notNumbers, []byte("x\t:\t1\t1\t0\t2\ty\t0\techo\n"), 0o644)
	if _, err := Read(notNumbers); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("non-numeric columns: %v; want an error naming line 1", err)
	}
}

func TestAppendWritesNoHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	for range 2 {
		w, err := Append(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(Entry{Seq: 1, Command: "true"}); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	data, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 2 || strings.HasPrefix(lines[0], "Seq") {
		t.Errorf("log %q; want two job lines, no header", data)
	}
}
