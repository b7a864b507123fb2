package main

import (
	"os"
	"os/exec"
)

// goCmd is the go command with args, run in dir with the environment env.
func goCmd(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stderr = os.Stderr
	return cmd
}
