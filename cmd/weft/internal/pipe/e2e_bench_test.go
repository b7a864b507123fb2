package pipe

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The end-to-end benchmark: `wc -l` over 1 GiB of lines, in blocks of 10
// MiB, by GNU parallel, by weft, and by wc alone (the floor). One op is
// one whole run; MB/s is over the 1 GiB. Run it with
//
//	go test -run '^$' -bench EndToEnd -benchtime 3x ./cmd/weft/internal/pipe
//
// WEFT_BIN names a weft binary to measure too (cmd/weft's BenchmarkPipe
// measures the command against GNU parallel and wc on its own). The input
// is made once, in $TMPDIR/weft-pipe-bench, and kept for later runs.

const (
	e2eSize  = 1 << 30
	e2eBlock = "10M"
)

var e2eInput = sync.OnceValues(func() (string, int64) {
	dir := filepath.Join(os.TempDir(), "weft-pipe-bench")
	name := filepath.Join(dir, "lines-1GiB.txt")
	countName := name + ".lines"
	if st, err := os.Stat(name); err == nil && st.Size() == e2eSize {
		if c, err := os.ReadFile(countName); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(c)), 10, 64); err == nil {
				return name, n
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	f, err := os.Create(name)
	if err != nil {
		panic(err)
	}
	src := newSynthetic(e2eSize)
	buf := make([]byte, 4<<20)
	var lines int64
	for {
		n, err := src.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if _, werr := f.Write(buf[:n]); werr != nil {
			panic(werr)
		}
		if err == io.EOF {
			break
		}
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	if err := os.WriteFile(countName, []byte(strconv.FormatInt(lines, 10)), 0o644); err != nil {
		panic(err)
	}
	return name, lines
})

// sumCounts adds up the numbers wc -l printed, one per line.
func sumCounts(out []byte) (int64, error) {
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		n, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("not a count: %q", sc.Text())
		}
		total += n
	}
	return total, nil
}

// runTool runs a command with the input file as standard input (when
// stdin is true) and checks that the counts it printed add up to the
// lines. With measure, it runs the command under GNU time and returns the
// peak resident memory of the largest process of its tree, in MiB.
// (ProcessState's Maxrss would not do: a child that Go starts counts the
// test binary's own resident memory until it execs, about 8 MiB here.)
func runTool(b *testing.B, measure, stdin bool, name string, args ...string) float64 {
	input, lines := e2eInput()
	var report string
	if measure {
		report = filepath.Join(b.TempDir(), "rss")
		args = append([]string{"-f", "%M", "-o", report, name}, args...)
		name = "/usr/bin/time"
	}
	cmd := exec.Command(name, args...)
	if stdin {
		f, err := os.Open(input)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if n, err := sumCounts(out); err != nil || n != lines {
		b.Fatalf("%s %s: counted %d lines (%v); want %d", name, strings.Join(args, " "), n, err, lines)
	}
	if !measure {
		return 0
	}
	kib, err := os.ReadFile(report)
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(string(kib)), 64)
	if err != nil {
		b.Fatalf("GNU time said %q", kib)
	}
	return n / 1024
}

// peakSelf runs f and returns this process's peak resident memory while it
// ran, in MiB: the figure for the splitter's side of a package run (the
// test binary's own memory included).
func peakSelf(b *testing.B, f func()) float64 {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak resident memory: %v", err)
	}
	f()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// runPackage is the smallest runner on this package: a splitter over the
// file and one `wc -l` per block, jobs at a time, each fed by WriteTo into
// a JobStdin pipe. It measures the data path without the rest of weft.
func runPackage(b *testing.B, part bool, jobs int) {
	input, lines := e2eInput()
	f, err := os.Open(input)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	block, err := ParseSize(e2eBlock)
	if err != nil {
		b.Fatal(err)
	}
	var s *Splitter
	if part {
		s, err = NewPartSplitter(f, Options{Block: block})
	} else {
		s, err = NewSplitter(f, Options{Block: block})
	}
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var (
		wg     sync.WaitGroup
		slots  = make(chan struct{}, jobs)
		total  atomic.Int64
		failed atomic.Value
	)
	eachBlock(b, s, func(blk *Block) {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			defer blk.Release()
			r, w, err := JobStdin()
			if err != nil {
				failed.Store(err)
				return
			}
			cmd := exec.Command("wc", "-l")
			cmd.Stdin = r
			var out bytes.Buffer
			cmd.Stdout = &out
			err = cmd.Start()
			r.Close()
			if err != nil {
				w.Close()
				failed.Store(err)
				return
			}
			_, werr := blk.WriteTo(w)
			w.Close()
			if err := cmd.Wait(); err != nil || werr != nil {
				failed.Store(fmt.Errorf("wc -l: %v, writing its block: %v", err, werr))
				return
			}
			n, err := sumCounts(out.Bytes())
			if err != nil {
				failed.Store(err)
				return
			}
			total.Add(n)
		})
	})
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	if total.Load() != lines {
		b.Fatalf("counted %d lines; want %d", total.Load(), lines)
	}
}

func BenchmarkEndToEnd(b *testing.B) {
	input, _ := e2eInput()
	// Every tool reads the file from the page cache: read it once first.
	if f, err := os.Open(input); err == nil {
		io.Copy(io.Discard, f)
		f.Close()
	}
	jobs := runtime.NumCPU()
	gnu, err := exec.LookPath("parallel")
	if err != nil {
		b.Skip("GNU parallel is not installed: apt-get install parallel")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("GNU time measures the tools' peak memory: apt-get install time")
	}
	weft := os.Getenv("WEFT_BIN")

	// tool runs a command in the timed loop, then once more under GNU time
	// for its peak memory.
	tool := func(name string, stdin bool, cmd ...string) {
		b.Run(name, func(b *testing.B) {
			if cmd[0] == "" {
				b.Skip("set WEFT_BIN to a weft binary")
			}
			b.SetBytes(e2eSize)
			b.ReportAllocs()
			for b.Loop() {
				runTool(b, false, stdin, cmd[0], cmd[1:]...)
			}
			b.ReportMetric(runTool(b, true, stdin, cmd[0], cmd[1:]...), "peak-RSS-MiB")
		})
	}
	pkg := func(name string, part bool) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(e2eSize)
			b.ReportAllocs()
			for b.Loop() {
				runPackage(b, part, jobs)
			}
			b.ReportMetric(peakSelf(b, func() { runPackage(b, part, jobs) }), "peak-RSS-MiB")
		})
	}

	tool("tool=wc", true, "wc", "-l")
	tool("tool=gnu-pipe", true, gnu, "--pipe", "--block", e2eBlock, "wc", "-l")
	tool("tool=gnu-pipe-part", false, gnu, "--pipe-part", "-a", input, "--block", e2eBlock, "wc", "-l")
	pkg("tool=package-pipe", false)
	pkg("tool=package-pipe-part", true)
	tool("tool=weft-pipe", true, weft, "--pipe", "--block", e2eBlock, "wc", "-l")
	tool("tool=weft-pipe-part", false, weft, "--pipe-part", "-a", input, "--block", e2eBlock, "wc", "-l")
}
