package main

// jobEnvCompatCases: the variables GNU parallel gives each job, which
// weft gives too: $PARALLEL_SEQ (the job's number, {#}), $PARALLEL_JOBSLOT
// (its slot, {%}) and $PARALLEL_PID (the runner's process ID, the job
// shell's parent). A value of these names in the caller's environment does
// not reach the jobs. With -j1 the slot is always 1.
func jobEnvCompatCases() []compatCase {
	return []compatCase{
		{args: []string{"-j1", "-k", "echo $PARALLEL_SEQ $PARALLEL_JOBSLOT {}", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-j1", "-k", `[ "$PARALLEL_PID" = "$PPID" ] && echo parent {}`, ":::", "a", "b"}, ordered: true},
		{args: []string{"-j3", `echo "$PARALLEL_SEQ"`, ":::", "a", "b", "c", "d"}, env: []string{"PARALLEL_SEQ=77", "PARALLEL_JOBSLOT=9"}},
		{args: []string{"-j1", "-k", "--pipe", "-N1", `echo "$PARALLEL_SEQ $PARALLEL_JOBSLOT"; cat`}, stdin: "x\ny\n", ordered: true},
		// printenv is no builtin: weft starts it without its shell.
		{args: []string{"-j1", "-k", "printenv", ":::", "PARALLEL_SEQ", "PARALLEL_JOBSLOT"}, ordered: true},
	}
}
