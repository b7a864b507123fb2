package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// pipeRefused are GNU parallel's --pipe options, refused until --pipe is
// implemented.
func pipeRefused() cli.Section {
	const why = "not yet: weft has no --pipe (split the input before weft, one file per job)"
	return cli.Section{Title: "Refused (--pipe)", Options: []cli.Option{
		refuse(why, "--pipe", "--spreadstdin"),
		refuse(why, "--block", "--block-size"),
		refuse(why, "-N", "--max-replace-args"),
		refuse(why, "-L"),
		refuse(why, "-l", "--max-lines"),
		refuse(why, "--recstart"),
		refuse(why, "--recend"),
		refuse(why, "--regexp"),
		refuse(why, "--remove-rec-sep", "--removerecsep", "--rrs"),
		refuse(why, "--round-robin", "--round"),
		refuse(why, "--cat"),
		refuse(why, "--fifo"),
		refuse(why, "--tee"),
		refuse(why, "--pipe-part", "--pipepart"),
		refuse(why, "--header"),
	}}
}
