package run

import (
	"os"
	"syscall"
)

// The longest command line weft builds. A job runs as $SHELL -c LINE, so
// LINE is one argument of exec: on Linux at most MAX_ARG_STRLEN bytes (32
// pages) with its NUL, and the arguments and the environment together at
// most ARG_MAX (a quarter of the stack's limit, at least 32 pages, at most
// 6 MiB). Like GNU parallel, weft then keeps well below it: half, less
// 3000 bytes for what wraps the line.

// MaxLineLength is the longest command line exec takes here, as GNU
// parallel's --max-line-length-allowed reports it: GNU parallel searches
// for it by running longer and longer lines, and stops within 1%; weft
// computes the limit, then narrows it down in the same steps, so that it
// reports the same number without running anything.
func MaxLineLength() int {
	return gnuSearch(execLimit(os.Environ()))
}

// UsableLineLength is the longest command line weft builds, GNU parallel's
// as well: (MaxLineLength - 3000) / 2.
func UsableLineLength() int {
	return (MaxLineLength() - 3000) / 2
}

// execLimit is the longest argument exec takes in an environment env.
func execLimit(env []string) int {
	page := syscall.Getpagesize()
	argStrlen := 32 * page
	argMax := min(max(stackLimit()/4, int64(argStrlen)), 6<<20)
	used := int64(0)
	for _, e := range env {
		used += int64(len(e)) + 1 + 8 // the string, its NUL, its pointer
	}
	used += 3 * 8 // argv's pointers and the NULLs
	return int(min(int64(argStrlen-1), argMax-used))
}

// gnuSearch is the length GNU parallel's search finds when lines up to
// limit run: from 324, 16 times longer until one fails, then halving the
// interval until its ends are 1 apart or within 1%, keeping the longest
// length that ran.
func gnuSearch(limit int) int {
	const upper = 100_000_000
	n := 324
	for {
		if n > upper {
			return n
		}
		n *= 16
		if n > limit {
			break
		}
	}
	lo, hi := n/16, n
	for lo != hi && lo != hi-1 && float64(lo)/float64(hi) <= 0.99 {
		mid := lo + (hi-lo)/2
		if mid <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
