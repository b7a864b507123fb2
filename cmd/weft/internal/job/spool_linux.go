//go:build linux && (amd64 || arm64)

package job

import "syscall"

// oTmpfile is O_TMPFILE on these systems (with O_DIRECTORY).
const oTmpfile = 0x410000

// openUnnamed opens a new file without a name in dir, for reading and
// writing.
func openUnnamed(dir string) (int, error) {
	for {
		fd, err := syscall.Open(dir, oTmpfile|syscall.O_RDWR|syscall.O_CLOEXEC, 0o600)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
