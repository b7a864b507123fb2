package job

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
)

// A command line that is one program and plain words ("wc -l", "gzip -9")
// is run without its shell when the shell is dash (what /bin/sh is on
// Debian), and the job is what dash would have made of it: the program
// found in $PATH, the same arguments, the same environment with PWD set as
// dash sets it, and a death by a signal reported as dash reports it (exit
// status 128+n, and the signal's name on stderr). Anything else goes to
// the shell: another shell (bash sets SHLVL and $_, imports functions), a
// word the shell would expand or split differently, a builtin or keyword,
// a program that is not found, not an executable file or script, or that
// gains privileges (setuid, setgid, file capabilities), a --timeout.
//
// With a reaper, the job must not run before the reaper knows its group
// (the shell waits at the gate line for that). Without a shell, the
// program is started traced (ptrace), so that it stops at its first
// instruction; weft registers its group, then lets it go. Where tracing is
// refused (weft itself traced, a seccomp policy) the job goes to the shell
// after all, as do all the jobs after it.

// direct runs simple command lines without their shell.
type direct struct {
	env  []string // weft's environment, with PWD as dash would export it
	path string   // $PATH, as dash would search it
	// off is set when starting a program traced was refused: the shell
	// runs every job from then on.
	off atomic.Bool
}

// newDirect returns how to run simple command lines without shell, or nil
// when jobs must go to their shell: shell is not dash, or this is not a
// system where a program can be started stopped.
func newDirect(shell string) *direct {
	if !canTrace {
		return nil // the signal names and the tracing below are Linux's
	}
	real, err := filepath.EvalSymlinks(shell)
	if err != nil || filepath.Base(real) != "dash" {
		return nil
	}
	path, ok := os.LookupEnv("PATH")
	if !ok || path == "" || strings.Contains(path, "%") {
		return nil // dash's default path, or its %func entries: leave them to dash
	}
	return &direct{env: dashEnv(os.Environ()), path: path}
}

// dashEnv is env as dash passes it on: only the variables whose names
// are names (not bash's exported functions, BASH_FUNC_f%%), and PWD
// exported, kept when it names the working directory by an absolute path,
// else the directory's physical path. (dash orders the variables its own
// way; the set is the same.)
func dashEnv(env []string) []string {
	pwd := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PWD="); ok {
			pwd = v
		}
	}
	if !samePlace(pwd, ".") {
		wd, err := syscall.Getwd()
		if err != nil {
			return env
		}
		pwd = wd
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if ok && isName(name) && name != "PWD" {
			out = append(out, kv)
		}
	}
	return append(out, "PWD="+pwd)
}

