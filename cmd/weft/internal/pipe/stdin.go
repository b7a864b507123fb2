package pipe

import (
	"fmt"
	"os"
)

// JobPipeSize is the capacity JobStdin asks for: 1 MiB, so that weft and a
// job trade data in large pieces (Linux's default is 64 KiB). Linux grants
// at most /proc/sys/fs/pipe-max-size.
const JobPipeSize = 1 << 20

// JobStdin returns a pipe for a job's standard input: r is for the job
// (exec.Cmd.Stdin, closed in weft once the job has started), w for
// Block.WriteTo, closed when the block is written. On Linux its capacity
// is raised toward JobPipeSize when the system allows; that is best effort
// and never an error.
func JobStdin() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("pipe: a job's standard input: %w", err)
	}
	setPipeSize(w, JobPipeSize)
	return r, w, nil
}
