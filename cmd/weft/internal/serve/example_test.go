package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/serve"
)

// weft serve prints the URL to give to the submitters and the workers.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "weft-serve-example-")
	defer os.RemoveAll(dir)
	pr, pw := io.Pipe()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- serve.Run(ctx, &serve.Config{Store: dir, Host: "127.0.0.1", Port: 0}, cli.Env{Stdout: pw, Stderr: io.Discard})
		pw.Close()
	}()
	url, _ := bufio.NewReader(pr).ReadString('\n')
	fmt.Println(strings.HasPrefix(url, "tls://127.0.0.1:"))
	stop()
	go io.Copy(io.Discard, pr)
	fmt.Println("exit status", <-done)
	// Output:
	// true
	// exit status 0
}
