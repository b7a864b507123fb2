// Package pipe cuts a job runner's input into blocks of whole records and
// hands each block to a job's standard input: the weft command's --pipe and
// --pipe-part, with GNU parallel's semantics.
//
//	s, err := pipe.NewSplitter(os.Stdin, pipe.Options{Block: 10 << 20})
//	for {
//		b, err := s.Next(ctx)
//		if err == io.EOF {
//			break
//		}
//		cmd := exec.Command("sh", "-c", "wc -l")
//		cmd.Stdin = b // exec copies it with b.WriteTo: splice(2) from a file
//		go func() { cmd.Run(); b.Release() }()
//	}
//
// A Splitter yields Blocks in input order (Block.Seq, for -k). How a job
// gets its block is up to the caller: Block.WriteTo into a pipe (JobStdin
// makes one with a 1 MiB buffer), WithTempFile (--cat), WithFifo (--fifo),
// RoundRobin (--round-robin: a few jobs, each fed many blocks) or Tee
// (--tee: every job gets everything).
//
// # The data path
//
// When the input is a regular file (weft --pipe < FILE, or --pipe-part),
// a block is a range of the file: the splitter reads only the few bytes
// near a block's end where its last record boundary is, and WriteTo
// splices the range from the page cache into the job's pipe, so the data
// never goes through weft's memory and weft's memory does not depend on
// the block size. (A job's stdin cannot be the file itself: the job would
// read past its block.) When the input is a pipe, blocks are read into
// buffers that are reused once released: a run holds about as many blocks
// as jobs are being written to, plus one, and a block is about the block
// size unless a record is longer. --regexp, -N, -L, --rrs and -r read
// every byte, so they take that path from a file too.
//
// # Behaviour, as GNU parallel 20221122 behaves
//
// Each row was checked against the installed GNU parallel; the tests
// named compare blocks byte for byte (TestPipeMatchesGNUParallel,
// TestPipePartMatchesGNUParallel and TestRoundRobinMatchesGNUParallel run
// parallel itself; TestSplitSemantics pins the small examples).
//
//	what                        how blocks come out
//	--------------------------  ------------------------------------------------
//	--block size                Default 1M. K M G T P multiply by 1024^n, k m g t p
//	                            by 1000^n (so 1k is 1000, 1K 1024); Ki, mi...
//	                            are binary whatever the case; fractions are
//	                            truncated (1.5k = 1500). ParseSize. GNU also
//	                            evaluates expressions (1M-2k): refused here.
//	where a block ends          GNU reads until the pending input is a whole
//	                            number of block sizes (one, normally), then
//	                            passes on everything up to the last record
//	                            boundary in it; the rest begins the next block.
//	                            So a block is at most --block bytes, unless...
//	a record longer than        ...no boundary is in the block: the block size
//	  the block                 grows to ceil(1.3*size+1) (up to 2 GiB-1) with
//	                            a warning (Options.Warn), and stays grown for
//	                            the rest of the input. The long record goes
//	                            whole into one block.
//	the last block              Once the input ends, what is pending is the
//	                            last block as it is: it needs no record end,
//	                            and is not cut at its boundaries.
//	empty input                 No block, no job (with or without -r).
//	--recend, --recstart        A boundary is where --recend is followed by
//	                            --recstart, and is between the two. Neither
//	                            given: --recend "\n". Only --recstart: --recend
//	                            "". --recend '' alone: no separator, blocks of
//	                            exactly --block bytes. \n \r \t \0 \\ \' \" are
//	                            escapes (Unescape).
//	--regexp                    Both are regexps; a block ends after the last
//	                            --recend match that --recstart follows (with
//	                            ^ and $ at line ends). --regexp --recend ''
//	                            means any one byte. Go's RE2 syntax: no
//	                            lookaround or back-references (refused by name).
//	-N n                        n records per block; the block size is only how
//	                            much is read at a time (and grows the same way).
//	                            A separator at the very start of the pending
//	                            input ends no record, so "\n\na\n" with -N 1
//	                            gives "\n\n" then "a\n". At the end, leftover
//	                            records make the last block. --regexp -N: text
//	                            before the first --recstart is a block of its
//	                            own.
//	-L n                        Without -N: a block is cut after a multiple of n
//	                            newlines ("\n" whatever --recend says), so
//	                            seq 5 with -L 2 gives 1-4, then 5. With -N m:
//	                            m*n records per block.
//	--rrs                       Removes from each block every --recend+--recstart,
//	                            a --recstart at its start and a --recend at its
//	                            end (or before a final newline). With no
//	                            separator at all, nothing.
//	--header re                 Matched at the start of the input, reading a
//	                            block at a time until it matches; ":" is the
//	                            first line, a number n the first n lines, "0"
//	                            none. Prepended to every block. An input that
//	                            is only the header makes no block. A header
//	                            that never matches leaves the input whole, one
//	                            block (here refused past 64 MiB of input).
//	-r                          Lines of white space only are removed from the
//	                            data; if nothing else is left, no job.
//	--block-timeout d           A block that takes longer than d to read ends
//	                            at the last boundary read so far. Blocks do not
//	                            grow when it is set. GNU wants whole seconds >= 1.
//	--round-robin               Each job gets one continuous input: the header
//	                            once, then whole blocks. -k: block k goes to job
//	                            (k-1) mod -j, the same in every run; otherwise
//	                            to whichever job is ready. GNU starts all -j
//	                            jobs at once and drops the output of those that
//	                            get no block; here a job starts with its first
//	                            block (the output is the same).
//	--tee                       Every job reads all of the input. GNU needs -j
//	                            at least the number of jobs.
//	-k                          Output in block order: Block.Seq.
//	--cat                       The block is a temporary file, {} its name,
//	                            removed when the job ends.
//	--fifo                      The block comes through a named pipe, {} its
//	                            name. GNU waits forever for a job that never
//	                            opens it; here the writing stops when the job
//	                            ends.
//	--pipe-part -a FILE         A part ends at the first boundary at least
//	                            --block bytes after its start (so parts are at
//	                            least the block size, unlike --pipe). The header
//	                            is prepended to each part. Default --block -10:
//	                            --block -n makes parts of 1+size/(jobs*n) bytes.
//	                            With --regexp, the last match in the 128 KiB
//	                            windows read after that point. -N and -L are
//	                            refused (as by GNU); --rrs, which GNU ignores
//	                            there, is refused too.
//	--pipe --block -n           GNU 20221122 fails ("Negative length"); its
//	                            20260422 manual reads all the input into memory.
//	                            Here it works when the input is a regular file
//	                            (the size is known), and is refused otherwise.
//	--pipe --block > 2 GiB      GNU uses 2 GiB-1, with a warning; here the block
//	                            is what was asked for.
//
// # Differences of detail
//
// In a --regexp search that starts in the middle of the buffer (the records
// of --regexp -N), ^ and \b see the search's start as the text's start.
// GNU parallel computes fractional sizes in floating point (0.29k is 289
// bytes there, 290 here). With --cat, GNU parallel's job exits with the
// status of removing the file; weft's with the command's.
//
// # Blocking, cancellation and errors
//
// Next blocks while it reads. It returns ctx's error at once when the input
// has read deadlines (see Pollable), otherwise when the read under way
// returns; after an error Next returns the same error. A job that stops
// reading makes writes to it fail with EPIPE (Stopped reports it), which
// RoundRobin, Tee and WithFifo take as the job's choice, as GNU parallel
// does. Errors name the option and the value that was wrong, and what to
// do instead.
package pipe
