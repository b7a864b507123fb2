package cmdline_test

import (
	"fmt"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
)

func ExampleParse() {
	t, err := cmdline.Parse("convert {} {/.}.png")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Expand([]string{"photos/a b.jpg"}, 1, 1))
	fmt.Println(cmdline.MustParse("echo {2}-{1} {-1/.} #{#}").Expand([]string{"x", "y", "d/z.c"}, 7, 1))
	fmt.Println(cmdline.MustParse("gzip -9").Expand([]string{"it's.log"}, 1, 1))
	_, err = cmdline.Parse("echo {..}")
	fmt.Println(err)
	// Output:
	// convert 'photos/a b.jpg' 'a b'.png
	// echo y-x z #7
	// gzip -9 'it'"'"'s.log'
	// replacement string {..} is not supported: it is one of --plus's: give --plus (without it, GNU parallel leaves it as text)
}

// -q: each word of the command is quoted whole, the input with it.
func ExampleParseQuoted() {
	t, err := cmdline.ParseQuoted([]string{"perl", "-e", `print "@ARGV\n"`, "{}.txt"}, cmdline.Syntax{})
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Expand([]string{"a b"}, 1, 1))
	// Output:
	// perl -e 'print "@ARGV\n"' 'a b.txt'
}

// --header: the names of the columns become their positions.
func ExampleNameColumn() {
	words, err := cmdline.NameColumn([]string{"echo", "{size}", "{=size $_*=2 =}"}, "size", 2, "")
	if err != nil {
		panic(err)
	}
	fmt.Println(words)
	// Output:
	// [echo {2} {=2 $_*=2 =}]
}

func ExampleTemplate_Context() {
	t := cmdline.MustParse("echo pre-{}-post {1}")
	args := []string{"A", "B"}
	fmt.Println(t.Expand(args, 1, 1))           // -m: {} is all the inputs
	fmt.Println(t.Context().Expand(args, 1, 1)) // -X, -N: the word is repeated
	// Output:
	// echo pre-A B-post A
	// echo pre-A-post pre-B-post A
}

func ExampleSizer() {
	t := cmdline.MustParse("echo pre-{}-post").Context()
	s := t.Sizer(4)
	s.Reset(1)
	s.Add("A", "B")
	fmt.Println(s.Len(), len(t.Expand([]string{"A", "B"}, 1, 1)))
	// Output:
	// 26 26
}
