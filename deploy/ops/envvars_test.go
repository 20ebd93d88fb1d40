package ops_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/service"
)

// varName is what an environment variable of ours looks like.
var varName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// ambient are variables the code reads that are the platform's, not
// Mötesplats's configuration: the README does not list them.
var ambient = map[string]string{
	"HOME":            "mp's configuration directory, and make up hands it to its processes",
	"XDG_CONFIG_HOME": "mp's configuration directory",
	"PATH":            "make up hands it to its processes",
	"TMPDIR":          "make up hands it to its processes",
}

// computed says, for each function that reads a variable whose name is
// not a constant in the source, which names it reads: the scan cannot
// see them, so each is worked out from the code's own tables or by
// calling the function with a getenv that records what it is asked.
// A new such read fails TestEveryVariableDocumented until it is here.
func computed(t *testing.T, prefixes []string) map[string]func() []string {
	known := func() []string {
		var out []string
		for _, s := range service.Known() {
			out = append(out, s.Env)
		}
		return out
	}
	return map[string]func() []string{
		// <NAME>_ADDR of every process service.Main runs, the gateway too.
		"pkg/service/service.go ConfigFromEnv": func() []string { return append(known(), "GATEWAY_ADDR") },
		"pkg/service/kit.go ProgrammeOptionsFromEnv": func() []string {
			var out []string
			for _, p := range prefixes {
				out = append(out, recorded(func(g func(string) string) { _, _ = service.ProgrammeOptionsFromEnv(p, g) })...)
			}
			return out
		},
		"deploy/ops/layout/ports.go PortsFromEnv": func() []string {
			return recorded(func(g func(string) string) { _, _ = layout.PortsFromEnv(g) })
		},
		// A TLS file's refusal names the variable of the file that failed.
		"pkg/service/natstls.go natsTLSFrom": func() []string {
			return []string{service.NATSCAFileEnv, service.NATSCertFileEnv, service.NATSKeyFileEnv}
		},
		// PATH, HOME and TMPDIR for make up's processes (ambient).
		"deploy/ops/layout/layout.go environ": func() []string { return nil },
		// The caller's OTEL_EXPORTER_OTLP_ENDPOINT, LOG_LEVEL and first
		// admin, handed on to the services, which read them themselves.
		"deploy/ops/cmd/up/main.go run": func() []string { return nil },
		// The *_ADDR the caller moved, repeated in the seed line make up
		// prints.
		"deploy/ops/cmd/up/main.go movedAddrs": func() []string { return append(known(), "GATEWAY_ADDR") },
	}
}

// recorded is every variable f asks its getenv for.
func recorded(f func(getenv func(string) string)) []string {
	seen := map[string]bool{}
	f(func(k string) string { seen[k] = true; return "" })
	return slices.Sorted(maps.Keys(seen))
}

// getenvNames are getenv as passed around, os.Getenv and os.LookupEnv.
var getenvNames = map[string]bool{"getenv": true, "Getenv": true, "LookupEnv": true}

// envReceivers are the names that hold an envvar.Env in fn: a parameter
// of type *envvar.Env, or a variable set from envvar.New.
func envReceivers(fn *ast.FuncDecl) map[string]bool {
	out := map[string]bool{}
	for _, p := range fn.Type.Params.List {
		if st, ok := p.Type.(*ast.StarExpr); ok {
			if sel, ok := st.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Env" {
				for _, n := range p.Names {
					out[n.Name] = true
				}
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, r := range as.Rhs {
				if c, ok := r.(*ast.CallExpr); ok {
					if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "New" {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == "envvar" {
							if id, ok := as.Lhs[i].(*ast.Ident); ok {
								out[id.Name] = true
							}
						}
					}
				}
			}
		}
		return true
	})
	return out
}

// readers are the functions and methods whose first argument is the name
// of a variable they read: getenv as passed around, os.Getenv and
// LookupEnv, and every method of envvar.Env.
func readers() map[string]bool {
	r := maps.Clone(getenvNames)
	typ := reflect.TypeOf(&envvar.Env{})
	for i := range typ.NumMethod() {
		r[typ.Method(i).Name] = true
	}
	return r
}

