package cmdline

import (
	"slices"
	"testing"
)

// TestNameColumn: --header's names become positions in each word, with
// GNU parallel's modifiers only; the name is a regexp, as in GNU parallel.
func TestNameColumn(t *testing.T) {
	tests := []struct {
		words        []string
		name, parens string
		want         []string
	}{
		{[]string{"echo", "{f1}", "{f1.}{f1/}", "{f1//}", "{f1/.}"}, "f1", "", []string{"echo", "{2}", "{2.}{2/}", "{2//}", "{2/.}"}},
		{[]string{"echo", "{f1..}", "{f10}", "{f}"}, "f1", "", []string{"echo", "{f1..}", "{f10}", "{f}"}},
		{[]string{"{=f1 s/a/b/ =}", "{=f1", "=}"}, "f1", "", []string{"{=2 s/a/b/ =}", "{=f1", "=}"}},
		{[]string{",,f1 $_.=1 ,,"}, "f1", ",,,,", []string{",,2 $_.=1 ,,"}},
		{[]string{"{x.y}", "{xzy}"}, "x.y", "", []string{"{2}", "{2}"}},
		{[]string{"{a b}"}, "a b", "", []string{"{2}"}},
	}
	for _, tt := range tests {
		got, err := NameColumn(tt.words, tt.name, 2, tt.parens)
		if err != nil {
			t.Errorf("%q: %v", tt.name, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("NameColumn(%q, %q) = %q; want %q", tt.words, tt.name, got, tt.want)
		}
	}
	if _, err := NameColumn([]string{"{a(}"}, "a(", 1, ""); err == nil {
		t.Error("a name that is no regexp: no error")
	}
}
