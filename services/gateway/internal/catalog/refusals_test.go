package catalog

import (
	"go/ast"
	"go/types"
	"regexp"
	"sort"
	"strings"
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// refusalCodes are the codes whose message a user reads as the reason a
// change was refused (Invalid's are field violations, read elsewhere;
// NotFound and Unauthenticated have pages of their own).
var refusalCodes = map[string]bool{"FailedPrecondition": true, "Conflict": true, "AlreadyExists": true,
	"PermissionDenied": true, "Unavailable": true}

// operatorOnly are refusals no coordinator reads, with why; the scan
// must still find each (a stale entry fails), so the list stays true.
var operatorOnly = map[string]string{
	// Replays are started by an operator at mp deadletters replay, in
	// English like the rest of the stream and consumer names it prints.
	"consumer x does not take replays: start its service (a version with replay) first": "operator-only replay",
}

// TestEveryRefusalInSwedish: every refusal the services and pkg write
// with a literal message (apperr.Errorf with a refusal code, and the
// helpers that pass their format to it) reads in Swedish and English
// through ViolationText, the function the web app and mp both print a
// service's message with; a status in it is in words, never a code. A
// service's Unavailable never reaches a user (core.Public answers "a
// service is not answering" instead), so only the gateway's own count.
func TestEveryRefusalInSwedish(t *testing.T) {
	t.Parallel()
	found := map[string]string{}
	for _, root := range []string{"../../../../services", "../../../../pkg"} {
		for msg, where := range refusalsUnder(t, root) {
			found[msg] = where
		}
	}
	scanFound(t, found, 100,
		"the mentor has no free slot",
		"only a proposed pair can have its candidate replaced; this one is active",
		"only an assigned assignment can become active; this one is ended",
		"only a confirmed seating can be cancelled; this one is SEATING_STATUS_HELD",
		"the participant was changed by someone else; reload and try again")
	for msg := range operatorOnly {
		if _, ok := found[msg]; !ok {
			t.Errorf("operatorOnly lists %q, which no service writes any more", msg)
		}
	}
	msgs := make([]string, 0, len(found))
	for m := range found {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	code := regexp.MustCompile(`[A-Z]+_STATUS_|PAIR_|SEATING_|ASSIGNMENT_`)
	for _, m := range msgs {
		if operatorOnly[m] != "" {
			continue
		}
		sv, en := ViolationText("sv", m), ViolationText("en", m)
		if sv == m || sv == en {
			t.Errorf("%s: %q has no Swedish", found[m], m)
		}
		if code.MatchString(sv) || code.MatchString(en) {
			t.Errorf("%s: %q shows a code: sv %q, en %q", found[m], m, sv, en)
		}
		// The status in English words would leak into the Swedish.
		if i := strings.LastIndex(m, "; this one is "); i >= 0 {
			st := strings.ToLower(strings.TrimPrefix(m[i+len("; this one is "):], "SEATING_STATUS_"))
			if strings.Contains(sv, " "+st) {
				t.Errorf("%s: %q keeps the status %q in Swedish: %q", found[m], m, st, sv)
			}
		}
	}
}

// statuses are the words each record's refusal names its status with.
func statuses(names map[int32]string, prefix string, keepCode bool) []string {
	var out []string
	for n, s := range names {
		if n == 0 {
			continue
		}
		if keepCode {
			out = append(out, s)
		} else {
			out = append(out, strings.ToLower(strings.TrimPrefix(s, prefix)))
		}
	}
	sort.Strings(out)
	return out
}

// argSamples are the values a refusal's argument takes, by its source:
// every status, party and noun it can name, so each is tried. An argument
// not listed fails the test, which must then learn its values.
func argSamples(src, dir string) ([]string, bool) {
	switch {
	case src == "thisOneIs(a)":
		out := []string{""}
		for _, s := range statuses(eventsv1.AssignmentStatus_name, "ASSIGNMENT_STATUS_", false) {
			out = append(out, "; this one is "+s)
		}
		return out, true
	case strings.Contains(dir, "dinners") && strings.HasSuffix(src, "GetStatus()"):
		return statuses(eventsv1.SeatingStatus_name, "", true), true
	case strings.Contains(src, "Status") || src == "st":
		return statuses(eventsv1.PairStatus_name, "PAIR_STATUS_", false), true
	case src == "c.What":
		return []string{"mentor", "newcomer", "dinner"}, true
	case src == "e.Noun" || src == "noun":
		return []string{"participant", "volunteer"}, true
	case src == "party":
		return []string{"newcomer", "mentor", "guest", "host"}, true
	case strings.HasPrefix(src, "s.OfferExpires"):
		return []string{"2026-12-04T08:00:00Z"}, true
	case src == "date":
		return []string{"2026-05-09"}, true
	case src == "durable":
		return []string{"x"}, true
	case src == "maxCheckIns":
		return []string{"7"}, true
	}
	return nil, false
}

// refusalsUnder reads the non-test Go files under root and returns every
// refusal message they can write, with where. A function that hands its
// own parameter to apperr.Errorf as the format (or as "%s"'s one
// argument) is a helper, and its callers' literals are read too.
func refusalsUnder(t *testing.T, root string) map[string]string {
	t.Helper()
	fset, byDir := parseUnder(t, root)
	out := map[string]string{}
	for dir, files := range byDir {
		gateway := strings.Contains(dir, "services/gateway")
		// helpers: function name -> index of the parameter that is the
		// format, and whether it appends the assignment's status.
		helpers := map[string]int{}
		for _, f := range files {
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				params := map[string]int{}
				i := 0
				for _, fl := range fd.Type.Params.List {
					for _, n := range fl.Names {
						params[n.Name] = i
						i++
					}
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						if c, format, _ := errorfArgs(call); c != "" {
							if id, ok := format.(*ast.Ident); ok {
								if k, ok := params[id.Name]; ok {
									helpers[fd.Name.Name] = k
								}
							}
							if lit, ok := format.(*ast.BasicLit); ok && lit.Value == `"%s"` && len(call.Args) == 3 {
								if id, ok := call.Args[2].(*ast.Ident); ok {
									if k, ok := params[id.Name]; ok {
										helpers[fd.Name.Name] = k
									}
								}
							}
						}
					}
					return true
				})
			}
		}
		eachCall(files, func(call *ast.CallExpr) {
			where := fset.Position(call.Pos()).String()
			code, format, args := errorfArgs(call)
			suffix := []string{""}
			if code == "" {
				name := exprName(call.Fun)
				k, ok := helpers[name[strings.LastIndex(name, ".")+1:]]
				if !ok || k >= len(call.Args) {
					return
				}
				code, format, args = "FailedPrecondition", call.Args[k], call.Args[k+1:]
				if strings.HasSuffix(name, "refused") {
					// guides' refused appends "; this one is <status>".
					suffix, _ = argSamples("thisOneIs(a)", dir)
				}
			}
			if lit, ok := format.(*ast.BasicLit); ok && lit.Value == `"%s"` {
				return // a helper's own call: its callers are read
			}
			if !refusalCodes[code] || code == "Unavailable" && !gateway {
				return
			}
			s, ok := stringValue(format, nil)
			if !ok {
				return
			}
			for _, m := range expand(t, where, dir, s, args) {
				for _, suf := range suffix {
					out[m+suf] = where
				}
			}
		})
	}
	return out
}

