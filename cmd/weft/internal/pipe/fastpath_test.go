package pipe

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"
)

// TestFastPathOnlyFromAFile: the input is cut as file ranges (zero copy,
// the splitter reads only near block ends) when it is a regular file and
// the options need nothing but the boundaries; from a pipe, and with the
// options that must see every byte, blocks are read into memory. Both
// give the same blocks, on random inputs and options.
func TestFastPathOnlyFromAFile(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	seps := []string{"\n", ";", `\r\n`, "ab", ""}
	for i := range 150 {
		input := randLines(uint64(i)+500, r.IntN(300), r.IntN(60), "ab;\r\n"+letters[:4], []string{"\n", ";", "\r\n", ""}[r.IntN(4)])
		args := []string{"--block", []string{"1", "7", "64", "1k", "300"}[r.IntN(5)]}
		switch r.IntN(3) {
		case 1:
			args = append(args, "--recend", seps[r.IntN(len(seps))])
		case 2:
			args = append(args, "--recstart", seps[r.IntN(len(seps))])
		}
		slow := false // an option that reads every byte
		switch r.IntN(6) {
		case 0:
			args, slow = append(args, "--regexp"), true
		case 1:
			args, slow = append(args, "-N", "3"), true
		case 2:
			args, slow = append(args, "-L", "2"), true
		case 3:
			args, slow = append(args, "--rrs"), true
		}
		if r.IntN(4) == 0 {
			args = append(args, "--header", ":")
		}
		o := optionsFor(t, args)

		f := tempFile(t, input)
		fromFile, err := NewSplitter(f, o)
		if err != nil {
			t.Fatalf("case %d %q: %v", i, args, err)
		}
		_, fast := fromFile.eng.(*fileEngine)
		if fast == slow {
			t.Errorf("case %d %q: from a file, zero copy %v; want %v", i, args, fast, !slow)
		}
		var file [][]byte
		eachBlock(t, fromFile, func(b *Block) {
			if (b.file != nil) != fast {
				t.Errorf("case %d %q: block %d is a file range %v; want %v", i, args, b.Seq(), b.file != nil, fast)
			}
			var buf bytes.Buffer
			if _, err := b.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			file = append(file, buf.Bytes())
			b.Release()
		})
		fromFile.Close()

		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			pw.Write(input)
			pw.Close()
		}()
		fromPipe, err := NewSplitter(pr, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := fromPipe.eng.(*bufEngine); !ok {
			t.Errorf("case %d %q: from a pipe, engine %T; want the copying one", i, args, fromPipe.eng)
		}
		piped := collect(t, fromPipe)
		fromPipe.Close()
		<-done
		pr.Close()
		if d := diffBlocks(file, piped); d != "" {
			t.Fatalf("case %d, %q over %q: file vs pipe: %s", i, args, clip(input), d)
		}
	}
}
