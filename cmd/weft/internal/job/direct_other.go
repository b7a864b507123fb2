//go:build !(linux && (amd64 || arm64))

package job

import (
	"errors"
	"os/exec"
)

// canTrace says that programs cannot be started stopped here: every job
// goes to its shell.
const canTrace = false

func hasFileCaps(string) bool { return true }

func startTraced(*exec.Cmd, func(int) bool) error {
	return errors.New("job: starting a program stopped is not supported here")
}
