package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/weft-dev/weft/fleet"
)

// serve is weft serve: an embedded NATS server with JetStream, for teams
// without a NATS installation. It prints the URL to give to --nats, and
// runs until SIGINT or SIGTERM.
func serve(args []string, stdout, stderr io.Writer, signals bool) int {
	fs := flag.NewFlagSet("weft serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", "weft-store", "the directory where jobs and results are kept")
	listen := fs.String("listen", "127.0.0.1:4222", "the address to listen on (port 0: any free port)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "weft: weft serve: %v\n", err)
		return 255
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "weft: weft serve takes no arguments, got %q\n", fs.Args())
		return 255
	}
	host, portText, err := net.SplitHostPort(*listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		fmt.Fprintf(stderr, "weft: bad value for --listen: %q (want host:port, such as 127.0.0.1:4222)\n", *listen)
		return 255
	}
	if err := os.MkdirAll(*store, 0o755); err != nil {
		fmt.Fprintf(stderr, "weft: bad value for --store: %v\n", err)
		return 255
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: *store, Host: host, Port: port})
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer srv.Shutdown()
	fmt.Fprintln(stdout, srv.URL())
	fmt.Fprintf(stderr, "weft: serving JetStream at %s, store %s; submit with weft --nats %s, run workers with weft worker --nats %s\n",
		srv.URL(), *store, srv.URL(), srv.URL())
	if !signals {
		return 0
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(ch)
	<-ch
	fmt.Fprintln(stderr, "weft: server stopping")
	return 0
}
