package pipe

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
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

// TestStalledJobLetsOthersRun writes two blocks at once with one processor
// (GOMAXPROCS 1): one to a job that has stopped reading, which the first
// writer waits for, one to a job that reads. The second must get its whole
// block while the first job still reads nothing: a writer that keeps its
// processor while it waits for room (awaitRoom) must give it up once the
// wait runs long. Then the first job reads, and gets its block too.
func TestStalledJobLetsOthersRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n = 4 << 20
	stalledData, readData := randBytes(3, n), randBytes(4, n)
	stalled, read := fileBlock(t, stalledData, "", 0, n), fileBlock(t, readData, "", 0, n)
	rs, ws, err := JobStdin()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rr, wr, err := JobStdin()
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	stalledErr := make(chan error, 1)
	go func() {
		_, err := stalled.WriteTo(ws)
		ws.Close()
		stalledErr <- err
	}()
	// The stalled job's pipe is full before the other block is written:
	// its writer is the one that waits.
	for pipeLen(t, rs) == 0 {
		runtime.Gosched()
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(rr)
		got <- b
	}()
	if _, err := read.WriteTo(wr); err != nil {
		t.Fatalf("the reading job's block: %v", err)
	}
	wr.Close()
	if !bytes.Equal(<-got, readData) {
		t.Error("the reading job did not get its block")
	}
	select {
	case err := <-stalledErr:
		t.Fatalf("the stalled job's block was written (err %v) while it read nothing", err)
	default:
	}
	// Its writer waits in Go's poller by now, as a goroutine blocked on
	// a read of a socket does: it keeps no processor.
	state := writerState(t)
	for i := 0; i < 100 && state != "IO wait"; i++ {
		runtime.Gosched()
		state = writerState(t)
	}
	if state != "IO wait" {
		t.Errorf("the writer of the stalled job is %q; want it waiting in the poller (IO wait)", state)
	}
	b, err := io.ReadAll(rs)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-stalledErr; err != nil {
		t.Fatalf("the stalled job's block: %v", err)
	}
	if !bytes.Equal(b, stalledData) {
		t.Error("the stalled job, reading at last, did not get its block")
	}
}

// writerState is the state, as a goroutine dump gives it, of the goroutine
// in kernelCopy ("" if there is none).
func writerState(t *testing.T) string {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte("pipe.kernelCopy")) {
			continue
		}
		_, head, _ := bytes.Cut(g, []byte(" ["))
		state, _, _ := bytes.Cut(head, []byte("]"))
		state, _, _ = bytes.Cut(state, []byte(","))
		return string(state)
	}
	return ""
}

// pipeLen is the number of bytes waiting in the pipe r (FIONREAD).
func pipeLen(t *testing.T, r *os.File) int {
	t.Helper()
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	rc.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	return int(n)
}
