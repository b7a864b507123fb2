package modproxy_test

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/weft-dev/weft/tools/internal/modproxy"
)

// Example publishes a module directory at v0.9.0 in a proxy directory,
// which the go command reads with GOPROXY=file:///that/dir.
func Example() {
	tmp, err := os.MkdirTemp("", "modproxy-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/Hello\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(src, "hello.go"), []byte("package hello\n"), 0o644)

	proxy := filepath.Join(tmp, "proxy")
	mods := []modproxy.Module{{Path: "example.com/Hello", Version: "v0.9.0", Dir: src}}
	if err := modproxy.Write(proxy, mods, time.Now()); err != nil {
		log.Fatal(err)
	}
	filepath.WalkDir(proxy, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(proxy, p)
			fmt.Println(filepath.ToSlash(rel))
		}
		return nil
	})
	// Output:
	// example.com/!hello/@v/list
	// example.com/!hello/@v/v0.9.0.info
	// example.com/!hello/@v/v0.9.0.mod
	// example.com/!hello/@v/v0.9.0.zip
}
