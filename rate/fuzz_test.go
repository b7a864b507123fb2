package rate_test

import (
	"testing"
	"time"

	"github.com/weft-dev/weft/rate"
)

// FuzzLimiter drives a limiter with random operations (Allow, AllowN,
// Reserve with and without Cancel) at random times, each call reading a clock
// up to 199ms staler than the newest reading, so readings go back and forth
// as with callers that read the clock and then race. It checks the defining
// property over every run of consecutive admissions: with T the span from
// the first one's reading to the last one's (0 if the last read an older
// time), at most r*T + burst events.
func FuzzLimiter(f *testing.F) {
	f.Add([]byte{9, 3, 0, 10, 0, 0, 10, 50, 1, 0, 120, 2, 5, 9, 3, 200, 100, 0, 0, 0})
	f.Add([]byte{49, 7, 1, 0, 0, 5, 0, 0, 2, 1, 199, 6, 255, 0, 3, 0, 0, 0, 1, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := bytes(data)
		perSecond := b.next()%50 + 1
		burst := b.next()%64 + 1 // from 16 up, the limiter takes leases
		var c staleClock
		l, err := rate.NewLimiter(rate.PerSecond(float64(perSecond)), burst, rate.WithClock(&c))
		if err != nil {
			t.Fatal(err)
		}
		type admission struct {
			at time.Duration
			n  int
		}
		var (
			log   []admission
			truth time.Duration
		)
		for len(b) > 0 {
			op := b.next()
			truth += time.Duration(b.next()) * time.Millisecond
			c.set(truth, time.Duration(b.next()%200)*time.Millisecond)
			at := c.Now()
			n := op/4%4 + 1
			switch op % 4 {
			case 0:
				if l.Allow() {
					log = append(log, admission{at, 1})
				}
			case 1:
				if l.AllowN(n) {
					log = append(log, admission{at, n})
				}
			case 2:
				r := l.ReserveN(n)
				if r.OK() && r.Delay() == 0 {
					log = append(log, admission{at, n})
				} else {
					r.Cancel()
				}
			case 3:
				l.ReserveN(n).Cancel()
			}
		}
		for i := range log {
			sum := 0
			for j := i; j < len(log); j++ {
				sum += log[j].n
				span := max(log[j].at-log[i].at, 0)
				if limit := float64(perSecond)*span.Seconds() + float64(burst); float64(sum) > limit+1e-9 {
					t.Fatalf("%d events in %v at %d/s with burst %d; want <= %.2f", sum, span, perSecond, burst, limit)
				}
			}
		}
	})
}

// bytes hands out the fuzzer's input one byte at a time, then zeros.
type bytes []byte

func (b *bytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v)
}
