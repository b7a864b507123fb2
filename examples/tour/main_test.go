package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestTour runs the tour and checks what each step printed.
func TestTour(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := run(context.Background())
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	io.Copy(&out, r)
	if runErr != nil {
		t.Fatalf("run: %v\n%s", runErr, out.String())
	}
	for _, want := range []string{
		"received: DO NOT COMMUNICATE BY SHARING MEMORY",
		"owned by one goroutine: 1000",
		"sum of squares 285; submitted 9, completed 9",
		"first error: gamma: connection refused",
		"chans: receive timed out",
		"5 permits at 20 per second, evenly spaced: 5, 200ms or more: true",
		"ordered parallel map: goroutines=10 channels=8 select=6 pools=5 pipelines=9",
		"in submission order: pool ok, group ok, actor ok, chans ok",
		"recovered panic: assignment to entry in nil map",
		"stack shows the culprit: true",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tour output lacks %q:\n%s", want, out.String())
		}
	}
}
