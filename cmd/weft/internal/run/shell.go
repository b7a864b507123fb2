package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// posixShells are the shells a job may run in: they read weft's quoting
// ('...') and the line that holds a job until the reaper knows it.
var posixShells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true, "ksh93": true, "ash": true, "yash": true}

// JobShell is the shell the jobs of a run started here run in, chosen as
// GNU parallel chooses: $PARALLEL_SHELL; else the shell weft was started
// from (its parent process, when that is a shell); else $SHELL; else
// /bin/sh. So a bash function exported with export -f reaches the jobs of
// a run started from bash. A $PARALLEL_SHELL that is not a POSIX shell
// (fish, csh) is an error; a parent or $SHELL that is not one is passed
// over. getenv and parentExe are os.Getenv and the path of the parent's
// executable ("" when unknown).
func JobShell(getenv func(string) string, parentExe string) (string, error) {
	if s := getenv("PARALLEL_SHELL"); s != "" {
		if !posixShells[filepath.Base(s)] {
			return "", fmt.Errorf("PARALLEL_SHELL=%s is not a shell weft can run jobs in (use sh, bash, dash, zsh or ksh)", s)
		}
		return s, nil
	}
	for _, s := range []string{parentExe, getenv("SHELL")} {
		if s != "" && filepath.IsAbs(s) && posixShells[filepath.Base(s)] {
			return s, nil
		}
	}
	return "/bin/sh", nil
}

// parentExe is the executable of weft's parent process, if the system says.
func parentExe() string {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(exe, " (deleted)")
}
