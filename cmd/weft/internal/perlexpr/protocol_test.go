package perlexpr

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// TestFramesAppend checks that frames appended one after another into one
// buffer each carry their own length.
func TestFramesAppend(t *testing.T) {
	b, err := appendCompile([]byte("prefix"), []Expr{{Code: "a"}, {Code: "bc"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err = appendJob(b, Job{Seq: 1 << 40, Total: 3, Slot: 2}, []string{"x\x00y", ""}, []Call{{1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(b[len("prefix"):]))
	compile, err := readFrame(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x00\x00\x00\x02\x00\x00\x00\x01a\x00\x00\x00\x02bc"; string(compile) != want {
		t.Errorf("compile frame %q; want %q", compile, want)
	}
	job, err := readFrame(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.BigEndian.AppendUint64(nil, 1<<40)
	want = binary.BigEndian.AppendUint64(want, 3)
	want = append(want, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0)
	want = append(want, "\x00\x00\x00\x03x\x00y\x00\x00\x00\x00"...)
	if !bytes.Equal(job, want) {
		t.Errorf("job frame %q; want %q", job, want)
	}
	if _, err := readFrame(r, nil); err != io.EOF {
		t.Errorf("after the last frame: %v; want EOF", err)
	}
}

func TestReadFrameRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"\x7f\xff\xff\xff", errFrame},               // longer than any frame
		{"\x00\x00\x00\x05abc", io.ErrUnexpectedEOF}, // cut short
		{"\x00\x00", io.ErrUnexpectedEOF},            // cut in its length
	}
	for _, tt := range tests {
		if _, err := readFrame(bufio.NewReader(bytes.NewReader([]byte(tt.in))), nil); !errors.Is(err, tt.want) {
			t.Errorf("readFrame(%q): %v; want %v", tt.in, err, tt.want)
		}
	}
}

func TestDecodeRejectsMalformedReplies(t *testing.T) {
	e := &Evaluator{exprs: []Expr{{Code: "a", Text: "{= a =}"}}}
	calls := []Call{{0, 0}}
	for _, p := range []string{
		"",                               // empty
		"\x00\x00",                       // no value
		"\x00\x00\x00\x00\x00\x00\x05ab", // value cut short
		"\x00\x00\x00\x00\x00\x00\x00x",  // bytes left over
		"\x01\x00\x00\x00\x00\x07\x00\x00\x00\x00", // error for a call that was not made
		"\x02\x00", // unknown status
	} {
		if _, err := e.decode([]byte(p), calls); !errors.Is(err, errFrame) {
			t.Errorf("decode(%q): %v; want errFrame", p, err)
		}
	}
	r, err := e.decode([]byte("\x00\x01\x01\x00\x00\x00\x02hi"), calls)
	if err != nil || r.err != nil || !r.res.Skip || r.res.Values[0] != (Value{Text: "hi", Unquoted: true}) {
		t.Errorf("decode of a good reply: %+v, %v", r, err)
	}
}

// TestCloseLetsIdlePerlExit checks that Close on an idle evaluator ends
// perl by closing its input, not by killing it.
func TestCloseLetsIdlePerlExit(t *testing.T) {
	e, err := Start(context.Background(), []Expr{{Code: "s/a/b/", Text: "{= s/a/b/ =}"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(context.Background(), Job{Args: []string{"a"}}, []Call{{0, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.cmd.ProcessState; !st.Exited() || st.ExitCode() != 0 {
		t.Errorf("perl ended with %v; want exit status 0", st)
	}
}
