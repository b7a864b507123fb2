package rate

import (
	"strings"
	"testing"
)

// TestSystemClockIsMonotonic pins why wall-clock steps change nothing: the
// default clock's origin carries a monotonic reading, so time.Since on it
// reads only the monotonic clock (go.uber.org/ratelimit, which uses wall
// time, sleeps an hour after the wall clock steps back an hour).
func TestSystemClockIsMonotonic(t *testing.T) {
	c := newSystemClock()
	if !strings.Contains(c.origin.String(), "m=") {
		t.Errorf("origin %v has no monotonic reading", c.origin)
	}
	if a, b := c.Now(), c.Now(); b < a {
		t.Errorf("clock went back from %v to %v", a, b)
	}
}
