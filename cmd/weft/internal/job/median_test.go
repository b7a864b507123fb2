package job

import (
	"testing"
	"time"
)

func TestMedianIsTheLowerMiddleOfTheLatest(t *testing.T) {
	var m median
	if _, ok := m.get(); ok {
		t.Fatal("an empty median says it has a value")
	}
	for i, tt := range []struct{ add, want time.Duration }{
		{3, 3}, {1, 1}, {2, 2}, {10, 2}, {9, 3},
	} {
		m.add(tt.add)
		if got, ok := m.get(); !ok || got != tt.want {
			t.Errorf("after %d adds: got %v, %v; want %v", i+1, got, ok, tt.want)
		}
	}
	// Past the window, the oldest run times leave it.
	for range medianWindow {
		m.add(100)
	}
	if got, _ := m.get(); got != 100 {
		t.Errorf("after a window of 100s: got %v; want 100", got)
	}
}