// errorfArgs are the code's name, the format and the arguments of an
// apperr.Errorf call, or "".
func errorfArgs(call *ast.CallExpr) (code string, format ast.Expr, args []ast.Expr) {
	if exprName(call.Fun) != "apperr.Errorf" || len(call.Args) < 2 {
		return "", nil, nil
	}
	sel, ok := call.Args[0].(*ast.SelectorExpr)
	if !ok {
		return "", nil, nil
	}
	return sel.Sel.Name, call.Args[1], call.Args[2:]
}

// expand fills format's verbs with every sample of its arguments.
func expand(t *testing.T, where, dir, format string, args []ast.Expr) []string {
	msgs := []string{""}
	rest := format
	for i := 0; ; i++ {
		loc := verbRe.FindStringIndex(rest)
		if loc == nil {
			break
		}
		verb := rest[loc[0]:loc[1]]
		var samples []string
		switch {
		case verb == "%%":
			samples = []string{"%"}
			i--
		case i >= len(args):
			t.Errorf("%s: %q has more verbs than arguments", where, format)
			return nil
		case strings.HasSuffix(verb, "d"):
			samples = []string{"7"}
		default:
			src := types.ExprString(args[i])
			var ok bool
			if samples, ok = argSamples(src, dir); !ok {
				t.Errorf("%s: %q: no sample values for the argument %s; add them to argSamples", where, format, src)
				return nil
			}
		}
		var next []string
		for _, m := range msgs {
			for _, s := range samples {
				next = append(next, m+rest[:loc[0]]+s)
			}
		}
		msgs, rest = next, rest[loc[1]:]
	}
	for i := range msgs {
		msgs[i] += rest
	}
	return msgs
}

// TestOfferedOnlyWithRefusals: a locale is complete, and so offered in
// the web app's picker, only with the services' messages in its words
// too (ADR 0139). Swedish and English are; a locale with no refusal
// tables is not, whatever its catalogue files hold, so its coordinators
// never read English refusals inside their pages.
func TestOfferedOnlyWithRefusals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		locale string
		want   bool
	}{{"sv", true}, {"en", true}, {"ar", false}, {"uk", false}} {
		if got := hasRefusals(tt.locale); got != tt.want {
			t.Errorf("hasRefusals(%q) = %v, want %v", tt.locale, got, tt.want)
		}
	}
	for _, l := range []string{"sv", "en"} {
		if !Complete(l) {
			t.Errorf("Complete(%q) = false, want true", l)
		}
	}
}
