package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// Sections declares the options of a run, bound to c, in the order of the
// help: each section in a file of its own (options_inputs.go, ...), so that
// options are added side by side without touching one another's lines.
//
// To add an option: declare it in the section it belongs to, with its
// names, value, help, an example and a Set that writes a field of Config
// (or, for a GNU parallel option weft does not implement, Refused with the
// alternative); the parser, the help, the man page (go generate
// ./cmd/weft) and the shells' completion follow from the declaration.
func Sections(c *Config) []cli.Section {
	return []cli.Section{
		inputOptions(c),
		multiOptions(c),
		replacementStrings(c),
		runningOptions(c),
		controlOptions(c),
		outputOptions(c),
		refusedOptions(),
		pipeOptions(c),
	}
}
