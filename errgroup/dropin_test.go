package errgroup_test

import (
	"encoding/json"
	"go/importer"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	xsyncPath = "golang.org/x/sync/errgroup"
	weftPath  = "github.com/weft-dev/weft/errgroup"
)

// TestDropIn builds testdata/dropin, a program written against x/sync's
// errgroup that uses every name it exports, first as it is and then with
// only its import path changed to weft's, with go vet and go run, and
// expects the two programs to print the same thing.
func TestDropIn(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build testdata/dropin: %v", err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "dropin", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	converted := strings.Replace(string(orig), `"`+xsyncPath+`"`, `"`+weftPath+`"`, 1)
	if diff := changedLines(string(orig), converted); len(diff) != 1 {
		t.Fatalf("converting the import changed %d lines (%q); want exactly the import line", len(diff), diff)
	}

	// The converted file replaces the original through an overlay, so
	// that it builds as the same package of the same module.
	dir := t.TempDir()
	conv := filepath.Join(dir, "main.go")
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(conv, []byte(converted), 0o644); err != nil {
		t.Fatal(err)
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {src: conv}})
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(goTool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Logf("comparing against %s", strings.TrimSpace(run("list", "-m", "golang.org/x/sync")))
	run("vet", "./testdata/dropin")
	run("vet", "-overlay", overlay, "./testdata/dropin")
	want := run("run", "./testdata/dropin")
	got := run("run", "-overlay", overlay, "./testdata/dropin")
	if got != want || !strings.Contains(want, "first error: not found true") {
		t.Errorf("the program prints, with weft's errgroup:\n%s\nwith x/sync's:\n%s", got, want)
	}
}

func changedLines(a, b string) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(al) != len(bl) {
		return []string{"(line count changed)"}
	}
	var diff []string
	for i := range al {
		if al[i] != bl[i] {
			diff = append(diff, bl[i])
		}
	}
	return diff
}

// TestSameExportedAPI type-checks both packages from source and compares
// every exported name: its kind, its type with parameter names left out,
// and the method sets of exported types, pointer and value. It fails if
// weft's errgroup lacks a name, adds one, or differs in a signature.
func TestSameExportedAPI(t *testing.T) {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil).(types.ImporterFrom)
	api := func(path string) []string {
		pkg, err := imp.ImportFrom(path, ".", 0)
		if err != nil {
			t.Fatalf("type-checking %s: %v", path, err)
		}
		q := types.RelativeTo(pkg)
		var out []string
		for _, name := range pkg.Scope().Names() {
			obj := pkg.Scope().Lookup(name)
			if !obj.Exported() {
				continue
			}
			switch obj := obj.(type) {
			case *types.TypeName:
				out = append(out, "type "+name+" "+kind(obj.Type().Underlying()))
				if st, ok := obj.Type().Underlying().(*types.Struct); ok {
					for f := range st.Fields() {
						if f.Exported() {
							out = append(out, "field "+name+"."+f.Name()+" "+types.TypeString(f.Type(), q))
						}
					}
				}
				for _, recv := range []types.Type{obj.Type(), types.NewPointer(obj.Type())} {
					ms := types.NewMethodSet(recv)
					for sel := range ms.Methods() {
						if sel.Obj().Exported() {
							out = append(out, "method ("+types.TypeString(recv, q)+") "+sel.Obj().Name()+
								signature(sel.Obj().Type().(*types.Signature), q))
						}
					}
				}
			case *types.Func:
				out = append(out, "func "+name+signature(obj.Type().(*types.Signature), q))
			default:
				out = append(out, typeName(obj)+" "+name+" "+types.TypeString(obj.Type(), q))
			}
		}
		slices.Sort(out)
		return out
	}
	want, got := api(xsyncPath), api(weftPath)
	if !slices.Equal(got, want) {
		t.Errorf("exported API differs:\nweft:\n  %s\nx/sync:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(want) < 6 {
		t.Errorf("x/sync's exported API has %d entries: %q; the comparison found too little", len(want), want)
	}
}

// signature prints a function's parameter and result types without their
// names.
func signature(sig *types.Signature, q types.Qualifier) string {
	list := func(tup *types.Tuple, variadic bool) string {
		var parts []string
		for i := range tup.Len() {
			s := types.TypeString(tup.At(i).Type(), q)
			if variadic && i == tup.Len()-1 {
				s = "..." + strings.TrimPrefix(s, "[]")
			}
			parts = append(parts, s)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return list(sig.Params(), sig.Variadic()) + " " + list(sig.Results(), false)
}

func kind(t types.Type) string {
	switch t.(type) {
	case *types.Struct:
		return "struct"
	case *types.Interface:
		return "interface"
	default:
		return t.String()
	}
}

func typeName(obj types.Object) string {
	switch obj.(type) {
	case *types.Var:
		return "var"
	case *types.Const:
		return "const"
	default:
		return "object"
	}
}
