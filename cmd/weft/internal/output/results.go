package output

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// ResultsFormat is how --results records the jobs: a tree of directories,
// or one table of all the jobs.
type ResultsFormat int

// The formats of --results, as GNU parallel chooses them by the name's
// ending (.csv, .tsv, .json; anything else is a directory).
const (
	ResultsDir ResultsFormat = iota
	ResultsCSV
	ResultsTSV
	ResultsJSON
)

// ResultsFormatOf is the format GNU parallel gives --results NAME, by the
// end of NAME, in any case.
func ResultsFormatOf(name string) ResultsFormat {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return ResultsCSV
	case ".tsv":
		return ResultsTSV
	case ".json":
		return ResultsJSON
	}
	return ResultsDir
}

// Results records each job's output as --results does. A job's files in a
// directory tree are written by ResultDir's layout; a table (CSV, TSV,
// JSON) is one line or record per job, in the order the jobs are printed.
type Results struct {
	Name   string        // the directory or file; "-.csv" and the like for stdout
	Format ResultsFormat // by Name's ending (ResultsFormatOf)
	// Names are the names of the arguments, in order (--header); nil
	// names them 1, 2, ...
	Names []string
	// Echo prefixes each job's stdout with its command line (-v).
	Echo bool
	// NameOf, if not nil, is the name of a job's files, Name with its
	// replacement strings replaced: a directory when it ends in /, else
	// the stdout file itself, with NAME.err and NAME.seq beside it.
	NameOf func(*job.Result) string

	table       io.Writer // the table's file, or stdout
	file        *os.File  // the table's file, to close
	wroteHeader bool
}

// Open creates the table of a CSV, TSV or JSON --results (stdout for the
// name "-" with the ending); the directory of a tree is made job by job.
func (rs *Results) Open(stdout io.Writer) error {
	if rs.Format == ResultsDir {
		return nil
	}
	if rs.ToStdout() {
		rs.table = stdout
		return nil
	}
	f, err := os.Create(rs.Name)
	if err != nil {
		return fmt.Errorf("--results: %v", err)
	}
	rs.table, rs.file = f, f
	return nil
}

// ToStdout reports whether the table goes to stdout (the name -.csv,
// -.tsv or -.json): then nothing else is printed there.
func (rs *Results) ToStdout() bool {
	return rs.Name == "-.csv" || rs.Name == "-.tsv" || rs.Name == "-.json"
}

// Close closes the table's file.
func (rs *Results) Close() error {
	if rs.file != nil {
		return rs.file.Close()
	}
	return nil
}

// ResultDir is the directory of one job's stdout, stderr and seq files
// under dir, with a trailing slash: dir/NAME1/VALUE1/NAME2/VALUE2/..., the
// names sorted as GNU parallel sorts them (by their leading number, then
// as text; 1, 2, ... when names is nil), each value escaped so that it is
// one path element: \ as \\, tab as \t, NUL as \0 and / as \_.
func ResultDir(dir string, names, args []string) string {
	idx := make([]int, len(args))
	name := make([]string, len(args))
	for i := range args {
		idx[i] = i
		name[i] = strconv.Itoa(i + 1)
		if i < len(names) {
			name[i] = names[i]
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(perlNumber(name[a]), perlNumber(name[b])), strings.Compare(name[a], name[b]))
	})
	var b strings.Builder
	b.WriteString(dir)
	for _, i := range idx {
		b.WriteString("/")
		b.WriteString(name[i])
		b.WriteString("/")
		b.WriteString(escapeValue(args[i]))
	}
	b.WriteString("/")
	return b.String()
}

var valueEscapes = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\x00", `\0`, "/", `\_`)

func escapeValue(s string) string { return valueEscapes.Replace(s) }

var leadingNumber = regexp.MustCompile(`^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?`)

// perlNumber is the number perl reads at the start of s (0 if none), as
// perl's <=> compares two strings.
func perlNumber(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(leadingNumber.FindString(s)), 64)
	return f
}

// write records one finished job.
func (rs *Results) write(r *job.Result) error {
	switch rs.Format {
	case ResultsDir:
		return rs.writeDir(r)
	case ResultsJSON:
		return rs.writeJSON(r)
	default:
		return rs.writeTable(r)
	}
}

