// Command modproxy proves that weft installs the Go way, from a module
// proxy, before anything is published; and it keeps the modules' mutual
// requirements in step for a release. Run it from the repository's root:
//
//	go run ./tools/modproxy check          # what CI runs
//	go run ./tools/modproxy write DIR      # a proxy to try by hand
//	go run ./tools/modproxy tidy           # go mod tidy in every module
//	go run ./tools/modproxy go DIR ARGS... # go get, say, in one module
//	go run ./tools/modproxy bump VERSION   # require the next release
//
// check writes the working tree's modules into a proxy directory at the
// version their go.mod files require of each other, installs
// github.com/weft-dev/weft/cmd/weft@VERSION from it in an empty directory
// (third-party modules still come from the configured proxy, verified
// against the checksum database), then runs the installed binary on the
// README's example and with --version. RELEASING.md says more.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: go run ./tools/modproxy COMMAND (from the repository's root)
  check          install the weft command from a local proxy of the working tree and run it
  write DIR      write that proxy into DIR and print the go install line that uses it
  tidy           go mod tidy in every module, the unpublished versions served by that proxy
  go DIR ARGS... go ARGS in the module directory DIR, the same way (go get ..., say)
  bump VERSION   make the modules require each other (and go.work replace) at VERSION
`

// target is the package that check installs.
const target = "github.com/weft-dev/weft/cmd/weft"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; {
	case cmd == "check" && len(args) == 0:
		err = check(".")
	case cmd == "write" && len(args) == 1:
		err = writeProxy(".", args[0])
	case cmd == "tidy" && len(args) == 0:
		err = tidy(".")
	case cmd == "go" && len(args) >= 2:
		err = goInModules(".", args[:1], args[1:]...)
	case cmd == "bump" && len(args) == 1:
		err = bump(".", args[0])
	case cmd == "-h" || cmd == "--help" || cmd == "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "modproxy: unknown command or wrong number of arguments: %q\n%s", os.Args[1:], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "modproxy %s: FAILED:\n%v\n", os.Args[1], err)
		os.Exit(1)
	}
}
