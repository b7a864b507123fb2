package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// stage copies into dst the files under root that a commit of the working
// tree would hold: tracked and untracked files, not those that .gitignore
// leaves out (a built binary, say), nor a worktree's .git file. The module
// zips are made from that copy, as the module proxy would make them from a
// tag. Outside a git repository it returns root itself.
func stage(root, dst string) (string, error) {
	ls := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	ls.Dir = root
	var stderr bytes.Buffer
	ls.Stderr = &stderr
	out, err := ls.Output()
	if err != nil {
		fmt.Printf("not a git working tree (%v: %s); the modules are taken from %s as they are\n", err, bytes.TrimSpace(stderr.Bytes()), root)
		return root, nil
	}
	for name := range bytes.SplitSeq(bytes.TrimSuffix(out, []byte{0}), []byte{0}) {
		if err := copyFile(filepath.Join(root, string(name)), filepath.Join(dst, string(name))); err != nil {
			return "", err
		}
	}
	return dst, nil
}

// copyFile copies the regular file src to dst, with its mode. A file that
// is gone (deleted, not yet committed) or is not regular is skipped, as a
// module zip would skip it.
func copyFile(src, dst string) error {
	info, err := os.Lstat(src)
	if os.IsNotExist(err) || err == nil && !info.Mode().IsRegular() {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
