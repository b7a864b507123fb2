package cmdline

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// NameColumn rewrites the words of a command for GNU parallel's --header,
// for one named column: {NAME} becomes {POS}, with the modifiers {NAME.}
// {NAME/} {NAME//} {NAME/.}, and a perl expression {=NAME code =} (as
// parens spells it) becomes {=POS code =}. Each word is rewritten on its
// own, and NAME is a regexp, as in GNU parallel 20221122; a NAME that is
// not one weft reads is an error that names it.
func NameColumn(words []string, name string, pos int, parens string) ([]string, error) {
	plain, err := regexp.Compile(`\{` + name + `(|/|//|\.|/\.)\}`)
	if err != nil {
		return nil, fmt.Errorf("--header: the column name %q is a regexp to GNU parallel, and not one weft reads (%v): rename the column", name, err)
	}
	left, right, err := perlexpr.ParseParens(parens)
	if err != nil {
		return nil, err
	}
	expr, err := regexp.Compile(regexp.QuoteMeta(left) + perlexpr.XRegexp(name) + `(.*?)` + regexp.QuoteMeta(right))
	if err != nil {
		return nil, fmt.Errorf("--header: the column name %q is a regexp to GNU parallel, and not one weft reads (%v): rename the column", name, err)
	}
	p := strconv.Itoa(pos)
	dollar := func(s string) string { return strings.ReplaceAll(s, "$", "$$") }
	out := make([]string, len(words))
	for i, w := range words {
		w = plain.ReplaceAllString(w, "{"+p+"${1}}")
		out[i] = expr.ReplaceAllString(w, dollar(left)+p+"${1}"+dollar(right))
	}
	return out, nil
}
