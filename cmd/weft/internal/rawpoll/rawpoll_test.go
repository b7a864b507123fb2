package rawpoll

import (
	"os"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A pipe is ready to write while it has room (or once its reader is gone:
// the write fails at once), and to read once something is in it; a wait
// that ends before that says not ready, and a descriptor that is not open
// is an error.
func TestReady(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	check := func(what string, f *os.File, ev Events, d time.Duration, want bool) {
		t.Helper()
		got, err := Ready(f.Fd(), ev, d)
		if err != nil || got != want {
			t.Errorf("%s: Ready = %v, %v; want %v", what, got, err, want)
		}
	}
	check("an empty pipe, to read, no wait", r, In, 0, false)
	check("an empty pipe, to read, a millisecond", r, In, time.Millisecond, false)
	check("an empty pipe, to write", w, Out, 0, true)
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	check("a pipe holding a byte, to read", r, In, time.Millisecond, true)
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r2.Close()
	check("a pipe whose reader is gone, to write", w2, Out, 0, true)
	w2.Close()
	fd := w.Fd()
	w.Close()
	if ok, err := Ready(fd, Out, 0); ok || err != syscall.EBADF {
		t.Errorf("a closed descriptor: Ready = %v, %v; want false, EBADF", ok, err)
	}
}
