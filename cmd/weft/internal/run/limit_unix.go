//go:build unix

package run

import (
	"math"
	"syscall"
)

// stackLimit is the soft limit on the stack's size, which sets ARG_MAX.
func stackLimit() int64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &l); err != nil || l.Cur > math.MaxInt64/2 {
		return math.MaxInt64 / 2 // unlimited, or unknown: the other limits decide
	}
	return int64(l.Cur)
}
