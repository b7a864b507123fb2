package waitq_test

import (
	"fmt"
	"sync"

	"github.com/weft-dev/weft/internal/waitq"
)

// A sender that finds no room waits in line on its own channel; whoever
// makes room wakes as many as there is room for, under the same lock.
func Example() {
	var (
		mu   sync.Mutex
		line waitq.Queue
		room int
	)
	in := make(chan struct{})
	mu.Lock()
	w := line.Push(false) // no room: wait in line
	mu.Unlock()
	go func() {
		<-w.C
		mu.Lock()
		room--
		line.Done(w)
		mu.Unlock()
		close(in)
	}()

	mu.Lock()
	room++
	line.Wake(room)
	mu.Unlock()
	<-in
	fmt.Println("in; still waiting:", line.Len(), "room left:", room)
	// Output:
	// in; still waiting: 0 room left: 0
}
