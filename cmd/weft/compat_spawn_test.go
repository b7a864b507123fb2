package main

// spawnCompatCases: how a job's output is taken. Grouped output goes to
// files, as GNU parallel's does, so a job that reopens its stdout with
// truncation loses what it wrote before, in both; output larger than a
// pipe holds, stdout and stderr apart, and the joblog's byte counts agree.
func spawnCompatCases() []compatCase {
	return []compatCase{
		{args: []string{"-k", "echo a; echo b > /dev/stdout; echo spawn", ":::", "1", "2"}, ordered: true},
		{args: []string{"-k", "head -c 200000 /dev/zero | tr '\\0' x; echo spawn", ":::", "1", "2"}, ordered: true},
		{args: []string{"-k", "echo out {}; echo err {} >&2; exit {}", ":::", "0", "1", "2"}, ordered: true, stderr: true},
		{args: []string{"-k", "--joblog", "log", "head -c {} /dev/zero | tr '\\0' y; echo", ":::", "0", "70000", "1500000"}, ordered: true, joblog: true},
	}
}
