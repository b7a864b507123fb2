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
	// replacement string {..} is not supported: it is one of --plus's, which weft does not have yet (use {} {.} {/} {//} {/.} and the shell's ${x%.*})
}
