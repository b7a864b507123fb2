package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc1234def5678"},
		{Key: "vcs.time", Value: "2026-11-20T10:11:12Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	modified := append(vcs[:2:2], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	tests := []struct {
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"v0.3.0", vcs, "weft v0.3.0 (rev abc1234, 2026-11-20)"},
		{"v0.3.0", nil, "weft v0.3.0"},
		{"(devel)", modified, "weft (devel): a development build (rev abc1234, 2026-11-20, modified)"},
		{"(devel)", nil, "weft (devel): a development build (no revision recorded)"},
		{"", nil, "weft (devel): a development build (no revision recorded)"},
		{"v0.0.0-20261120101112-abc1234def56+dirty", modified, "weft v0.0.0-20261120101112-abc1234def56+dirty (rev abc1234, 2026-11-20, modified)"},
	}
	for _, tt := range tests {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/weft-dev/weft/cmd/weft", Version: tt.version}, Settings: tt.settings}
		if got := versionLine("weft", bi); got != tt.want {
			t.Errorf("%q: got %q; want %q", tt.version, got, tt.want)
		}
	}
	// The test binary itself has build information.
	if got := VersionLine("weft"); !strings.HasPrefix(got, "weft ") {
		t.Errorf("VersionLine: %q", got)
	}
}
