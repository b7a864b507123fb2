package pipe

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// fileBlock returns a block that is the range [off, off+n) of a file
// holding data, after a header.
func fileBlock(t *testing.T, data []byte, header string, off, n int64) *Block {
	t.Helper()
	f := tempFile(t, data)
	return &Block{seq: 1, header: []byte(header), file: f, off: off, n: n}
}

// TestWriteToPipeSplices writes a 16 MiB file range into a pipe: the data
// arrives whole, and weft allocates next to nothing while it moves, so it
// did not go through its memory.
func TestWriteToPipeSplices(t *testing.T) {
	const n = 16 << 20
	data := randBytes(1, n+100)
	b := fileBlock(t, data, "HEADER\n", 50, n)
	r, w, err := JobStdin()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The reader's buffer is made before the count starts.
	got := make([]byte, len("HEADER\n")+n+1)
	done := make(chan error)
	go func() {
		k, err := io.ReadFull(r, got)
		got = got[:k]
		if err == io.ErrUnexpectedEOF {
			err = nil
		}
		done <- err
	}()
	runtime.GC()
	before := totalAlloc()
	written, err := b.WriteTo(w)
	moved := totalAlloc() - before
	w.Close()
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if written != int64(len("HEADER\n"))+n {
		t.Errorf("WriteTo wrote %d bytes; want %d", written, len("HEADER\n")+n)
	}
	if want := append([]byte("HEADER\n"), data[50:50+n]...); !bytes.Equal(got, want) {
		t.Errorf("the pipe carried %d bytes, not the header and the range", len(got))
	}
	if moved > 64<<10 {
		t.Errorf("%d bytes allocated while 16 MiB were spliced; want next to nothing", moved)
	}
}

// TestKernelCopyHandles: pipes get splice, regular files sendfile.
func TestKernelCopyHandles(t *testing.T) {
	data := randBytes(2, 300<<10)
	src := tempFile(t, data)

	dst, err := os.Create(filepath.Join(t.TempDir(), "dst"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	n, handled, err := kernelCopy(dst, src, 1000, 200<<10)
	if !handled || err != nil || n != 200<<10 {
		t.Fatalf("to a regular file: %d bytes, handled %v, %v; want 204800, true, nil", n, handled, err)
	}
	if got, _ := os.ReadFile(dst.Name()); !bytes.Equal(got, data[1000:1000+200<<10]) {
		t.Error("the regular file holds something else than the range")
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	n, handled, err = kernelCopy(w, src, 7, 250<<10)
	w.Close()
	if !handled || err != nil || n != 250<<10 {
		t.Fatalf("to a pipe: %d bytes, handled %v, %v", n, handled, err)
	}
	if !bytes.Equal(<-got, data[7:7+250<<10]) {
		t.Error("the pipe carried something else than the range")
	}
}

func TestWriteToOtherWriters(t *testing.T) {
	data := randBytes(3, 100<<10)
	var buf bytes.Buffer
	b := fileBlock(t, data, "H", 10, 90<<10)
	if n, err := b.WriteTo(&buf); err != nil || n != 1+90<<10 {
		t.Fatalf("WriteTo(bytes.Buffer): %d, %v", n, err)
	}
	if !bytes.Equal(buf.Bytes(), append([]byte("H"), data[10:10+90<<10]...)) {
		t.Error("bytes.Buffer got something else than the header and the range")
	}
	// Read part, then WriteTo the rest.
	b = fileBlock(t, data, "HH", 0, 1000)
	head := make([]byte, 5)
	if _, err := io.ReadFull(b, head); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	b.WriteTo(&buf)
	if got := append(head, buf.Bytes()...); !bytes.Equal(got, append([]byte("HH"), data[:1000]...)) {
		t.Error("Read then WriteTo did not give the block once")
	}
}

// TestWriteToAStoppedJob: a job that closes its input makes WriteTo fail
// with an error Stopped recognises.
func TestWriteToAStoppedJob(t *testing.T) {
	b := fileBlock(t, randBytes(4, 4<<20), "", 0, 4<<20)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	_, err = b.WriteTo(w)
	if !Stopped(err) {
		t.Fatalf("WriteTo a pipe nobody reads: %v; want EPIPE", err)
	}
	mem := &Block{seq: 1, body: []byte("data")}
	if _, err := mem.WriteTo(w); !Stopped(err) {
		t.Fatalf("WriteTo from memory, a pipe nobody reads: %v; want EPIPE", err)
	}
}

// TestWriteToShrunkFile: a file cut short under a block is an error, not a
// short block.
func TestWriteToShrunkFile(t *testing.T) {
	b := fileBlock(t, randBytes(5, 1000), "", 0, 1000)
	if err := os.Truncate(b.file.Name(), 500); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go io.Copy(io.Discard, r)
	_, err = b.WriteTo(w)
	w.Close()
	if err == nil {
		t.Error("WriteTo of a range past the end of the file: no error")
	}
	b.pos = 0
	if _, err := io.ReadAll(b); err == nil {
		t.Error("Read of a range past the end of the file: no error")
	}
}

func TestJobStdinCapacity(t *testing.T) {
	r, w, err := JobStdin()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	limit, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		t.Skip("no /proc/sys/fs/pipe-max-size:", err)
	}
	var size uintptr
	rc, _ := w.SyscallConn()
	rc.Control(func(fd uintptr) {
		size, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, 1032 /* F_GETPIPE_SZ */, 0)
	})
	if want := min(JobPipeSize, atoi(t, string(bytes.TrimSpace(limit)))); int(size) < want {
		t.Errorf("JobStdin's capacity is %d; want %d", size, want)
	}
}

// TestSplitFileIntoPipes runs a file's blocks into pipes read by goroutines
// at once, as jobs would: they share the file but not its offset, and
// every one gets its own range.
func TestSplitFileIntoPipes(t *testing.T) {
	input := randLines(6, 20000, 60, letters, "\n")
	f := tempFile(t, input)
	s, err := NewSplitter(f, Options{Block: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type result struct {
		seq  int
		data []byte
	}
	results := make(chan result)
	n := 0
	eachBlock(t, s, func(b *Block) {
		n++
		r, w, err := JobStdin()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer r.Close()
			data, _ := io.ReadAll(r)
			results <- result{b.Seq(), data}
		}()
		go func() {
			b.WriteTo(w)
			w.Close()
			b.Release()
		}()
	})
	got := make([][]byte, n)
	for range n {
		r := <-results
		got[r.seq-1] = r.data
	}
	if !bytes.Equal(bytes.Join(got, nil), input) {
		t.Error("the jobs' inputs do not add up to the file")
	}
	want := splitBytes(t, bytes.NewReader(input), Options{Block: 64 << 10})
	if d := diffBlocks(got, want); d != "" {
		t.Error(d)
	}
}
