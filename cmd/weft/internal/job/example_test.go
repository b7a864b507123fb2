package job_test

import (
	"context"
	"fmt"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

func ExampleExecutor_Run() {
	x := job.NewExecutor(job.Config{Tries: 1, Grace: time.Second}, job.NewProcs(nil), nil, nil)
	res := x.Run(context.Background(), 1, []string{"world"}, "echo hello world; exit 3")
	defer res.Release()
	fmt.Printf("exit %d, ok %v, output %q\n", res.Exit, res.OK(), res.Stdout.Bytes())

	slow := job.NewExecutor(job.Config{Tries: 1, Timeout: 10 * time.Millisecond, Grace: time.Second}, job.NewProcs(nil), nil, nil)
	res = slow.Run(context.Background(), 2, nil, "sleep 10")
	defer res.Release()
	fmt.Printf("exit %d, signal %d\n", res.Exit, res.Signal)
	// Output:
	// exit 3, ok false, output "hello world\n"
	// exit -1, signal 15
}
