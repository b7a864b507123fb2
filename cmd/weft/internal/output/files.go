package output

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// writeFile writes r's stdout (after its command line with -v) to a new
// file in the temporary directory, and returns the file's name, for
// --files. The file is the user's: weft does not remove it.
func (p *Printer) writeFile(r *job.Result) (string, error) {
	dir := p.c.TmpDir
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "par*.par")
	if err != nil {
		return "", fmt.Errorf("--files: %v", err)
	}
	if p.c.Echo {
		io.WriteString(f, r.Cmdline+"\n")
	}
	if r.Stdout != nil {
		if err := r.Stdout.CopyTo(f); err != nil {
			f.Close()
			return "", fmt.Errorf("--files: %v", err)
		}
	}
	return f.Name(), f.Close()
}

// colors are --ctag's: a colour for each job, by its number, then what
// clears to the end of the line, and what resets the colour.
type colors struct {
	table      []string
	eol, reset string
}

// of is the colour of job seq, with the clearing to the end of line.
func (c colors) of(seq int64) string { return c.table[seq%int64(len(c.table))] + c.eol }

// terminalColors are GNU parallel's colours: black or white text on
// backgrounds of the 256-colour palette, in an order that puts unlike
// colours next to each other; and the terminal's clear-to-end-of-line and
// reset, as tput gives them for /dev/tty (ANSI's without one).
func terminalColors() colors {
	type pair struct{ bg, fg string }
	var combos []pair
	span := func(fg string, ranges ...[2]int) {
		for _, r := range ranges {
			for n := r[0]; n <= r[1]; n++ {
				combos = append(combos, pair{fmt.Sprintf("%03d", n), fg})
			}
		}
	}
	span("000", [2]int{6, 7}, [2]int{9, 11}, [2]int{13, 15}, [2]int{40, 51}, [2]int{75, 87}, [2]int{113, 123},
		[2]int{147, 159}, [2]int{171, 182}, [2]int{185, 231}, [2]int{249, 254})
	span("231", [2]int{1, 9}, [2]int{12, 13}, [2]int{16, 45}, [2]int{52, 81}, [2]int{88, 114}, [2]int{124, 149},
		[2]int{160, 178}, [2]int{180, 180}, [2]int{182, 184}, [2]int{196, 214}, [2]int{232, 250})
	idx := make([]int, len(combos))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(a%23, b%23), cmp.Compare(b%7, a%7)) })
	c := colors{eol: tput("el", "\x1b[K"), reset: tput("sgr0", "\x1b[m")}
	for _, i := range idx {
		c.table = append(c.table, "\x1b[48;5;"+combos[i].bg+";38;5;"+combos[i].fg+"m")
	}
	return c
}

// tput is the terminal's capability name, as tput reads it for /dev/tty,
// or def.
func tput(name, def string) string {
	out, err := exec.Command("sh", "-c", "tput "+name+" </dev/tty 2>/dev/null").Output()
	if s := string(out); err == nil && s != "" {
		for len(s) > 0 && s[len(s)-1] == '\n' {
			s = s[:len(s)-1]
		}
		if s != "" {
			return s
		}
	}
	return def
}

// progressHeader starts GNU parallel's --progress on stderr.
func (p *Printer) progressHeader() {
	fmt.Fprintf(p.stderr, "\nComputers / CPU cores / Max jobs to run\n1:local / %d / %d\n\n"+
		"Computer:jobs running/jobs completed/%%of started jobs/Average seconds to complete\n",
		max(p.c.CPUs, 1), p.c.Jobs)
	p.fail(p.stderr.Flush())
}

// gnuProgress draws GNU parallel's --progress line on stderr: jobs
// running, completed, the share of the started jobs they are, and the
// average seconds per completed job.
func (p *Printer) gnuProgress(final bool) {
	if !p.c.GNUProgress {
		return
	}
	done, _ := p.counts.Counts()
	var started int64
	if sc, ok := p.counts.(StartCounter); ok {
		started = sc.Started()
	}
	running := max(started-done, 0)
	pct := int64(100)
	if started > 0 {
		pct = (running + done) * 100 / started
	}
	avg := 0.0
	if done > 0 {
		avg = time.Since(p.started).Seconds() / float64(done)
	}
	fmt.Fprintf(p.stderr, "\rlocal:%d/%d/%d%%/%.1fs ", running, done, pct, avg)
	if final {
		p.stderr.WriteString("\n")
	}
	p.fail(p.stderr.Flush())
}
