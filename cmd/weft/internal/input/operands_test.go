package input

import (
	"reflect"
	"testing"
)

func TestSplitOperands(t *testing.T) {
	tests := []struct {
		words   []string
		command []string
		sources []Source
		err     string
	}{
		{[]string{"echo", "{}"}, []string{"echo", "{}"}, nil, ""},
		{[]string{"echo", ":::", "a", "b"}, []string{"echo"}, []Source{{Values: []string{"a", "b"}}}, ""},
		{[]string{":::", "echo one"}, nil, []Source{{Values: []string{"echo one"}}}, ""},
		{[]string{"cat", "::::", "f1", "f2", ":::", "x"}, []string{"cat"},
			[]Source{{File: "f1", IsFile: true}, {File: "f2", IsFile: true}, {Values: []string{"x"}}}, ""},
		{[]string{"echo", ":::"}, []string{"echo"}, []Source{{}}, ""},
		{[]string{"echo", "::::"}, nil, nil, ":::: needs at least one file"},
		{[]string{"echo", ":::", "a", ":::+", "1", "::::+", "f"}, []string{"echo"},
			[]Source{{Values: []string{"a"}}, {Values: []string{"1"}, Linked: true}, {File: "f", IsFile: true, Linked: true}}, ""},
		{[]string{"echo", ":::+", "a"}, nil, nil, ":::+ links to the input source before it, and there is none (use ::: first)"},
		{[]string{"echo", "::::+"}, nil, nil, "::::+ links to the input source before it, and there is none (use :::: first)"},
	}
	for _, tt := range tests {
		command, sources, err := SplitOperands(tt.words, ArgSep, ArgFileSep)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: got error %v; want %q", tt.words, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(command, tt.command) || !reflect.DeepEqual(sources, tt.sources) {
			t.Errorf("%q: got %q, %+v, %v; want %q, %+v", tt.words, command, sources, err, tt.command, tt.sources)
		}
	}
}

// TestSplitOperandsWithOtherSeparators: with --arg-sep and --arg-file-sep,
// ::: is a word like any other.
func TestSplitOperandsWithOtherSeparators(t *testing.T) {
	command, sources, err := SplitOperands([]string{"echo", ":::", ",,", "a", ":::", ",,+", "1", "2", "%%", "f"}, ",,", "%%")
	want := []Source{{Values: []string{"a", ":::"}}, {Values: []string{"1", "2"}, Linked: true}, {File: "f", IsFile: true}}
	if err != nil || !reflect.DeepEqual(command, []string{"echo", ":::"}) || !reflect.DeepEqual(sources, want) {
		t.Errorf("got %q, %+v, %v; want [echo :::], %+v", command, sources, err, want)
	}
}
