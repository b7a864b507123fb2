package perlexpr_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// The command template of
//
//	weft --rpl '{..} s:\.[^.]+$::;s:\.[^.]+$::;' 'tar xzf {} -C {..} && echo {= $_=uc =} {=-1 $_=seq() =}'
//
// expanded for two jobs: {} is the caller's own (native) replacement
// string, {..} a --rpl tag, and the rest perl expressions.
func Example() {
	p, err := perlexpr.NewParser(perlexpr.Syntax{
		Native: []string{"{}"},
		Rpl:    []string{`{..} s:\.[^.]+$::;s:\.[^.]+$::;`},
	})
	if err != nil {
		log.Fatal(err)
	}
	tmpl, err := p.Parse(`tar xzf {} -C {..} && echo {= $_=uc =} {=-1 $_=seq() =}`)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ev, err := perlexpr.Start(ctx, p.Exprs()) // one perl for the whole run
	if err != nil {
		log.Fatal(err) // e.g. cannot compile {= ... =}: syntax error at ...
	}
	defer ev.Close()

	for seq, arg := range []string{"my photos.tar.gz", "notes.tar.gz"} {
		args := []string{arg}
		job := perlexpr.Job{Args: args, Seq: int64(seq + 1), Slot: 1}
		res, err := ev.Eval(ctx, job, tmpl.AppendCalls(nil, len(args)))
		if err != nil {
			log.Fatal(err)
		}
		var cmd strings.Builder
		for _, s := range tmpl.Segments {
			switch s.Kind {
			case perlexpr.Literal:
				cmd.WriteString(s.Text)
			case perlexpr.Native: // {}: one argument here
				cmd.WriteString(quote(arg))
			case perlexpr.Perl:
				i := 0
				if s.Pos != 0 {
					i, _ = perlexpr.ArgIndex(s.Pos, len(args))
				}
				v, _ := res.Value(s.Expr, i)
				if v.Unquoted {
					cmd.WriteString(v.Text)
				} else {
					cmd.WriteString(quote(v.Text))
				}
			}
		}
		fmt.Println(cmd.String())
	}
	// Output:
	// tar xzf 'my photos.tar.gz' -C 'my photos' && echo 'MY PHOTOS.TAR.GZ' '1'
	// tar xzf 'notes.tar.gz' -C 'notes' && echo 'NOTES.TAR.GZ' '2'
}

// quote is a shell quote that always quotes.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }
