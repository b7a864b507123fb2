package cpus_test

import (
	"fmt"

	"github.com/weft-dev/weft/cmd/weft/internal/cpus"
)

func ExampleCount() {
	// A machine whose lscpu says: 8 threads, 2 per core, on one socket.
	src := cpus.Source{
		Lscpu: func() (string, error) {
			return "CPU(s): 8\nThread(s) per core: 2\nCore(s) per socket: 4\nSocket(s): 1\n", nil
		},
		ReadFile: func(string) ([]byte, error) { return nil, fmt.Errorf("no such file") },
	}
	n, err := cpus.Count(src)
	fmt.Println(n.Sockets, n.Cores, n.Threads, err)
	// Output: 1 4 8 <nil>
}
