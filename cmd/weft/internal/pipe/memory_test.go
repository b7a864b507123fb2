package pipe

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// synthetic is a reader of n bytes of lines, 1 to 80 bytes long, made up
// on the fly: a large input that costs no memory.
type synthetic struct {
	n, off int64
	pat    []byte
}

func newSynthetic(n int64) *synthetic {
	pat := randLines(99, 3000, 79, letters, "\n") // about 120 KB of lines
	return &synthetic{n: n, pat: pat}
}

func (s *synthetic) Read(p []byte) (int, error) {
	if s.off >= s.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.n-s.off)]
	n := 0
	for n < len(p) {
		n += copy(p[n:], s.pat[(s.off+int64(n))%int64(len(s.pat)):])
	}
	s.off += int64(n)
	return n, nil
}

// drain splits src, holding up to held blocks at once (as that many jobs
// writing would) and releasing the oldest first; it returns how much input
// the blocks held, and how many there were.
func drain(t *testing.T, s *Splitter, held int) (total int64, blocks int) {
	t.Helper()
	var window []*Block
	eachBlock(t, s, func(b *Block) {
		total += b.Len()
		blocks++
		window = append(window, b)
		if len(window) > held {
			window[0].Release()
			window = window[1:]
		}
	})
	for _, b := range window {
		b.Release()
	}
	return total, blocks
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestMemoryStaysBounded splits 1 GiB of input read into memory: the
// buffers made come to a few blocks, whatever the input's size, and
// everything else allocated is small change per block.
func TestMemoryStaysBounded(t *testing.T) {
	const size = 1 << 30
	const block = 1 << 20
	for _, held := range []int{0, 1, 4} {
		s, err := NewSplitter(newSynthetic(size), Options{Block: block})
		if err != nil {
			t.Fatal(err)
		}
		before := totalAlloc()
		total, blocks := drain(t, s, held)
		all := totalAlloc() - before
		buffers := s.eng.(*bufEngine).pool.allocated.Load()
		s.Close()
		if total != size {
			t.Fatalf("blocks held %d bytes; want %d", total, size)
		}
		// held blocks, the one being filled, the one its tail moves to,
		// and the first buffer's growth toward the block size.
		if limit := int64(held+3) * block; buffers > limit {
			t.Errorf("holding %d blocks: %d bytes of buffers for %d blocks; want at most %d", held, buffers, blocks, limit)
		}
		if perBlock := (all - uint64(buffers)) / uint64(blocks); perBlock > 512 {
			t.Errorf("holding %d blocks: %d bytes allocated per block besides buffers; want at most 512", held, perBlock)
		}
		t.Logf("holding %d blocks: %d blocks, %d bytes of buffers, %d bytes allocated in all", held, blocks, buffers, all)
	}
}

// TestMemoryStaysBoundedWithRecords: -N, which reads every record, keeps
// the same bound.
func TestMemoryStaysBoundedWithRecords(t *testing.T) {
	const size = 64 << 20
	const block = 1 << 20
	s, err := NewSplitter(newSynthetic(size), Options{Block: block, Records: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	total, blocks := drain(t, s, 2)
	if total != size {
		t.Fatalf("blocks held %d bytes; want %d", total, size)
	}
	if buffers := s.eng.(*bufEngine).pool.allocated.Load(); buffers > 5*block {
		t.Errorf("%d bytes of buffers for %d blocks; want at most %d", buffers, blocks, 5*block)
	}
}

// TestFileSplitReadsLittle splits a 64 MiB file: blocks are file ranges,
// and finding their ends reads one window each, so what is allocated does
// not grow with the data.
func TestFileSplitReadsLittle(t *testing.T) {
	const size = 64 << 20
	name := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, newSynthetic(size)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	f, err = os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := NewSplitter(f, Options{Block: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.eng.(*fileEngine); !ok {
		t.Fatalf("a regular file is split by %T; want *fileEngine", s.eng)
	}
	before := totalAlloc()
	total, blocks := drain(t, s, 4)
	all := totalAlloc() - before
	if total != size {
		t.Fatalf("blocks held %d bytes; want %d", total, size)
	}
	if all > searchWindow+uint64(blocks)*512 {
		t.Errorf("%d bytes allocated for %d blocks of a %d-byte file; want at most one search window and 512 bytes per block", all, blocks, size)
	}
}
