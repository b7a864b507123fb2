package pipe

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchInput is 64 MiB of lines, 1 to 80 bytes long, in memory.
var benchInput = func() func() []byte {
	var data []byte
	return func() []byte {
		if data == nil {
			data, _ = io.ReadAll(newSynthetic(64 << 20))
		}
		return data
	}
}()

// benchFile is benchInput in a file in dir.
func benchFile(b *testing.B) *os.File {
	b.Helper()
	name := filepath.Join(b.TempDir(), "input")
	if err := os.WriteFile(name, benchInput(), 0o600); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkSplit: one op splits 64 MiB into 1 MiB blocks. Its baseline,
// impl=read, reads the same bytes from the same source into a 1 MiB buffer
// and looks at none of them: what any splitter that reads its input must
// pay at least. From a file, impl=read is the same reads through pread;
// the splitter reads only near each block's end.
func BenchmarkSplit(b *testing.B) {
	data := benchInput()
	const block = 1 << 20
	split := func(b *testing.B, src func() io.Reader, o Options) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			s, err := NewSplitter(src(), o)
			if err != nil {
				b.Fatal(err)
			}
			var n int64
			eachBlock(b, s, func(blk *Block) {
				n += blk.Len()
				blk.Release()
			})
			s.Close()
			if n != int64(len(data)) {
				b.Fatalf("blocks held %d bytes; want %d", n, len(data))
			}
		}
	}
	mem := func() io.Reader { return bytes.NewReader(data) }
	b.Run("src=memory/impl=read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		buf := make([]byte, block)
		for b.Loop() {
			r := mem()
			for {
				if _, err := io.ReadFull(r, buf); err != nil {
					break
				}
			}
		}
	})
	b.Run("src=memory/impl=split", func(b *testing.B) { split(b, mem, Options{Block: block}) })
	b.Run("src=memory/impl=split-N", func(b *testing.B) { split(b, mem, Options{Block: block, Records: 1000}) })
	b.Run("src=memory/impl=split-L", func(b *testing.B) { split(b, mem, Options{Block: block, Lines: 4}) })
	b.Run("src=memory/impl=split-regexp", func(b *testing.B) {
		split(b, mem, Options{Block: block, Regexp: true, RecEnd: new(`\n`)})
	})
	b.Run("src=memory/impl=split-regexp-N", func(b *testing.B) {
		split(b, mem, Options{Block: block, Regexp: true, RecEnd: new(`\n`), Records: 1000})
	})

	f := benchFile(b)
	file := func() io.Reader { f.Seek(0, io.SeekStart); return f }
	b.Run("src=file/impl=read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		buf := make([]byte, block)
		for b.Loop() {
			for off := int64(0); ; off += block {
				if n, _ := f.ReadAt(buf, off); n < block {
					break
				}
			}
		}
	})
	b.Run("src=file/impl=split", func(b *testing.B) { split(b, file, Options{Block: block}) })
}

// BenchmarkDeliver: one op writes a 64 MiB block held in a file into a
// pipe, which a goroutine drains. impl=copy reads the file into a 1 MiB
// buffer and writes that to the pipe (the best plain copy); impl=splice is
// Block.WriteTo. Both pipes are made by JobStdin.
func BenchmarkDeliver(b *testing.B) {
	data := benchInput()
	f := benchFile(b)
	run := func(b *testing.B, write func(w *os.File)) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		sink := make([]byte, 1<<20)
		for b.Loop() {
			r, w, err := JobStdin()
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan int64)
			go func() {
				var n int64
				for {
					k, err := r.Read(sink)
					n += int64(k)
					if err != nil {
						break
					}
				}
				r.Close()
				done <- n
			}()
			write(w)
			w.Close()
			if n := <-done; n != int64(len(data)) {
				b.Fatalf("the pipe carried %d bytes; want %d", n, len(data))
			}
		}
	}
	b.Run("impl=copy", func(b *testing.B) {
		buf := make([]byte, 1<<20)
		run(b, func(w *os.File) {
			if _, err := io.CopyBuffer(struct{ io.Writer }{w}, io.NewSectionReader(f, 0, int64(len(data))), buf); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("impl=splice", func(b *testing.B) {
		run(b, func(w *os.File) {
			blk := &Block{seq: 1, file: f, n: int64(len(data))}
			if _, err := blk.WriteTo(w); err != nil {
				b.Fatal(err)
			}
		})
	})
}
