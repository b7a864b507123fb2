package cli

import (
	"runtime/debug"
	"strings"
)

// VersionLine is what --version prints for the running binary, from the
// build information Go records in it: "weft v0.3.0 (rev abc1234,
// 2026-11-20)" for a binary installed with go install of a released
// version; "weft (devel): a development build (rev abc1234, 2026-11-20,
// modified)" for one built from a source tree without a version.
func VersionLine(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (devel): a development build (no build information recorded)"
	}
	return versionLine(name, bi)
}

func versionLine(name string, bi *debug.BuildInfo) string {
	var rev, date string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			date, _, _ = strings.Cut(s.Value, "T")
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var details []string
	if rev != "" {
		details = append(details, "rev "+rev[:min(7, len(rev))])
	}
	if date != "" {
		details = append(details, date)
	}
	if modified {
		details = append(details, "modified")
	}
	line := name + " " + bi.Main.Version
	if bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		line = name + " (devel): a development build"
		if len(details) == 0 {
			details = append(details, "no revision recorded")
		}
	}
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}
