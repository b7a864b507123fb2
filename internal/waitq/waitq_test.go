package waitq

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// woken reports which of ws hold a token, taking it.
func woken(ws ...*Waiter) []bool {
	got := make([]bool, len(ws))
	for i, w := range ws {
		select {
		case <-w.C:
			got[i] = true
		default:
		}
	}
	return got
}

func TestWakeTakesTheOldestFirst(t *testing.T) {
	var q Queue
	a, b, c := q.Push(false), q.Push(false), q.Push(true)
	// The line is c, a, b: c kept its turn at the front.
	q.Wake(2)
	if got := woken(a, b, c); got[0] != true || got[1] != false || got[2] != true {
		t.Errorf("woken (a, b, c) = %v; want [true false true]", got)
	}
	if q.Len() != 1 {
		t.Errorf("Len = %d; want 1", q.Len())
	}
	q.Wake(5)
	if got := woken(b); !got[0] {
		t.Error("b not woken by Wake(5)")
	}
	if q.Len() != 0 {
		t.Errorf("Len = %d; want 0", q.Len())
	}
}

func TestLeaveReportsAWakeUp(t *testing.T) {
	var q Queue
	a, b := q.Push(false), q.Push(false)
	if !q.Leave(b) {
		t.Error("Leave(b) before any wake-up = false; want true")
	}
	q.Wake(1)
	if q.Leave(a) {
		t.Error("Leave(a) after its wake-up = true; want false")
	}
	if got := woken(a, b); !got[0] || got[1] {
		t.Errorf("woken (a, b) = %v; want [true false]", got)
	}
}

func TestWaitersAreReused(t *testing.T) {
	var q Queue
	a := q.Push(false)
	q.Wake(1)
	<-a.C
	q.Done(a)
	b := q.Push(false)
	if b != a {
		t.Error("Push after Done made a new waiter; want the one given back")
	}
	q.Leave(b)
	q.Done(b)
	if n := testing.AllocsPerRun(100, func() {
		w := q.Push(false)
		q.Wake(1)
		<-w.C
		q.Done(w)
	}); n != 0 {
		t.Errorf("a wait allocates %v times; want 0", n)
	}
}