// writeDir writes the job's seq, stdout and stderr files.
func (rs *Results) writeDir(r *job.Result) error {
	dir := ResultDir(rs.Name, rs.Names, r.Args)
	outName, errName, seqName := dir+"stdout", dir+"stderr", dir+"seq"
	if rs.NameOf != nil {
		name := rs.NameOf(r)
		if strings.HasSuffix(name, "/") {
			dir, outName, errName, seqName = name, name+"stdout", name+"stderr", name+"seq"
		} else {
			dir, outName, errName, seqName = filepath.Dir(name), name, name+".err", name+".seq"
		}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("--results: %v", err)
	}
	if err := os.WriteFile(seqName, []byte(strconv.FormatInt(r.Seq, 10)), 0o666); err != nil {
		return fmt.Errorf("--results: %v", err)
	}
	write := func(name string, echo bool, o *job.Output) error {
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("--results: %v", err)
		}
		if echo {
			io.WriteString(f, r.Cmdline+"\n")
		}
		if o != nil {
			if err := o.CopyTo(f); err != nil {
				f.Close()
				return fmt.Errorf("--results: %v", err)
			}
		}
		return f.Close()
	}
	if err := write(outName, rs.Echo, r.Stdout); err != nil {
		return err
	}
	return write(errName, false, r.Stderr)
}

// columns are the fixed columns of a table, before the values and after.
func (rs *Results) columns(r *job.Result) (stdout, stderr string, cols []string) {
	out := ""
	if rs.Echo {
		out = r.Cmdline + "\n"
	}
	if r.Stdout != nil {
		out += string(r.Stdout.Bytes())
	}
	if r.Stderr != nil {
		stderr = string(r.Stderr.Bytes())
	}
	cols = []string{strconv.FormatInt(r.Seq, 10), host(r), startTime(r), fmt.Sprintf("%.3f", r.Elapsed.Seconds()),
		"0", strconv.Itoa(len(out)), strconv.Itoa(r.Exit), strconv.Itoa(r.Signal)}
	return out, stderr, cols
}

func host(r *job.Result) string {
	if r.Host == "" {
		return ":"
	}
	return r.Host
}

func startTime(r *job.Result) string { return fmt.Sprintf("%.3f", float64(r.Start.UnixMilli())/1000) }

// writeTable writes the job's line of a CSV or TSV table, after the header
// line when it is the first: the values of the table's header are V1, V2,
// ... (or the arguments' names), as many as the first job printed has.
func (rs *Results) writeTable(r *job.Result) error {
	sep := ","
	if rs.Format == ResultsTSV {
		sep = "\t"
	}
	if !rs.wroteHeader {
		rs.wroteHeader = true
		head := []string{"Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"}
		for i := range r.Args {
			if i < len(rs.Names) {
				head = append(head, rs.Names[i])
			} else {
				head = append(head, "V"+strconv.Itoa(i+1))
			}
		}
		if _, err := io.WriteString(rs.table, csvLine(sep, append(head, "Stdout", "Stderr"))); err != nil {
			return err
		}
	}
	stdout, stderr, cols := rs.columns(r)
	cols = append(append(append(cols, r.Cmdline), r.Args...), stdout, stderr)
	_, err := io.WriteString(rs.table, csvLine(sep, cols))
	return err
}

// csvLine joins the columns with sep, each quoted as GNU parallel quotes
// them: between double quotes (doubled inside) when it holds a double
// quote, white space, sep or NUL.
func csvLine(sep string, cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(sep)
		}
		if strings.ContainsAny(c, "\" \t\n\r\f\v\x00"+sep) {
			b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
		} else {
			b.WriteString(c)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// writeJSON writes the job's line of a JSON --results: one object a line,
// as GNU parallel writes it.
func (rs *Results) writeJSON(r *job.Result) error {
	stdout, stderr, cols := rs.columns(r)
	vals := make([]string, len(r.Args))
	for i, a := range r.Args {
		vals[i] = `"` + jsonQuote(a) + `"`
	}
	_, err := fmt.Fprintf(rs.table, `{ "Seq": %s, "Host": "%s", "Starttime": %s, "JobRuntime": %s, "Send": %s, "Receive": %s, "Exitval": %s, "Signal": %s, "Command": "%s", "V": [ %s ], "Stdout": "%s", "Stderr": "%s" }`+"\n",
		cols[0], jsonQuote(cols[1]), cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], jsonQuote(r.Cmdline),
		strings.Join(vals, ","), jsonQuote(stdout), jsonQuote(stderr))
	return err
}

// jsonQuote escapes s for a JSON string as GNU parallel does: backslash,
// double quote, and the control characters as \u00XX; other bytes as they
// are.
func jsonQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
