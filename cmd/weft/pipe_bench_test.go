package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// BenchmarkPipe runs `wc -l` over the same 1 GiB file of lines, in one
// run: directly (the floor: one process reading the file), through weft
// --pipe --block 10M and GNU parallel --pipe --block 10M (the file on
// stdin), and through weft --pipe-part and GNU parallel --pipe-part (-a
// FILE). One op is one whole run; MB/s is over the file. Every run must
// count every line. The peak resident memory (peak-RSS-MiB) is the child's
// ru_maxrss as wait4(2) reports it (the largest process of its tree),
// through GNU time, measured on one more run after the timed ones: a child
// of the Go test binary would report the binary's own memory at its exec.
// weft and GNU parallel run their jobs in /bin/sh (benchEnv), whatever the
// shell of whoever runs the benchmark.
//
//	go test -run '^$' -bench Pipe -benchtime 3x -count 3 ./cmd/weft
//
// The file is made once, in $TMPDIR/weft-bench-pipe, and kept for later
// runs; it is read once before the first measure, so that every tool reads
// it from the page cache.
func BenchmarkPipe(b *testing.B) {
	gnu, err := exec.LookPath("parallel")
	if err != nil {
		b.Skip("GNU parallel is not installed: apt-get install parallel")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("GNU time measures the peak memory: apt-get install time")
	}
	in, err := pipeBenchInput()
	if err != nil {
		b.Fatal(err)
	}
	input, lines := in.name, in.lines
	warm(input)
	const block = "10M"
	tool := func(name string, stdin bool, args ...string) {
		b.Run("tool="+name, func(b *testing.B) {
			b.SetBytes(pipeBenchSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runCounting(false, stdin, input, lines, args...); err != nil {
					b.Fatal(err)
				}
			}
			rss, err := runCounting(true, stdin, input, lines, args...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(rss, "peak-RSS-MiB")
		})
	}
	tool("wc", true, "wc", "-l")
	tool("weft-pipe", true, weftBin, "--pipe", "--block", block, "wc", "-l")
	tool("gnu-pipe", true, gnu, "--will-cite", "--pipe", "--block", block, "wc", "-l")
	tool("weft-pipe-part", false, weftBin, "--pipe-part", "-a", input, "--block", block, "wc", "-l")
	tool("gnu-pipe-part", false, gnu, "--will-cite", "--pipe-part", "-a", input, "--block", block, "wc", "-l")
}

const pipeBenchSize = 1 << 30

// benchFile is a file of lines, and how many.
type benchFile struct {
	name  string
	lines int64
}

// pipeBenchInput makes (once) a file of 1 GiB of lines of 1 to 80
// letters.
var pipeBenchInput = sync.OnceValues(func() (benchFile, error) {
	dir := filepath.Join(os.TempDir(), "weft-bench-pipe")
	name := filepath.Join(dir, "lines-1GiB.txt")
	// One MiB of lines, ending with one, repeated: 1024 times its lines.
	r := rand.New(rand.NewPCG(1, 2))
	var pat []byte
	for len(pat) < 1<<20-82 {
		for range 1 + r.IntN(80) {
			pat = append(pat, byte('a'+r.IntN(26)))
		}
		pat = append(pat, '\n')
	}
	pat = append(pat, bytes.Repeat([]byte("z"), 1<<20-1-len(pat))...)
	pat = append(pat, '\n')
	lines := int64(bytes.Count(pat, []byte{'\n'})) * (pipeBenchSize >> 20)
	if st, err := os.Stat(name); err == nil && st.Size() == pipeBenchSize {
		return benchFile{name, lines}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return benchFile{}, err
	}
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return benchFile{}, err
	}
	w := bufio.NewWriterSize(f, 4<<20)
	for range pipeBenchSize >> 20 {
		w.Write(pat)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return benchFile{}, err
	}
	if err := f.Close(); err != nil {
		return benchFile{}, err
	}
	return benchFile{name, lines}, os.Rename(tmp, name)
})

// warm reads the file once, into the page cache.
func warm(name string) {
	if f, err := os.Open(name); err == nil {
		io.Copy(io.Discard, f)
		f.Close()
	}
}

// runCounting runs args (with the file on stdin, when stdin is true) and
// checks that the counts it printed add up to lines. With measure, it runs
// it under GNU time and returns the peak resident memory it reports, in MiB.
func runCounting(measure, stdin bool, input string, lines int64, args ...string) (float64, error) {
	var report string
	if measure {
		f, err := os.CreateTemp("", "weft-bench-rss-*")
		if err != nil {
			return 0, err
		}
		f.Close()
		report = f.Name()
		defer os.Remove(report)
		args = append([]string{"/usr/bin/time", "-f", "%M", "-o", report}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = benchEnv()
	if stdin {
		f, err := os.Open(input)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var total int64
	for _, l := range strings.Fields(string(out)) {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s printed %q, not a count", strings.Join(args, " "), l)
		}
		total += n
	}
	if total != lines {
		return 0, fmt.Errorf("%s counted %d lines; want %d", strings.Join(args, " "), total, lines)
	}
	if !measure {
		return 0, nil
	}
	kib, err := os.ReadFile(report)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(string(kib)), 64)
	if err != nil {
		return 0, fmt.Errorf("GNU time reported %q", kib)
	}
	return n / 1024, nil
}