// codeVars scans every Go file (not tests, not generated code) of pkg,
// services and deploy/ops for the environment variables it reads, with
// go/ast: the first argument of a call to a reader, a string constant
// (literal, named constant or a sum of them), or, when computed, the
// names computed() gives for the enclosing function. pkg/envvar (the
// reader itself) and pkg/testutil (test harness switches) are left out.
func codeVars(t *testing.T) map[string][]string {
	t.Helper()
	type file struct {
		rel string
		f   *ast.File
	}
	var files []file
	fset := token.NewFileSet()
	for _, dir := range []string{"pkg", "services", "deploy/ops"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() && (rel == "pkg/envvar" || rel == "pkg/testutil" || rel == "pkg/gen" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, file{rel, f})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// String constants, package-level or local, by directory and name;
	// a qualified one (service.MetricsEnv) by name alone.
	consts, named := map[string]string{}, map[string]string{}
	for _, f := range files {
		ast.Inspect(f.f, func(n ast.Node) bool {
			g, ok := n.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				return true
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							consts[filepath.Dir(f.rel)+" "+n.Name], named[n.Name] = s, s
						}
					}
				}
			}
			return true
		})
	}
	var constant func(dir string, e ast.Expr) (string, bool)
	constant = func(dir string, e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			return s, err == nil && e.Kind == token.STRING
		case *ast.Ident:
			s, ok := consts[dir+" "+e.Name]
			return s, ok
		case *ast.SelectorExpr:
			s, ok := named[e.Sel.Name]
			return s, ok
		case *ast.BinaryExpr:
			a, ok1 := constant(dir, e.X)
			b, ok2 := constant(dir, e.Y)
			return a + b, ok1 && ok2 && e.Op == token.ADD
		}
		return "", false
	}
	rd := readers()
	vars := map[string][]string{}
	add := func(name, where string) {
		if !slices.Contains(vars[name], where) {
			vars[name] = append(vars[name], where)
		}
	}
	var prefixes []string
	sites := map[string]bool{}
	for _, f := range files {
		for _, decl := range f.f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			site, dir := f.rel+" "+fn.Name.Name, filepath.Dir(f.rel)
			envs := envReceivers(fn)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				var callee string
				switch fun := call.Fun.(type) {
				case *ast.Ident:
					callee = fun.Name
				case *ast.SelectorExpr:
					callee = fun.Sel.Name
					// A method of envvar.Env counts on an Env only: Addr,
					// Int or URL are common names.
					if p, ok := constant(dir, call.Args[0]); ok && callee == "ProgrammeOptionsFromEnv" {
						prefixes = append(prefixes, p)
					}
					if x, ok := fun.X.(*ast.Ident); ok && !envs[x.Name] && !getenvNames[callee] {
						return true
					}
				}
				if !rd[callee] {
					return true
				}
				if s, ok := constant(dir, call.Args[0]); ok {
					if varName.MatchString(s) {
						add(s, f.rel)
					}
					return true
				}
				if sel, ok := call.Args[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Env" {
					for _, s := range service.Known() { // an Info's Env
						add(s.Env, f.rel)
					}
					return true
				}
				sites[site] = true
				return true
			})
		}
	}
	comp := computed(t, prefixes)
	for site := range sites {
		names, ok := comp[site]
		if !ok {
			t.Errorf("%s reads a variable whose name the scan cannot see: add it to computed() in deploy/ops/envvars_test.go", site)
			continue
		}
		for _, n := range names() {
			add(n, strings.Fields(site)[0])
		}
	}
	for site := range comp {
		if !sites[site] {
			t.Errorf("computed() names %s, which reads no computed variable any more: remove it", site)
		}
	}
	if len(prefixes) < 3 {
		t.Errorf("programme prefixes %v: want mentoring's, dinners' and guides'", prefixes)
	}
	return vars
}

// readmeVars are the variables named in the first column of the README's
// Configuration table, each with its row.
func readmeVars(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no Configuration section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	out := map[string]string{}
	tick := regexp.MustCompile("`([^`]+)`")
	for line := range strings.SplitSeq(sec, "\n") {
		cols := strings.Split(line, "|")
		if !strings.HasPrefix(line, "| `") || len(cols) < 3 {
			continue
		}
		for _, m := range tick.FindAllStringSubmatch(cols[1], -1) {
			if varName.MatchString(m[1]) {
				out[m[1]] = line
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("README Configuration table: only %d variables found", len(out))
	}
	return out
}

// TestEveryVariableDocumented: every variable a binary reads is a row of
// the README's Configuration table, and every variable the table names
// is read by some code (ADR 0186). The compose file and the manifests are
// checked against the same scan (TestCompose, TestKustomize).
func TestEveryVariableDocumented(t *testing.T) {
	t.Parallel()
	code, doc := codeVars(t), readmeVars(t)
	for _, name := range slices.Sorted(maps.Keys(code)) {
		if _, ok := doc[name]; !ok && ambient[name] == "" {
			t.Errorf("%s is read by %v but is not in the README's Configuration table", name, code[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc)) {
		if _, ok := code[name]; !ok {
			t.Errorf("README Configuration names %s, which no code reads", name)
		}
	}
}
