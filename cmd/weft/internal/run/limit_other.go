//go:build !unix

package run

import "math"

// stackLimit is unknown here: the other limits decide.
func stackLimit() int64 { return math.MaxInt64 / 2 }
