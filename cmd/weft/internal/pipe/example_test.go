package pipe_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
)

// printBlocks prints every block of s.
func printBlocks(s *pipe.Splitter) {
	for {
		b, err := s.Next(context.Background())
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		data, _ := io.ReadAll(b)
		fmt.Printf("block %d: %q\n", b.Seq(), data)
		b.Release()
	}
}

// Blocks of at most 6 bytes that end on a line: the rest of a line waits
// for the next block.
func ExampleNewSplitter() {
	s, err := pipe.NewSplitter(strings.NewReader("1\n22\n333\n4444\n55555\n"), pipe.Options{Block: 6})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	printBlocks(s)
	// Output:
	// block 1: "1\n22\n"
	// block 2: "333\n"
	// block 3: "4444\n"
	// block 4: "55555\n"
}

// A CSV file in blocks of two records, each with the header line: weft
// --pipe --header : -N 2.
func ExampleNewSplitter_header() {
	input := "id,name\n1,ann\n2,bob\n3,cy\n"
	s, err := pipe.NewSplitter(strings.NewReader(input), pipe.Options{Header: ":", Records: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	printBlocks(s)
	// Output:
	// block 1: "id,name\n1,ann\n2,bob\n"
	// block 2: "id,name\n3,cy\n"
}

// FASTA records start with ">": weft --pipe --recstart '>' --block 16.
func ExampleNewSplitter_recstart() {
	input := ">a\nACGT\n>b\nGG\n>c\nTTTT\n"
	s, err := pipe.NewSplitter(strings.NewReader(input), pipe.Options{RecStart: new(">"), Block: 16})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	printBlocks(s)
	// Output:
	// block 1: ">a\nACGT\n>b\nGG\n"
	// block 2: ">c\nTTTT\n"
}

// Parts of a file for --pipe-part: each ends at the first line end at
// least 8 bytes after its start.
func ExampleNewPartSplitter() {
	f, err := os.CreateTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.WriteString("one\ntwo\nthree\nfour\nfive\n")
	s, err := pipe.NewPartSplitter(f, pipe.Options{Block: 8})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	printBlocks(s)
	// Output:
	// block 1: "one\ntwo\nthree\n"
	// block 2: "four\nfive\n"
}

func ExampleParseSize() {
	for _, v := range []string{"10M", "10m", "1.5K", "-2", "1MB"} {
		n, err := pipe.ParseSize(v)
		fmt.Println(v, n, err != nil)
	}
	// Output:
	// 10M 10485760 false
	// 10m 10000000 false
	// 1.5K 1536 false
	// -2 -2 false
	// 1MB 0 true
}

// Two long-running jobs share the blocks in turn, as --round-robin -k
// does; here each job's input is a buffer.
func ExampleRoundRobin() {
	s, err := pipe.NewSplitter(strings.NewReader("a\nb\nc\nd\ne\n"), pipe.Options{Block: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	var jobs []*bytes.Buffer
	err = pipe.RoundRobin(context.Background(), s, 2, true, func(context.Context) (io.WriteCloser, error) {
		b := &bytes.Buffer{}
		jobs = append(jobs, b)
		return nopCloser{b}, nil
	})
	fmt.Println(err)
	for i, b := range jobs {
		fmt.Printf("job %d read %q\n", i+1, b)
	}
	// Output:
	// <nil>
	// job 1 read "a\nc\ne\n"
	// job 2 read "b\nd\n"
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// --cat: the job gets the block as a file, removed when it ends.
func ExampleWithTempFile() {
	s, err := pipe.NewSplitter(strings.NewReader("x\ny\n"), pipe.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	b, err := s.Next(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Release()
	var name string
	err = pipe.WithTempFile(context.Background(), "", b, func(n string) error {
		name = n
		data, err := os.ReadFile(n) // the job would be run here, {} = n
		fmt.Printf("the job reads %q\n", data)
		return err
	})
	_, statErr := os.Stat(name)
	fmt.Println(err, os.IsNotExist(statErr))
	// Output:
	// the job reads "x\ny\n"
	// <nil> true
}
