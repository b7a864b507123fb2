//go:build !linux

package rawpoll

import (
	"errors"
	"time"
)

func ready_(uintptr, Events, time.Duration) (bool, error) {
	return false, errors.New("rawpoll: not on this system")
}
