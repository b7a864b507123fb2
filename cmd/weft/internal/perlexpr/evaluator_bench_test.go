package perlexpr_test

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// BenchmarkEval measures one job's evaluation of {= s:\.[^.]+$:: =} (one
// op = one job), from 1 and from 4 goroutines, against its bounds in the
// same run: the same trim written in Go (native); the floor of any helper
// process, a bare round trip of 4 bytes through a perl that echoes them,
// under a mutex (roundtrip); and starting perl -e for each job, as an
// evaluator without a long-lived perl would (perl-e). perlexpr-ctx passes a
// cancellable context, as the runner does.
func BenchmarkEval(b *testing.B) {
	const input = "dir/archive.tar.gz"
	for _, g := range []int{1, 4} {
		b.Run(fmt.Sprintf("g=%d/impl=native", g), func(b *testing.B) {
			parallel(b, g, func() (string, error) { return trimExt(input), nil })
		})
		for _, impl := range []string{"perlexpr", "perlexpr-ctx"} {
			b.Run(fmt.Sprintf("g=%d/impl=%s", g, impl), func(b *testing.B) {
				ev, err := perlexpr.Start(context.Background(), []perlexpr.Expr{{Code: `s:\.[^.]+$::`, Text: `{= s:\.[^.]+$:: =}`}})
				if err != nil {
					b.Fatal(err)
				}
				defer ev.Close()
				ctx := context.Background()
				if impl == "perlexpr-ctx" {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
				}
				calls := []perlexpr.Call{{Expr: 0, Arg: 0}}
				args := []string{input}
				parallel(b, g, func() (string, error) {
					r, err := ev.Eval(ctx, perlexpr.Job{Args: args, Seq: 1, Slot: 1}, calls)
					if err != nil {
						return "", err
					}
					return r.Values[0].Text, nil
				})
			})
		}
		b.Run(fmt.Sprintf("g=%d/impl=roundtrip", g), func(b *testing.B) {
			benchRoundTrip(b, g)
		})
		b.Run(fmt.Sprintf("g=%d/impl=perl-e", g), func(b *testing.B) {
			parallel(b, g, func() (string, error) {
				out, err := exec.Command("perl", "-e", `$_ = shift; s:\.[^.]+$::; print`, input).Output()
				return string(out), err
			})
		})
	}
}

// benchRoundTrip sends 4 bytes to a perl that echoes them and reads them
// back, one exchange at a time.
func benchRoundTrip(b *testing.B, g int) {
	cmd := exec.Command("perl", "-e", `$| = 1; binmode STDIN; while (read(STDIN, my $b, 4) == 4) { print $b }`)
	w, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer w.Close()
	var mu sync.Mutex
	buf := make([]byte, 4)
	parallel(b, g, func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := w.Write([]byte("dir/")); err != nil {
			return "", err
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return "dir/archive.tar", nil
	})
}

// trimExt is the Go equivalent of s:\.[^.]+$:: on a line without a
// trailing newline: drop the last dot and what follows, if anything does.
func trimExt(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 && i < len(s)-1 {
		return s[:i]
	}
	return s
}

// parallel runs b.N calls of f split over g goroutines and checks every
// result.
func parallel(b *testing.B, g int, f func() (string, error)) {
	const want = "dir/archive.tar"
	b.ReportAllocs()
	var wg sync.WaitGroup
	errs := make(chan error, g)
	b.ResetTimer()
	for i := range g {
		n := b.N / g
		if i < b.N%g {
			n++
		}
		wg.Go(func() {
			for range n {
				got, err := f()
				if err == nil && got != want {
					err = fmt.Errorf("got %q; want %q", got, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
