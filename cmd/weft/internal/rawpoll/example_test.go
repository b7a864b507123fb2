package rawpoll_test

import (
	"fmt"
	"os"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/rawpoll"
)

// Wait a moment for something to read, then for room to write.
func Example() {
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	ok, _ := rawpoll.Ready(r.Fd(), rawpoll.In, time.Millisecond)
	fmt.Println("something to read:", ok)
	w.Write([]byte("x"))
	ok, _ = rawpoll.Ready(r.Fd(), rawpoll.In, time.Millisecond)
	fmt.Println("something to read:", ok)
	ok, _ = rawpoll.Ready(w.Fd(), rawpoll.Out, 0)
	fmt.Println("room to write:", ok)
	// Output:
	// something to read: false
	// something to read: true
	// room to write: true
}
