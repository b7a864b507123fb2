package run

import (
	"fmt"
	"strconv"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
)

// pipeOptions: --pipe and --pipe-part, where the input is data cut into
// blocks, one job per block (see pipe.go and the pipe package).
func pipeOptions(c *Config) cli.Section {
	p := &c.Pipe
	return cli.Section{Title: "Blocks of input (--pipe)", Intro: "stdin is data, cut into blocks of whole records; each job reads one block on its stdin", Options: []cli.Option{
		{Names: []string{"--pipe", "--spreadstdin"}, Help: "cut stdin into blocks of about 1M and give each to a job's stdin",
			Example: "cat big.log | weft --pipe grep ERROR", Set: cli.True(&p.On)},
		{Names: []string{"--pipe-part", "--pipepart"},
			Help:    "cut the file of -a FILE into parts (by default 10 per job slot); each job reads its part straight from the file, without it passing through weft",
			Example: "weft --pipe-part -a big.log --block 100M 'grep -c ERROR'", Set: cli.True(&p.Part)},
		{Names: []string{"--block", "--block-size", "--blocksize"}, Arg: cli.Required, Value: "SIZE",
			Help:    "blocks of at most SIZE (with --pipe-part: at least SIZE), ending on a record; k m g t p are powers of 1000, K M G T P of 1024; -n: n blocks per job slot (needs a file)",
			Example: "weft --pipe --block 10M 'wc -l' < big.txt", Set: p.only("--block", p.setBlock)},
		{Names: []string{"-N", "--max-replace-args", "--maxreplaceargs"}, Arg: cli.Required, Value: "N", Help: "with --pipe: N records per block (without --pipe: N inputs per job, see -n)",
			Example: "seq 10 | weft --pipe -N 3 'paste -sd+ | bc'", Set: p.only("-N", cli.Int(&p.Records, 0))},
		{Names: []string{"-L"}, Arg: cli.Required, Value: "N", Help: "with --pipe: a record is N lines; without -N, blocks end after a multiple of N lines (without --pipe: N lines per job, see -n)",
			Example: "cat pairs.txt | weft --pipe -L 2 -N 100 ./load", Set: p.only("-L", cli.Int(&p.Lines, 1))},
		{Names: []string{"-l", "--max-lines", "--maxlines"}, Arg: cli.Optional, Value: "N", Help: "-L N (N is 1 if not given, and only glued: -l2, --max-lines=2)",
			Example: "seq 10 | weft --pipe -l2 -N 1 'paste -sd,'", Set: p.only("-l", p.setMaxLines)},
		{Names: []string{"--recend"}, Arg: cli.Required, Value: "STR", Help: `a record ends with STR (default \n; \n \r \t \0 \\ understood)`,
			Example: `printf 'a;b;c;' | weft --pipe -N 1 --recend ';' cat`, Set: p.only("--recend", p.setString(&p.RecEnd))},
		{Names: []string{"--recstart"}, Arg: cli.Required, Value: "STR", Help: "a record starts with STR (a block boundary is where --recend is followed by --recstart)",
			Example: "cat seqs.fa | weft --pipe --recstart '>' -N 100 ./align", Set: p.only("--recstart", p.setString(&p.RecStart))},
		{Names: []string{"--regexp", "--regex"}, Help: "--recstart and --recend are regular expressions (Go's RE2 syntax)",
			Example: "weft --pipe --regexp --recstart '^[A-Z]' -N 10 cat < log", Set: p.only("--regexp", p.setTrue(&p.Regexp))},
		{Names: []string{"--remove-rec-sep", "--removerecsep", "--rrs"}, Help: "remove the --recend and --recstart between the records of a block",
			Example: "printf 'a;b;c;' | weft --pipe -N 1 --recend ';' --rrs cat", Set: p.only("--rrs", p.setTrue(&p.RemoveRecSep))},
		{Names: []string{"--header"}, Arg: cli.Required, Value: "RE", Help: "with --pipe: the start of the input matching RE is given to every job before its block (: for the first line, N for N lines). Without --pipe: the first record of each input source names its columns, {name} for {n} (and {name.} {name/} {name//} {name/.} {=name perl =}); RE is then not read, but 0 reads no header, and names only the :::: files",
			Example: "weft --header : --colsep '\\t' 'echo {id}: {name}' :::: people.tsv", Set: p.only("--header", p.setString(&p.Header))},
		{Names: []string{"--round-robin", "--round", "--roundrobin"}, Help: "start only -j jobs, each reading many blocks on one stdin (with -k, block k always to job k mod -j)",
			Example: "weft --pipe --round-robin -j 4 'sort > part{#}' < big.txt", Set: p.only("--round-robin", p.setTrue(&p.RoundRobin))},
		{Names: []string{"--cat"}, Help: "give each job its block as a temporary file, {} its name, removed when the job ends",
			Example: "weft --pipe --cat 'wc -l {}' < big.txt", Set: p.only("--cat", p.setTrue(&p.Cat))},
		{Names: []string{"--fifo"}, Help: "give each job its block through a named pipe, {} its name",
			Example: "weft --pipe --fifo 'wc -l < {}' < big.txt", Set: p.only("--fifo", p.setTrue(&p.Fifo))},
		{Names: []string{"--tee"}, Help: "every job reads all of stdin: one job per ::: value (needs -j at least their number)",
			Example: "weft --pipe --tee -j 0 'grep -c {}' ::: ERROR WARN < log", Set: p.only("--tee", p.setTrue(&p.Tee))},
	}, Text: "-k prints the jobs' output in block order. {#} is the block's number, {%} its job slot; {} is empty (--cat, --fifo: the file's name). Without --pipe or --pipe-part, -N, -L and -l give several inputs to each job (see Several inputs per job) and --header names the columns (see Inputs); the other options of this section are refused: weft does not implement their other meanings in GNU parallel."}
}

// only wraps set so that the option is remembered as given: without
// --pipe or --pipe-part it is refused (Config.checkPipe).
func (p *Pipe) only(name string, set func(string, string) error) func(string, string) error {
	return func(typed, v string) error {
		if err := set(typed, v); err != nil {
			return err
		}
		p.given = append(p.given, given{typed: typed, name: name})
		return nil
	}
}

func (p *Pipe) setTrue(dst *bool) func(string, string) error { return cli.True(dst) }

func (p *Pipe) setString(dst **string) func(string, string) error {
	return func(_, v string) error { *dst = &v; return nil }
}

func (p *Pipe) setBlock(name, v string) error {
	n, err := pipe.ParseSize(v)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if n == 0 {
		return cli.BadValue(name, v, "a size above 0, such as 10M, or -N for N blocks per job slot")
	}
	p.Block = n
	return nil
}

func (p *Pipe) setMaxLines(name, v string) error {
	if v == "" {
		p.Lines = 1
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return cli.BadValue(name, v, "a number of lines >= 1")
	}
	p.Lines = n
	return nil
}
