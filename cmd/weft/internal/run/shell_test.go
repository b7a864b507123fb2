package run

import "testing"

func TestJobShellIsGNUParallels(t *testing.T) {
	tests := []struct {
		env    map[string]string
		parent string
		want   string
		err    string
	}{
		{map[string]string{"PARALLEL_SHELL": "/bin/dash", "SHELL": "/bin/bash"}, "/usr/bin/zsh", "/bin/dash", ""},
		{map[string]string{"SHELL": "/bin/bash"}, "/usr/bin/zsh", "/usr/bin/zsh", ""},
		{map[string]string{"SHELL": "/bin/bash"}, "/usr/bin/make", "/bin/bash", ""},
		{map[string]string{"SHELL": "/usr/bin/fish"}, "", "/bin/sh", ""},
		{map[string]string{"SHELL": "bash"}, "/usr/bin/fish", "/bin/sh", ""},
		{nil, "", "/bin/sh", ""},
		{map[string]string{"PARALLEL_SHELL": "/usr/bin/fish"}, "", "", "PARALLEL_SHELL=/usr/bin/fish is not a shell weft can run jobs in (use sh, bash, dash, zsh or ksh)"},
	}
	for _, tt := range tests {
		got, err := JobShell(func(k string) string { return tt.env[k] }, tt.parent)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%v, parent %q: got %q, %v; want %q, %q", tt.env, tt.parent, got, err, tt.want, tt.err)
		}
	}
}
