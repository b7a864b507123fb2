package run

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// tabs is the column separator of --header without --colsep, as in GNU
// parallel: the header and every record are cut at tabs.
var tabs = regexp.MustCompile("\t")

// headed reports whether the run reads headers from its inputs: --header
// without --pipe and --pipe-part, where it means something else.
func (c *Config) headed() bool { return c.Pipe.Header != nil && !c.Pipe.Active() }

// inputConfig is how the run's inputs are read and cut.
func (c *Config) inputConfig() input.Config {
	ic := input.Config{Sources: c.Sources, Sep: c.Sep, Colsep: c.Colsep, Link: c.Link, EOF: c.EOF, SkipEmpty: c.SkipEmpty,
		Continue: c.Pipe.Lines > 0 && !c.Pipe.Active()} // -L: a line ending in a blank goes on
	if c.headed() {
		ic.Header = true
		ic.NamesOnly = *c.Pipe.Header == "0" // GNU parallel reads no header line for 0, whatever else is given
		if ic.Colsep == nil {
			ic.Colsep = tabs
		}
	}
	return ic
}

// nameColumns reads the headers of the inputs, with --header, and
// rewrites the command so that the columns' names are replacement
// strings: {name} is then {n}, as in GNU parallel. Command and Words
// become the rewritten command, which is what the jobs run (and what
// --nats hands the workers).
func (c *Config) nameColumns(in *input.Inputs) error {
	if !c.headed() {
		return nil
	}
	cols, err := in.Headers()
	if err != nil {
		return err
	}
	// The arguments' names, a later name for the same position winning,
	// as in the jobs' Names: --results names its directories by them.
	for _, col := range cols {
		for len(c.columnNames) < col.Pos {
			c.columnNames = append(c.columnNames, strconv.Itoa(len(c.columnNames)+1))
		}
		c.columnNames[col.Pos-1] = col.Name
	}
	words := c.words()
	if len(words) == 0 {
		return nil
	}
	for _, col := range cols {
		if words, err = cmdline.NameColumn(words, col.Name, col.Pos, c.Parens); err != nil {
			return err
		}
	}
	c.Words = words
	c.Command = strings.Join(words, " ")
	return nil
}