// isName reports whether s is a shell variable name.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// samePlace reports whether a is an absolute path to the same file as b.
func samePlace(a, b string) bool {
	if !filepath.IsAbs(a) {
		return false
	}
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// command returns the program and arguments of a simple command line, or
// ok false when the line is for the shell.
func (d *direct) command(cmdline string) (prog string, argv []string, ok bool) {
	if d == nil || d.off.Load() {
		return "", nil, false
	}
	argv, ok = simpleWords(cmdline)
	if !ok || shellWords[argv[0]] {
		return "", nil, false
	}
	if _, fn := os.LookupEnv("BASH_FUNC_" + argv[0] + "%%"); fn {
		return "", nil, false // an exported function: not for dash, but not a program either
	}
	prog, ok = d.lookPath(argv[0])
	return prog, argv, ok
}

// lookPath finds name as dash would, and says whether exec'ing it directly
// does what dash's exec would: an absolute path (or relative to the working
// directory when name has a slash), to an ELF executable or a #! script
// that gains no privileges.
func (d *direct) lookPath(name string) (string, bool) {
	var prog string
	if strings.Contains(name, "/") {
		prog = name
	} else {
		for _, dir := range filepath.SplitList(d.path) {
			if !filepath.IsAbs(dir) {
				return "", false // searched relative to the working directory: dash's business
			}
			p := filepath.Join(dir, name)
			if executable(p) {
				prog = p
				break
			}
		}
		if prog == "" {
			return "", false // dash says "not found"
		}
	}
	if !executable(prog) || privileged(prog) {
		return "", false
	}
	f, err := os.Open(prog)
	if err != nil {
		return "", false
	}
	defer f.Close()
	var magic [4]byte
	if n, _ := f.Read(magic[:]); n < 2 || !(bytes.Equal(magic[:n], []byte("\x7fELF")) || bytes.HasPrefix(magic[:n], []byte("#!"))) {
		return "", false // dash runs a file of commands itself
	}
	return prog, true
}

// executable reports whether p is a regular file this process may
// execute.
func executable(p string) bool {
	var st syscall.Stat_t
	if syscall.Stat(p, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return false
	}
	return syscall.Access(p, 1) == nil // X_OK
}

// privileged reports whether executing p may change the process's
// privileges: a traced program would lose them.
func privileged(p string) bool {
	var st syscall.Stat_t
	if syscall.Stat(p, &st) != nil || st.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 {
		return true
	}
	return hasFileCaps(p)
}

// simpleWords splits a command line made of words of plain characters
// separated by spaces, which every POSIX shell reads the same way: no
// quote, escape, expansion, glob, redirection, separator, comment or
// assignment. ok is false for anything else.
func simpleWords(cmdline string) (words []string, ok bool) {
	for _, w := range strings.Split(cmdline, " ") {
		if w == "" {
			continue
		}
		for i := 0; i < len(w); i++ {
			if !plain[w[i]] {
				return nil, false
			}
		}
		words = append(words, w)
	}
	if len(words) == 0 || strings.Contains(words[0], "=") {
		return nil, false
	}
	return words, true
}

// plain are the bytes a word of a simple command may hold.
var plain = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "_-./,:+@%=" {
		t[c] = true
	}
	return t
}()

// shellWords are the builtins and reserved words of dash (and of bash, to
// be safe): as a command's first word, the shell runs its own.
var shellWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`. : [ [[ ]] ! { } alias bg bind break builtin caller case cd chdir
		command compgen complete compopt continue coproc declare dirs disown do done echo elif else
		enable esac eval exec exit export false fc fg fi for function getopts hash help history if in
		jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return select
		set shift shopt source suspend test then time times trap true type typeset ulimit umask unalias
		unset until wait while`) {
		m[w] = true
	}
	return m
}()

// dashStatus is how dash reports its command's end: the exit status, 128+n
// after a signal n, and the message it writes to stderr then (none for
// SIGINT and SIGPIPE).
func dashStatus(ws syscall.WaitStatus) (exit int, msg string) {
	if !ws.Signaled() {
		return ws.ExitStatus(), ""
	}
	sig := ws.Signal()
	exit = 128 + int(sig)
	if sig == syscall.SIGINT || sig == syscall.SIGPIPE {
		return exit, ""
	}
	msg = signalNames[sig]
	if msg == "" {
		msg = fmt.Sprintf("Unknown signal %d", int(sig))
		if sig >= 34 && sig <= 64 {
			msg = fmt.Sprintf("Real-time signal %d", int(sig)-34)
		}
	}
	if ws.CoreDump() {
		msg += " (core dumped)"
	}
	return exit, msg + "\n"
}

// signalNames are the C library's descriptions of the signals (strsignal),
// which dash prints.
var signalNames = map[syscall.Signal]string{
	1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction", 5: "Trace/breakpoint trap",
	6: "Aborted", 7: "Bus error", 8: "Floating point exception", 9: "Killed",
	10: "User defined signal 1", 11: "Segmentation fault", 12: "User defined signal 2",
	13: "Broken pipe", 14: "Alarm clock", 15: "Terminated", 16: "Stack fault", 17: "Child exited",
	18: "Continued", 19: "Stopped (signal)", 20: "Stopped", 21: "Stopped (tty input)",
	22: "Stopped (tty output)", 23: "Urgent I/O condition", 24: "CPU time limit exceeded",
	25: "File size limit exceeded", 26: "Virtual timer expired", 27: "Profiling timer expired",
	28: "Window changed", 29: "I/O possible", 30: "Power failure", 31: "Bad system call",
}

// directCmd is the exec.Cmd of a program run without its shell, as job r.
func (d *direct) directCmd(prog string, argv []string, r *Result) *exec.Cmd {
	return &exec.Cmd{Path: prog, Args: argv, Env: jobEnv(d.env, r)}
}
