package cmdline_test

import (
	"fmt"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
)

func ExampleParse() {
	t := cmdline.Parse("convert {} {/.}.png")
	fmt.Println(t.Expand([]string{"photos/a b.jpg"}, 1, 1))
	fmt.Println(cmdline.Parse("echo {2}-{1} #{#}").Expand([]string{"x", "y"}, 7, 1))
	fmt.Println(cmdline.Parse("gzip -9").Expand([]string{"it's.log"}, 1, 1))
	// Output:
	// convert 'photos/a b.jpg' 'a b'.png
	// echo y-x #7
	// gzip -9 'it'"'"'s.log'
}
