package run

import (
	"errors"
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/output"
)

// setResults is the Set of --results.
func (c *Config) setResults(flag, v string) error {
	if v == "" {
		return fmt.Errorf("bad value for %s: the name must not be empty (want a directory, or NAME.csv, NAME.tsv or NAME.json)", flag)
	}
	c.Results = v
	return nil
}

// setTagString is the Set of --tagstring, and of --ctagstring with color.
func (c *Config) setTagString(color bool) func(string, string) error {
	return func(flag, v string) error {
		if v == "" {
			return fmt.Errorf("bad value for %s: the tag must not be empty (want text, with replacement strings if need be)", flag)
		}
		c.TagString, c.Tag = v, true
		c.Color = c.Color || color
		return nil
	}
}

// setTmpDir is the Set of --tmpdir: a directory that exists.
func (c *Config) setTmpDir(flag, v string) error {
	if st, err := os.Stat(v); err != nil || !st.IsDir() {
		return fmt.Errorf("bad value for %s: %q is not a directory", flag, v)
	}
	c.TmpDir = v
	return nil
}

// checkOutput refuses the output options in the combinations weft does
// not run as GNU parallel does.
func (c *Config) checkOutput() error {
	if c.Echo > 1 {
		return errors.New("-v given more than once (GNU parallel's command as it wraps it) is not supported: give -v once")
	}
	if c.Results != "" {
		tpl, err := cmdline.ParseWith(c.Results, c.syntax())
		switch {
		case err != nil:
			return fmt.Errorf("--results: %v", err)
		case tpl.IsLiteral():
		case output.ResultsFormatOf(c.Results) != output.ResultsDir:
			return fmt.Errorf("--results %s: a table's name with replacement strings is not supported: give its name alone", c.Results)
		case tpl.HasPerl() || tpl.HasSlot():
			return fmt.Errorf("--results %s: perl expressions and {%%} in the name are not supported yet: use {} {#} {1} and the like", c.Results)
		}
	}
	streamed := c.Ungroup || c.LineBuffer
	switch {
	case c.Results != "" && c.Files:
		return errors.New("--results and --files cannot be used together yet: use --results DIR, whose stdout files hold the output")
	case (c.Results != "" || c.Files) && streamed:
		return errors.New("--results and --files cannot be used with -u or --line-buffer: the output is saved when each job ends")
	case (c.Results != "" || c.Files) && c.DryRun:
		return errors.New("--results and --files cannot be used with --dry-run: --dry-run alone prints the commands")
	case c.Results != "" && c.Pipe.Active():
		return errors.New("--results cannot be used with --pipe or --pipe-part: the blocks have no arguments, so every job would write the same files (use --files)")
	case c.Results != "" && (c.Resume || c.ResumeFailed):
		return errors.New("--resume and --resume-failed cannot be used with --results yet (GNU parallel also skips the jobs whose results exist): use --joblog FILE --resume alone")
	case c.Color && streamed:
		return errors.New("--ctag and --ctagstring cannot be used with -u or --line-buffer yet: use --tag or --tagstring")
	case c.Shuf && c.Pipe.Active():
		return errors.New("--shuf cannot be used with --pipe or --pipe-part: the blocks are cut in order")
	case c.Shuf && (c.Resume || c.ResumeFailed):
		return errors.New("--shuf cannot be used with --resume or --resume-failed: the job numbers change from run to run")
	case c.Progress && (c.Bar || c.Eta):
		return errors.New("--progress cannot be used with --bar or --eta: give one of them")
	}
	if c.TagString != "" {
		tpl, err := cmdline.ParseWith(c.TagString, c.syntax())
		if err != nil {
			return fmt.Errorf("--tagstring: %v", err)
		}
		if tpl.HasPerl() || tpl.HasSlot() {
			return fmt.Errorf("--tagstring %s: perl expressions and {%%} in the tag are not supported yet: use {} {#} {1} and the like", c.TagString)
		}
	}
	return nil
}

// resultsNameOf is the name of a job's --results files when the name has
// replacement strings (put in unquoted), or nil.
func (c *Config) resultsNameOf() func(*job.Result) string {
	tpl, err := cmdline.ParseWith(c.Results, c.syntax())
	if err != nil || tpl.IsLiteral() {
		return nil
	}
	return func(r *job.Result) string { return tpl.ExpandText(r.Args, r.Seq, 0) }
}

// tagOf is the tag of a job's lines with --tagstring, without the tab; nil
// without it (the arguments).
func (c *Config) tagOf() func(*job.Result) string {
	if c.TagString == "" {
		return nil
	}
	tpl, err := cmdline.ParseWith(c.TagString, c.syntax())
	if err != nil {
		return nil // checkOutput refused it
	}
	return func(r *job.Result) string { return tpl.ExpandText(r.Args, r.Seq, 0) }
}
