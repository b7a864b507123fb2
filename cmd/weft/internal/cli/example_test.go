package cli_test

import (
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

// greet is a command with one option, declared once for parsing, help,
// completion and the man page.
func greet() *cli.Command {
	return &cli.Command{
		Name:    "greet",
		Summary: "greet someone",
		Doc:     "greet prints a greeting.",
		Bind: func() cli.Bound {
			times := 1
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{{
					Names: []string{"-n", "--times"}, Arg: cli.Required, Value: "N",
					Help: "greet N times", Example: "greet -n 2 world", Set: cli.Int(&times, 1),
				}}}},
				Run: func(operands []string, env cli.Env) int {
					for range times {
						fmt.Fprintln(env.Stdout, "hello", operands)
					}
					return 0
				},
			}
		},
	}
}

func ExampleMain() {
	env := cli.Env{Stdout: os.Stdout, Stderr: os.Stdout}
	cli.Main(greet(), []string{"-n2", "world"}, env)
	status := cli.Main(greet(), []string{"--times", "0", "world"}, env)
	fmt.Println("status", status)
	status = cli.Main(greet(), []string{"-times", "2"}, env)
	fmt.Println("status", status)
	// Output:
	// hello [world]
	// hello [world]
	// greet: bad value for --times: 0 (want a whole number >= 1)
	// status 255
	// greet: unknown option "-times" (use --times)
	// status 255
}

func ExampleWriteHelp() {
	cli.WriteHelp(os.Stdout, []*cli.Command{greet()})
	// Output:
	// greet prints a greeting.
	//
	// Usage:
	//   greet [-n N]
	//
	// Options:
	//   -n, --times N        greet N times
	//                          greet -n 2 world
	//
	// Help:
	//   -h, --help           print this help and exit
	//                          greet --help
}
