//go:build !(linux && (amd64 || arm64))

package job

import "errors"

// openUnnamed says that files without a name are not made here: jobs
// write their output to pipes.
func openUnnamed(string) (int, error) {
	return -1, errors.New("job: no unnamed files here")
}
