package job

import "os"

// Stdin gives a job its standard input, afresh for each try: it returns
// the file the job reads (the executor closes it once the job has
// started) and, unless the caller writes the other end itself, a function
// that writes the input and closes the other end. The executor runs write
// in a goroutine of its own while the job runs, and waits for it before
// the try ends; write must return once the job has exited (a pipe's
// writes then fail with EPIPE), and reports its own errors. A nil Stdin
// gives the job /dev/null.
type Stdin func() (r *os.File, write func(), err error)
