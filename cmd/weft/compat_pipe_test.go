package main

import (
	"fmt"
	"strings"
)

// seqLines is the output of seq from to.
func seqLines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintln(&b, i)
	}
	return b.String()
}

// pipeCompatCases are the compatibility cases of --pipe and --pipe-part
// (TestCompatibilityWithGNUParallel runs them with the others): at least
// three per option.
func pipeCompatCases() []compatCase {
	nums := seqLines(1, 20)
	many := seqLines(1, 2000)
	fasta := ">a\nACGT\nTT\n>b\nGG\n>c\nTTTT\nA\n>d\nC\n"
	csv := "id,name\n1,ann\n2,bob\n3,cy\n4,dee\n5,eve\n"
	data := map[string]string{"data": seqLines(1, 300), "fasta": fasta, "csv": csv, "empty": ""}
	return []compatCase{
		// --pipe, --spreadstdin
		{args: []string{"-k", "--pipe", "--block", "10", "wc -l"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "--block", "20", "cat"}, stdin: nums},
		{args: []string{"-k", "--spreadstdin", "-N", "3", "paste -sd+"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "echo {#}; wc -c"}, stdin: many, ordered: true},
		{args: []string{"--pipe", "--block", "10", "exit 3"}, stdin: nums},
		{args: []string{"--pipe", "wc -l"}, stdin: ""},
		// --block
		{args: []string{"-k", "--pipe", "--block", "1k", "wc -c"}, stdin: many, ordered: true},
		{args: []string{"-k", "--pipe", "--block", "1K", "wc -c"}, stdin: many, ordered: true},
		{args: []string{"-k", "--pipe", "--block-size", "0.5k", "wc -c"}, stdin: many, ordered: true},
		{args: []string{"-k", "--pipe", "--block", "6", "wc -c"}, stdin: "a\nbbbbbbbbbbbbbbbb\nc\nd\n", ordered: true},
		// -N
		{args: []string{"-k", "--pipe", "-N", "1", "echo start; cat"}, stdin: "a\nb\nc\n", ordered: true},
		{args: []string{"-k", "--pipe", "-N", "4", "wc -l"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--max-replace-args", "7", "--block", "5", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "-N", "3", "paste -sd,"}, stdin: "\n\na\nb\n\nc\n"},
		// -L, -l, --max-lines
		{args: []string{"-k", "--pipe", "-L", "2", "--block", "10", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "-l2", "-N", "1", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--max-lines=3", "-N", "2", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "-l", "-N", "5", "paste -sd,"}, stdin: nums, ordered: true},
		// --recstart
		{args: []string{"-k", "--pipe", "--recstart", ">", "-N", "1", "paste -sd,"}, stdin: fasta, ordered: true},
		{args: []string{"-k", "--pipe", "--recstart", ">", "--block", "10", "paste -sd,"}, stdin: fasta, ordered: true},
		{args: []string{"-k", "--pipe", "--recstart", ">", "--recend", `\n`, "-N", "2", "paste -sd,"}, stdin: fasta, ordered: true},
		// --recend
		{args: []string{"-k", "--pipe", "--recend", ";", "-N", "1", "cat; echo"}, stdin: "a;bb;c;dd", ordered: true},
		{args: []string{"-k", "--pipe", "--recend", `\0`, "-N", "2", "tr '\\0' '|'; echo"}, stdin: "a\x00b\x00c\x00", ordered: true},
		{args: []string{"-k", "--pipe", "--recend", "", "--block", "4", "cat; echo"}, stdin: "abcdefghij", ordered: true},
		{args: []string{"-k", "--pipe", "--recend", "END\n", "--block", "12", "wc -l"}, stdin: "a\nb\nEND\nc\nEND\nd\ne\nf\nEND\n", ordered: true},
		// --regexp
		{args: []string{"-k", "--pipe", "--regexp", "--recstart", "^[A-Z]", "-N", "1", "paste -sd,"}, stdin: "Alpha\n1\n2\nBeta\n3\nGamma\n", ordered: true},
		{args: []string{"-k", "--pipe", "--regexp", "--recend", "[;,]", "-N", "1", "cat; echo"}, stdin: "a;b,c;d", ordered: true},
		{args: []string{"-k", "--pipe", "--regexp", "--recstart", "b+", "--recend", "a", "-N", "1", "cat; echo"}, stdin: "xabbyabzab", ordered: true},
		{args: []string{"-k", "--pipe", "--regexp", "--recend", `\n\n`, "--block", "8", "wc -l"}, stdin: "a\nb\n\nc\n\nd\ne\nf\n\ng\n", ordered: true},
		// --remove-rec-sep, --removerecsep, --rrs
		{args: []string{"-k", "--pipe", "--recend", ";", "--rrs", "-N", "1", "cat; echo"}, stdin: "a;bb;c;dd", ordered: true},
		{args: []string{"-k", "--pipe", "--recstart", ">", "--remove-rec-sep", "-N", "2", "cat"}, stdin: fasta, ordered: true},
		{args: []string{"-k", "--pipe", "--removerecsep", "--recend", ";", "--recstart", "x", "-N", "2", "cat; echo"}, stdin: "xa;xb;xc;xd;", ordered: true},
		{args: []string{"-k", "--pipe", "--regexp", "--rrs", "--recend", "[;,]", "-N", "2", "cat; echo"}, stdin: "a;b,c;d,", ordered: true},
		// --round-robin, --round
		{args: []string{"-k", "--pipe", "--round-robin", "-j", "2", "--block", "6", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "--round-robin", "-j", "3", "--block", "10", "cat"}, stdin: nums},
		{args: []string{"--pipe", "--round", "-j", "2", "-N", "2", "wc -l"}, stdin: seqLines(1, 4)},
		{args: []string{"-k", "--pipe", "--round-robin", "-j", "4", "--block", "30", "paste -sd,"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--round-robin", "-j", "2", "-N", "3", "--header", ":", "paste -sd,"}, stdin: csv, ordered: true},
		// --header
		{args: []string{"-k", "--pipe", "--header", ":", "-N", "2", "paste -sd,"}, stdin: csv, ordered: true},
		{args: []string{"-k", "--pipe", "--header", "2", "-N", "1", "paste -sd,"}, stdin: csv, ordered: true},
		{args: []string{"-k", "--pipe", "--header", "id.*\n", "--block", "12", "paste -sd,"}, stdin: csv, ordered: true},
		{args: []string{"-k", "--pipe", "--header", ":", "-N", "2", "--rrs", "--recend", "\n", "cat; echo"}, stdin: csv, ordered: true},
		// -k, and without it
		{args: []string{"-k", "--pipe", "-N", "1", "sleep 0.0$(cat); cat"}, stdin: "3\n1\n2\n", ordered: true},
		{args: []string{"--pipe", "-N", "1", "sleep 0.0$(cat); echo done"}, stdin: "3\n1\n2\n"},
		{args: []string{"-k", "--pipe", "-N", "2", "--tag", "cat"}, stdin: "a\nb\nc\n", ordered: true},
		// --cat
		{args: []string{"-k", "--pipe", "--cat", "-N", "2", "cat {}"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--cat", "--block", "10", "wc -l < {}"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--cat", "-N", "5", "sort -rn {}"}, stdin: nums, ordered: true},
		// --fifo
		{args: []string{"-k", "--pipe", "--fifo", "-N", "2", "cat {}"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--fifo", "--block", "10", "wc -l < {}"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "--fifo", "-N", "5", "grep -q 3 {}"}, stdin: nums},
		// --tee
		{args: []string{"-k", "--pipe", "--tee", "-j", "0", "echo [{}]; grep -c {}", ":::", "1", "2", "3", "4"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--pipe", "--tee", "-j", "3", "grep -c {}", ":::", "1", "2", "3"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "--tee", "-j", "2", "wc -l", ":::", "a", "b"}, stdin: many},
		{args: []string{"-k", "--pipe", "--tee", "-j", "2", "grep {}", ":::", "5", "x"}, stdin: nums, ordered: true},
		{args: []string{"--pipe", "--tee", "-j", "2", "grep {}", ":::", "1", "2", "3"}, stdin: nums},
		// --pipe-part, --pipepart
		{args: []string{"-k", "--pipe-part", "-a", "data", "--block", "100", "wc -l"}, files: data, ordered: true},
		{args: []string{"--pipe-part", "-a", "data", "--block", "50", "cat"}, files: data},
		{args: []string{"-k", "--pipepart", "-a", "fasta", "--recstart", ">", "--block", "10", "paste -sd,"}, files: data, ordered: true},
		{args: []string{"-k", "-j", "2", "--pipe-part", "-a", "data", "wc -l"}, files: data, ordered: true},
		{args: []string{"-k", "--pipe-part", "-a", "csv", "--header", ":", "--block", "8", "paste -sd,"}, files: data, ordered: true},
		{args: []string{"-k", "--pipe-part", "-a", "fasta", "--regexp", "--recstart", "^>", "--block", "5", "paste -sd,"}, files: data, ordered: true},
		{args: []string{"--pipe-part", "-a", "empty", "wc -l"}, files: data},
	}
}
