package pipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// numbered returns n lines "record i\n", i from 1, and the input.
func numbered(n int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "record %d\n", i)
	}
	return b.Bytes()
}

// pipeJob is a job's standard input: a pipe whose other end a goroutine
// reads, as a job would.
type pipeJob struct {
	w    *os.File
	got  bytes.Buffer
	done chan struct{}
}

func startPipeJob(t *testing.T, readAtMost int) *pipeJob {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	j := &pipeJob{w: w, done: make(chan struct{})}
	go func() {
		defer close(j.done)
		defer r.Close()
		if readAtMost >= 0 {
			io.CopyN(&j.got, r, int64(readAtMost)) // then stop reading
			return
		}
		io.Copy(&j.got, r)
	}()
	return j
}

// TestRoundRobinAnyJob: without -k, every block goes whole to one job, in
// order within each job, and no block is lost or repeated.
func TestRoundRobinAnyJob(t *testing.T) {
	input := numbered(5000)
	blocks := splitBytes(t, bytes.NewReader(input), Options{Block: 500})
	starts := map[string]bool{} // the first line of each block
	for _, b := range blocks {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		starts[string(line)] = true
	}

	s, err := NewSplitter(bytes.NewReader(input), Options{Block: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var jobs []*pipeJob
	err = RoundRobin(context.Background(), s, 4, false, func(context.Context) (io.WriteCloser, error) {
		j := startPipeJob(t, -1)
		jobs = append(jobs, j)
		return j.w, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 4 {
		t.Fatalf("%d jobs started; want 4", len(jobs))
	}
	var all []string
	for i, j := range jobs {
		<-j.done
		lines := strings.Split(strings.TrimSuffix(j.got.String(), "\n"), "\n")
		prev := 0
		for _, l := range lines {
			var n int
			fmt.Sscanf(l, "record %d", &n)
			if n != prev+1 && !starts[l] {
				t.Fatalf("job %d: %q follows record %d and starts no block: a block was cut", i+1, l, prev)
			}
			if n <= prev {
				t.Fatalf("job %d: %q after record %d: out of order", i+1, l, prev)
			}
			prev = n
		}
		all = append(all, lines...)
	}
	want := strings.Split(strings.TrimSuffix(string(input), "\n"), "\n")
	slices.Sort(all)
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("the jobs read %d records; want each of the %d once", len(all), len(want))
	}
}

// TestRoundRobinStoppedJob: a job that stops reading takes no more blocks;
// the others get the rest. When all stop, the error says so.
func TestRoundRobinStoppedJob(t *testing.T) {
	input := numbered(3000)
	blocks := splitBytes(t, bytes.NewReader(input), Options{Block: 300})
	for _, ordered := range []bool{true, false} {
		s, err := NewSplitter(bytes.NewReader(input), Options{Block: 300})
		if err != nil {
			t.Fatal(err)
		}
		var jobs []*pipeJob
		err = RoundRobin(context.Background(), s, 3, ordered, func(context.Context) (io.WriteCloser, error) {
			if len(jobs) == 0 {
				jobs = append(jobs, nil)
				return errWriter{syscall.EPIPE}, nil // stops at its first block
			}
			j := startPipeJob(t, -1)
			jobs = append(jobs, j)
			return j.w, nil
		})
		s.Close()
		if err != nil {
			t.Fatalf("ordered %v: %v", ordered, err)
		}
		<-jobs[1].done
		<-jobs[2].done
		// The two jobs that read got every block but the one the first
		// job refused.
		got := append(jobs[1].got.Bytes(), jobs[2].got.Bytes()...)
		missing := len(input) - len(got)
		lost := slices.IndexFunc(blocks, func(b []byte) bool { return len(b) == missing && !bytes.Contains(got, b) })
		if lost < 0 {
			t.Errorf("ordered %v: the jobs that read missed %d bytes, not one block", ordered, missing)
		}
		if ordered && lost != 0 {
			t.Errorf("ordered: block %d was lost; want block 1, the first job's", lost+1)
		}
	}

	s, err := NewSplitter(bytes.NewReader(input), Options{Block: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = RoundRobin(context.Background(), s, 2, false, func(context.Context) (io.WriteCloser, error) {
		return errWriter{syscall.EPIPE}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "all 2 jobs stopped reading") {
		t.Errorf("every job stopped: %v; want an error that says so", err)
	}
}

// TestRoundRobinCancel: a job that does not read does not keep RoundRobin
// from returning when its context is cancelled.
func TestRoundRobinCancel(t *testing.T) {
	s, err := NewSplitter(bytes.NewReader(numbered(100000)), Options{Block: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var rs []*os.File
	err = RoundRobin(ctx, s, 2, true, func(context.Context) (io.WriteCloser, error) {
		r, w, err := os.Pipe()
		rs = append(rs, r) // never read
		if len(rs) == 2 {
			cancel()
		}
		return w, err
	})
	for _, r := range rs {
		r.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundRobin: %v; want context.Canceled", err)
	}
}

func TestRoundRobinStartError(t *testing.T) {
	s, err := NewSplitter(bytes.NewReader(numbered(100)), Options{Block: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var jobs []*pipeJob
	err = RoundRobin(context.Background(), s, 3, true, func(context.Context) (io.WriteCloser, error) {
		if len(jobs) == 1 {
			return nil, errTest
		}
		j := startPipeJob(t, -1)
		jobs = append(jobs, j)
		return j.w, nil
	})
	if !errors.Is(err, errTest) || !strings.Contains(err.Error(), "starting job 2") {
		t.Errorf("RoundRobin: %v; want the start error, for job 2", err)
	}
	<-jobs[0].done // its input was closed
}

// TestTee: every job reads all of the input, from memory or from a file,
// and a job that stops reading does not stop the others.
func TestTee(t *testing.T) {
	input := randLines(41, 20000, 60, letters, "\n") // about 600 KB
	for _, src := range []string{"memory", "file"} {
		var r io.Reader = bytes.NewReader(input)
		if src == "file" {
			f := tempFile(t, input)
			f.Seek(100, io.SeekStart)
			r = f
		}
		jobs := []*pipeJob{startPipeJob(t, -1), startPipeJob(t, 1000), startPipeJob(t, -1)}
		ws := []io.WriteCloser{jobs[0].w, jobs[1].w, jobs[2].w}
		if err := Tee(context.Background(), r, ws); err != nil {
			t.Fatalf("from %s: %v", src, err)
		}
		want := input
		if src == "file" {
			want = input[100:]
		}
		for i, j := range jobs {
			<-j.done
			if i == 1 {
				continue
			}
			if !bytes.Equal(j.got.Bytes(), want) {
				t.Errorf("from %s: job %d read %d bytes; want all %d", src, i+1, j.got.Len(), len(want))
			}
		}
		if jobs[1].got.Len() != 1000 {
			t.Errorf("from %s: the job that stopped read %d bytes", src, jobs[1].got.Len())
		}
	}
}

func TestTeeCancel(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // never read
	ctx, cancel := context.WithCancel(context.Background())
	src := &cancelAfter{r: bytes.NewReader(randLines(42, 100000, 60, letters, "\n")), n: 2, cancel: cancel}
	if err := Tee(ctx, src, []io.WriteCloser{w}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Tee: %v; want context.Canceled", err)
	}
}

// cancelAfter cancels after n reads.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return c.r.Read(p)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }
func (w errWriter) Close() error              { return nil }

func TestTeeWriteError(t *testing.T) {
	j := startPipeJob(t, -1)
	err := Tee(context.Background(), bytes.NewReader(numbered(10)), []io.WriteCloser{errWriter{syscall.ENOSPC}, j.w})
	<-j.done
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "job 1") {
		t.Errorf("Tee: %v; want ENOSPC for job 1", err)
	}
	if j.got.String() != string(numbered(10)) {
		t.Errorf("the other job read %q", j.got.String())
	}
}

func memBlock(data string) *Block {
	return &Block{seq: 7, header: []byte("H\n"), body: []byte(data)}
}

func TestWithTempFile(t *testing.T) {
	dir := t.TempDir()
	var seen string
	err := WithTempFile(context.Background(), dir, memBlock("a\nb\n"), func(name string) error {
		seen = name
		data, err := os.ReadFile(name)
		if err != nil || string(data) != "H\na\nb\n" {
			t.Errorf("the file holds %q, %v", data, err)
		}
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Errorf("WithTempFile: %v; want run's error", err)
	}
	if _, err := os.Stat(seen); !os.IsNotExist(err) {
		t.Errorf("%s is still there after run returned", seen)
	}

	// A block held in a file, copied by the kernel.
	fb := fileBlock(t, []byte("0123456789"), "", 2, 5)
	WithTempFile(context.Background(), dir, fb, func(name string) error {
		if data, _ := os.ReadFile(name); string(data) != "23456" {
			t.Errorf("the file holds %q; want the range", data)
		}
		return nil
	})

	// A panic in run, and a cancelled context, leave nothing behind.
	func() {
		defer func() { recover() }()
		WithTempFile(context.Background(), dir, memBlock("x"), func(string) error { panic("job") })
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := WithTempFile(ctx, dir, memBlock("x"), func(string) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("cancelled: %v, ran %v; want context.Canceled and no run", err, ran)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind in %s: %v", dir, ents)
	}
	if err := WithTempFile(context.Background(), filepath.Join(dir, "missing"), memBlock("x"), nil); err == nil || !strings.Contains(err.Error(), "--cat") {
		t.Errorf("a directory that does not exist: %v; want an error naming --cat", err)
	}
}

func TestWithFifo(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("line of a big block\n", 200000) // 4 MB: more than a pipe holds
	for _, c := range []struct {
		name string
		job  func(name string) string // what the job read
		want string
	}{
		{"the job reads it all", func(name string) string {
			data, _ := os.ReadFile(name)
			return string(data)
		}, "H\n" + big},
		{"the job never opens it", func(string) string { return "" }, ""},
		{"the job reads a little and stops", func(name string) string {
			f, err := os.Open(name)
			if err != nil {
				return err.Error()
			}
			defer f.Close()
			b := make([]byte, 5)
			n, _ := io.ReadFull(f, b)
			return string(b[:n])
		}, "H\nlin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got string
			err := WithFifo(context.Background(), dir, memBlock(big), func(name string) error {
				got = c.job(name)
				return nil
			})
			if err != nil {
				t.Errorf("WithFifo: %v", err)
			}
			if got != c.want {
				t.Errorf("the job read %d bytes; want %d", len(got), len(c.want))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("left behind: %v", ents)
			}
		})
	}

	t.Run("a file block, spliced", func(t *testing.T) {
		fb := fileBlock(t, []byte("0123456789"), "h", 2, 5)
		var got []byte
		WithFifo(context.Background(), dir, fb, func(name string) error {
			got, _ = os.ReadFile(name)
			return nil
		})
		if string(got) != "h23456" {
			t.Errorf("the job read %q", got)
		}
	})

	t.Run("a panic in run", func(t *testing.T) {
		func() {
			defer func() { recover() }()
			WithFifo(context.Background(), dir, memBlock("x"), func(string) error { panic("job") })
		}()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("left behind: %v", ents)
		}
	})

	t.Run("cancelled while the job reads nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var once sync.Once
		err := WithFifo(ctx, dir, memBlock(big), func(name string) error {
			// The job opens the FIFO and then hangs without reading until
			// the run is cancelled.
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			once.Do(cancel)
			<-ctx.Done()
			return nil
		})
		if err != nil {
			t.Errorf("WithFifo: %v", err)
		}
	})
}
