package input_test

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

func ExampleInputs_Jobs() {
	_, sources, _ := input.SplitOperands([]string{"echo", ":::", "a", "b", ":::", "1", "2"}, input.ArgSep, input.ArgFileSep)
	in, err := input.Open(input.Config{Sources: sources, Sep: "\n"}, strings.NewReader(""))
	if err != nil {
		panic(err)
	}
	defer in.Close()
	for j, err := range in.Jobs() {
		if err != nil {
			panic(err)
		}
		fmt.Println(j.Seq, j.Args)
	}
	// Output:
	// 1 [a 1]
	// 2 [a 2]
	// 3 [b 1]
	// 4 [b 2]
}

func ExampleRecords() {
	for rec, err := range input.Records(strings.NewReader("x\x00y z\x00"), "\x00") {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q\n", rec)
	}
	// Output:
	// "x"
	// "y z"
}

// A header names the columns: --header : with stdin cut at commas.
func ExampleInputs_Headers() {
	c := input.Config{Sep: "\n", Colsep: regexp.MustCompile(","), Header: true}
	in, err := input.Open(c, strings.NewReader("name,size\na,1\nb,2\n"))
	if err != nil {
		panic(err)
	}
	defer in.Close()
	cols, err := in.Headers()
	if err != nil {
		panic(err)
	}
	fmt.Println(cols)
	for j, err := range in.Jobs() {
		if err != nil {
			panic(err)
		}
		fmt.Println(j.Seq, j.Args, j.Names)
	}
	// Output:
	// [{name 1} {size 2}]
	// 1 [a 1] [name size]
	// 2 [b 2] [name size]
}

func ExampleInputs_Grouped() {
	in, err := input.Open(input.Config{Sep: "\n"}, strings.NewReader("A\nB\nC\nD\nE\nF\nG\n"))
	if err != nil {
		panic(err)
	}
	defer in.Close()
	// -N3: three records per job, the last job the rest.
	for j, err := range in.Grouped(input.Grouping{Max: 3}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(j.Seq, j.Args)
	}
	// Output:
	// 1 [A B C]
	// 2 [D E F]
	// 3 [G]
}
