package pipe

import (
	"bytes"
	"io"
	"syscall"
	"testing"
	"time"
)

// TestRefillPause checks the pause after a splice that fills a pipe: none
// for a small pipe, and for a large one short enough that a reader as
// fast as memory (10 bytes a nanosecond) still finds half the pipe full.
func TestRefillPause(t *testing.T) {
	for _, c := range []int{4 << 10, 64 << 10, 128 << 10} {
		if p := refillPause(c); p != 0 {
			t.Errorf("refillPause(%d) = %v; want 0: the pipe drains too quickly", c, p)
		}
	}
	for _, c := range []int{256 << 10, 1 << 20, 4 << 20} {
		p := refillPause(c)
		if p <= 0 || p.Nanoseconds()*10 > int64(c)/2 {
			t.Errorf("refillPause(%d) = %v; want > 0 and at most %v", c, p, time.Duration(c/20))
		}
	}
}

// TestWriteToPipeReadSlowly splices 8 MiB into a job's pipe read 16 KiB at
// a time, as wc reads it: the splice fills the pipe, pauses, refills, and
// the reader gets every byte in order.
func TestWriteToPipeReadSlowly(t *testing.T) {
	const n = 8 << 20
	data := randBytes(2, n)
	b := fileBlock(t, data, "", 0, n)
	r, w, err := JobStdin()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var capacity uintptr
	rc, _ := w.SyscallConn()
	rc.Control(func(fd uintptr) {
		capacity, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fGetPipeSize, 0)
	})
	got := make(chan []byte)
	go func() {
		var out bytes.Buffer
		io.CopyBuffer(struct{ io.Writer }{&out}, struct{ io.Reader }{r}, make([]byte, 16<<10))
		got <- out.Bytes()
	}()
	before := refillPauses.Load()
	_, err = b.WriteTo(w)
	w.Close()
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if !bytes.Equal(<-got, data) {
		t.Error("the reader did not get the block as it is in the file")
	}
	paused := refillPauses.Load() - before
	if refillPause(int(capacity)) > 0 && paused == 0 {
		t.Errorf("8 MiB through a pipe of %d bytes: the splice never paused to let the reader empty it", capacity)
	}
	if refillPause(int(capacity)) == 0 && paused != 0 {
		t.Errorf("a pipe of %d bytes: the splice paused %d times; want none", capacity, paused)
	}
}
