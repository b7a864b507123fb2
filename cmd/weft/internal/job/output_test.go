package job

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func TestOutputSpillsToAnUnlinkedFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	var s Output
	defer s.Close()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	var want bytes.Buffer
	for want.Len() <= SpillAt {
		s.Write(chunk)
		want.Write(chunk)
	}
	if s.file == nil {
		t.Fatalf("%d bytes stayed in memory; want them in a file past %d", want.Len(), SpillAt)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary directory holds %d entries; want the file unlinked", len(entries))
	}
	if s.Len() != int64(want.Len()) {
		t.Errorf("Len %d; want %d", s.Len(), want.Len())
	}
	var got bytes.Buffer
	if err := s.CopyTo(&got); err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("CopyTo: %v, %d bytes; want the %d written", err, got.Len(), want.Len())
	}
	r, err := s.Reader()
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := io.ReadAll(r); !bytes.Equal(all, want.Bytes()) || !bytes.Equal(s.Bytes(), want.Bytes()) {
		t.Errorf("Reader or Bytes lost data")
	}
}

func TestOutputBelowSpillAtStaysInMemory(t *testing.T) {
	var s Output
	s.Write([]byte("small"))
	if s.file != nil || string(s.Bytes()) != "small" {
		t.Errorf("file %v, bytes %q; want %q in memory", s.file, s.Bytes(), "small")
	}
	var nilOutput *Output
	nilOutput.Close() // a job that never started has none
}
