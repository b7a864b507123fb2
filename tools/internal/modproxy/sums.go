package modproxy

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// StripSums removes from the go.sum file at path the lines for the modules
// at their versions (the zip's and the go.mod's): lines that a local proxy
// made for versions not yet published, which the published zips would
// contradict. It returns the lines removed. A missing file has none.
func StripSums(path string, mods []Module) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	drop := map[[2]string]bool{}
	for _, m := range mods {
		drop[[2]string{m.Path, m.Version}] = true
		drop[[2]string{m.Path, m.Version + "/go.mod"}] = true
	}
	var kept bytes.Buffer
	var removed []string
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) == 3 && drop[[2]string{f[0], f[1]}] {
			removed = append(removed, strings.TrimSuffix(line, "\n"))
			continue
		}
		kept.WriteString(line)
	}
	if len(removed) == 0 {
		return nil, nil
	}
	return removed, os.WriteFile(path, kept.Bytes(), 0o644)
}
