package joblog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
)

func Example() {
	path := filepath.Join(os.TempDir(), "weft-joblog-example.tsv")
	defer os.Remove(path)
	w, err := joblog.Create(path, false)
	if err != nil {
		panic(err)
	}
	w.Write(joblog.Entry{Seq: 1, Start: time.UnixMilli(1700000000000), Runtime: 2 * time.Second, Command: "make a"})
	w.Write(joblog.Entry{Seq: 2, Start: time.UnixMilli(1700000000500), Exit: 2, Command: "make b"})
	w.Close()

	data, _ := os.ReadFile(path)
	fmt.Print(string(data))
	done, _ := joblog.Read(path)
	fmt.Println("job 2 exited with", done[2].Exit)
	// Output:
	// Seq	Host	Starttime	JobRuntime	Send	Receive	Exitval	Signal	Command
	// 1	:	1700000000.000	     2.000	0	0	0	0	make a
	// 2	:	1700000000.500	     0.000	0	0	2	0	make b
	// job 2 exited with 2
}
