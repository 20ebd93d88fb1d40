package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestEveryGatewayViolationInSwedish: every field violation the gateway
// itself writes (its own checks, the bounds on requests, the JSON API's
// refusal of unknown names and values of ADR 0118) has Swedish words in
// ViolationText, so a Swedish user reads words, not the API's English.
// The descriptions are read from the gateway's source, so a new check
// without Swedish fails here; one with a number in it is tried with 7.
func TestEveryGatewayViolationInSwedish(t *testing.T) {
	t.Parallel()
	found := gatewayViolations(t, "../..")
	// The scan itself: it finds the JSON API's two and the bounds' cap,
	// and many more, or it reads nothing and proves nothing.
	scanFound(t, found, 30,
		"is not a field of this request; check its spelling and where it belongs",
		"is not a value this field has; use one of the names the API defines",
		"lists 7 entries; at most 7 are allowed")
	descs := make([]string, 0, len(found))
	for d := range found {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, d := range descs {
		for _, locale := range violationLocales() {
			if got := ViolationText(locale, d); got == d {
				t.Errorf("%s: %q has no %s text", found[d], d, locale)
			}
		}
	}
}

// TestEveryServiceViolationInSwedish: every field violation a service or
// a shared package writes has Swedish words too, as the gateway's own do:
// the web app shows one that no form maps to its field, and mp prints it.
// The volunteer form said "Födelseår: must be between 1900 and 2010
// (volunteers are at least 16), or 0 when not given" on a Swedish page,
// and 46 more were English only (outside round s29).
func TestEveryServiceViolationInSwedish(t *testing.T) {
	t.Parallel()
	found := map[string]string{}
	for _, root := range []string{"../../../../services", "../../../../pkg"} {
		descs, _ := violationsUnder(t, root)
		for d, where := range descs {
			found[d] = where
		}
	}
	scanFound(t, found, 150,
		"must be between 7 and 7 (volunteers are at least 7), or 0 when not given",
		"is not a member of the party",
		"must list at most 7 consents, one per purpose")
	descs := make([]string, 0, len(found))
	for d := range found {
		descs = append(descs, d)
	}
	sort.Strings(descs)
	for _, d := range descs {
		if got := ViolationText("sv", d); got == d {
			t.Errorf("%s: %q has no Swedish text", found[d], d)
		}
	}
	if got, want := ViolationText("sv", "must be between 1900 and 2010 (volunteers are at least 16), or 0 when not given"),
		"måste vara mellan 1900 och 2010 (volontärer är minst 16 år), eller 0 om det inte anges"; got != want {
		t.Errorf("the volunteer's birth year: %q, want %q", got, want)
	}
}

// TestViolationTextPatterns: the descriptions with a value in them keep
// the value in their Swedish words.
func TestViolationTextPatterns(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"user.email" cannot be changed`: `"user.email" kan inte ändras`,
		"is not a published version of the mentoring consent text (published: 2026-01, 2026-12)": "är ingen publicerad version av programmets samtyckestext (publicerade: 2026-01, 2026-12)",
		"must be between 1 and 500 (0 means 50)":                                                 "måste vara mellan 1 och 500 (0 betyder 50)",
		"1280 is not one of the organisation's municipalities (0180, 0880)":                      "Malmö är inte en av organisationens kommuner (Stockholm, Kalmar)",
	} {
		if got := ViolationText("sv", in); got != want {
			t.Errorf("%q in Swedish: %q, want %q", in, got, want)
		}
	}
}

// violationLocales are the locales with a table of violation texts:
// every one must word every violation (English is the services' own).
func violationLocales() []string {
	out := make([]string, 0, len(violationText))
	for l := range violationText {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// gatewayViolations reads the non-test Go files under root and returns
// each field violation description they write, with where: the second
// argument of a Validator's Add (on v, val or w.v), the third of its
// Check, and the second of apperr.FieldError. A description that is the
// catalogue's (p.t(...)) or a variable is passed over; a constant is
// looked up in its package, fmt.Sprintf filled with 7, "x" (quoted) and
// 0180, and a string joined to something else ends with "x".
func gatewayViolations(t *testing.T, root string) map[string]string {
	t.Helper()
	descs, _ := violationsUnder(t, root)
	return descs
}

// violationsUnder is gatewayViolations' reading of the sources under
// root, with the field names beside the descriptions: each field a
// violation names as a string the source spells (a constant, not a
// variable), with where.
func violationsUnder(t *testing.T, root string) (descs, fields map[string]string) {
	t.Helper()
	fset, byDir := parseUnder(t, root)
	helpers := violationHelpers(t)
	descs, fields = map[string]string{}, map[string]string{}
	for dir, files := range byDir {
		consts := map[string]string{}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok {
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							if s, ok := stringValue(vs.Values[i], nil); ok {
								consts[name.Name] = s
							}
						}
					}
				}
				return true
			})
		}
		named := validatorNames(files)
		eachCall(files, func(call *ast.CallExpr) {
			if _, desc := violationArgs(call, named); desc != nil {
				if s, ok := stringValue(desc, consts); ok && s != "" {
					descs[s] = fset.Position(call.Pos()).String()
				}
			}
			if k, ok := helpers.arg(call, dir); ok && k < len(call.Args) {
				if s, ok := stringValue(call.Args[k], consts); ok && s != "" {
					descs[s] = fset.Position(call.Pos()).String()
				}
			}
			// A part's own Validator names its fields relative to the
			// part ("seen" under "volunteer.background_check"), so only
			// the top-level validators' fields are whole names.
			if field, desc := violationArgs(call, nil); desc != nil {
				if lit, ok := field.(*ast.BasicLit); ok {
					if s, ok := stringValue(lit, nil); ok && s != "" {
						fields[s] = fset.Position(call.Pos()).String()
					}
				}
			}
		})
	}
	return descs, fields
}

// helperFuncs are the functions that hand a parameter of theirs to a
// field violation as its description, with the parameter's index: their
// callers' literals are violations too. The scan read only literals at
// Add and FieldError, and missed mentoring's invalid("reason", "is
// required: a reject reason") and people.Identity's orgMissing, which
// reached coordinators in English (TestGatewayGenerated, ADR 0213).
type helperFuncs struct {
	local     map[string]map[string]int // dir -> function -> index, for calls in the package
	qualified map[string]int            // "people.Identity" -> index, for calls from others
}

// arg is the index of the description among call's arguments when call
// is to a helper, called from a file in dir.
func (h helperFuncs) arg(call *ast.CallExpr, dir string) (int, bool) {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		k, ok := h.local[dir][fn.Name]
		return k, ok
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok {
			k, ok := h.qualified[x.Name+"."+fn.Sel.Name]
			return k, ok
		}
	}
	return 0, false
}

var (
	helpersOnce sync.Mutex
	helpersMemo *helperFuncs
)

// violationHelpers finds the helperFuncs of services and pkg, once.
func violationHelpers(t *testing.T) helperFuncs {
	t.Helper()
	helpersOnce.Lock()
	defer helpersOnce.Unlock()
	if helpersMemo != nil {
		return *helpersMemo
	}
	h := helperFuncs{local: map[string]map[string]int{}, qualified: map[string]int{}}
	for _, root := range []string{"../../../../services", "../../../../pkg"} {
		_, byDir := parseUnder(t, root)
		for dir, files := range byDir {
			named := validatorNames(files)
			for _, f := range files {
				for _, decl := range f.Decls {
					fd, ok := decl.(*ast.FuncDecl)
					if !ok || fd.Body == nil || fd.Recv != nil {
						continue
					}
					params, i := map[string]int{}, 0
					for _, fl := range fd.Type.Params.List {
						for _, n := range fl.Names {
							params[n.Name] = i
							i++
						}
					}
					ast.Inspect(fd.Body, func(n ast.Node) bool {
						call, ok := n.(*ast.CallExpr)
						if !ok {
							return true
						}
						_, desc := violationArgs(call, named)
						id, ok := desc.(*ast.Ident)
						if !ok {
							return true
						}
						if k, isParam := params[id.Name]; isParam {
							if h.local[dir] == nil {
								h.local[dir] = map[string]int{}
							}
							h.local[dir][fd.Name.Name] = k
							h.qualified[f.Name.Name+"."+fd.Name.Name] = k
						}
						return true
					})
				}
			}
		}
	}
	helpersMemo = &h
	return h
}

// eachCall runs f on every call in files.
func eachCall(files []*ast.File, f func(*ast.CallExpr)) {
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				f(call)
			}
			return true
		})
	}
}

// scanFound fails the test unless a scan of the source found each of
// want and at least least messages: a scan that reads nothing proves
// nothing.
func scanFound(t *testing.T, found map[string]string, least int, want ...string) {
	t.Helper()
	for _, w := range want {
		if _, ok := found[w]; !ok {
			t.Errorf("the scan did not find %q", w)
		}
	}
	if len(found) < least {
		t.Fatalf("the scan found %d messages, want %d or more", len(found), least)
	}
}

// parseUnder parses the non-test Go files under root (not testdata nor
// generated code under gen/), by directory: a package's files together,
// so its constants can be looked up.
func parseUnder(t *testing.T, root string) (*token.FileSet, map[string][]*ast.File) {
	t.Helper()
	byDir := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "gen") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		byDir[filepath.Dir(path)] = append(byDir[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, byDir
}

// violationArgs are the field and description arguments of a call that
// writes a field violation, or nils.
func violationArgs(call *ast.CallExpr, named map[string]bool) (field, desc ast.Expr) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, nil
	}
	recv := exprName(sel.X)
	switch {
	case sel.Sel.Name == "FieldError" && recv == "apperr" && len(call.Args) == 2:
		return call.Args[0], call.Args[1]
	case sel.Sel.Name == "Add" && len(call.Args) == 2 && (recv == "v" || recv == "val" || named[recv] || strings.HasSuffix(recv, ".v")):
		return call.Args[0], call.Args[1]
	case sel.Sel.Name == "Check" && len(call.Args) == 3 && (recv == "v" || recv == "val" || named[recv] || strings.HasSuffix(recv, ".v")):
		return call.Args[1], call.Args[2]
	}
	return nil, nil
}

// validatorNames are the names files declare as an apperr.Validator (a
// var or a parameter, pointer or not): a part checked into its own
// Validator (Under, Nest; ADR 0167) adds its violations through a name
// like e or sub, which the scan must read as it reads v.
func validatorNames(files []*ast.File) map[string]bool {
	isValidator := func(t ast.Expr) bool {
		if st, ok := t.(*ast.StarExpr); ok {
			t = st.X
		}
		return exprName(t) == "apperr.Validator"
	}
	named := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if n.Type != nil && isValidator(n.Type) {
					for _, id := range n.Names {
						named[id.Name] = true
					}
				}
			case *ast.Field:
				if isValidator(n.Type) {
					for _, id := range n.Names {
						named[id.Name] = true
					}
				}
			}
			return true
		})
	}
	return named
}

// exprName spells an identifier or a chain of selectors: w.v.
func exprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprName(e.X) + "." + e.Sel.Name
	}
	return ""
}

// verbRe finds the verbs of a format string.
var verbRe = regexp.MustCompile(`%[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)

// stringValue is the text e stands for as a violation's description, as
// far as the source says it: false for one the test cannot know.
func stringValue(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		l, ok := stringValue(e.X, consts)
		if !ok {
			return "", false
		}
		if r, ok := stringValue(e.Y, consts); ok {
			return l + r, true
		}
		return l + "x", true
	case *ast.CallExpr:
		if exprName(e.Fun) != "fmt.Sprintf" || len(e.Args) == 0 {
			return "", false
		}
		format, ok := stringValue(e.Args[0], consts)
		if !ok {
			return "", false
		}
		return verbRe.ReplaceAllStringFunc(format, func(v string) string {
			switch v[len(v)-1] {
			case 'd':
				return "7"
			case 'q':
				return `"x"`
			}
			// The one text the gateway formats into a description is a
			// municipality code.
			return "0180"
		}), true
	}
	return "", false
}

// TestJobIDRefusalInSwedish: the three programmes refuse an empty or
// malformed job id in the same words (jobs.CheckID, ADR 0180), so mp and
// the web app say the same Swedish sentence whichever programme's job
// was asked for: "Jobbets id: måste fyllas i" where guides said "måste
// anges: ett giltigt id" and the others "är inget giltigt id" for an
// empty id.
func TestJobIDRefusalInSwedish(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ desc, want string }{
		{"is required", "Jobbets id: måste fyllas i"},
		{"is not an id", "Jobbets id: är inget giltigt id"},
	} {
		if got := FieldLabel("sv", "job_id") + ": " + ViolationText("sv", c.desc); got != c.want {
			t.Errorf("%q: got %q, want %q", c.desc, got, c.want)
		}
	}
}

// TestOrganisationMunicipalitiesByName: the users page's refusal of a
// coordinator's municipality the organisation does not serve named them
// by code, "1480 är inte en av organisationens kommuner (0180, 0380)",
// though the admin had typed "Göteborg" into a field that asks for
// names (outside round s37, ADR 0205). It names them as the field does,
// in Swedish and in English; a code no municipality has stays a code.
func TestOrganisationMunicipalitiesByName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ locale, in, want string }{
		{"sv", "1480 is not one of the organisation's municipalities (0180, 0380)", "Göteborg är inte en av organisationens kommuner (Stockholm, Uppsala)"},
		{"en", "1480 is not one of the organisation's municipalities (0180, 0380)", "Göteborg is not one of the organisation's municipalities (Stockholm, Uppsala)"},
		{"sv", "9999 is not one of the organisation's municipalities (0880)", "9999 är inte en av organisationens kommuner (Kalmar)"},
	} {
		if got := ViolationText(c.locale, c.in); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.locale, c.in, got, c.want)
		}
	}
}
