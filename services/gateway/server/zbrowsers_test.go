package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// browserTests are the tests that drive headless Chromium, run one after
// another by TestBrowsers under their former top-level names
// (go test -run 'TestBrowsers/TestCoordinatorWalk').
var browserTests = []struct {
	name string
	run  func(*testing.T)
}{
	{"TestCoordinatorWalk", testCoordinatorWalk},
	{"TestDinnerPagesBrowser", testDinnerPagesBrowser},
	{"TestHeldDinnerBrowser", testHeldDinnerBrowser},
	{"TestPersonDinnersBrowser", testPersonDinnersBrowser},
	{"TestPersonProgrammesBrowser", testPersonProgrammesBrowser},
	{"TestEndToEndBrowser", testEndToEndBrowser},
	{"TestNumberColumnsInOneRow", testNumberColumnsInOneRow},
	{"TestGuidePagesAccessible", testGuidePagesAccessible},
	{"TestDeadLetterPagesBrowser", testDeadLetterPagesBrowser},
	{"TestConsentTextBrowser", testConsentTextBrowser},
	{"TestAuditOnAPhone", testAuditOnAPhone},
	{"TestAnswerPageBrowser", testAnswerPageBrowser},
	{"TestMailboxOnAPhone", testMailboxOnAPhone},
	{"TestConsentFormOnAPhone", testConsentFormOnAPhone},
	{"TestAnswerPageUnconfiguredBrowser", testAnswerPageUnconfiguredBrowser},
	{"TestPagesNoOtherBrowserTestOpens", testPagesNoOtherBrowserTestOpens},
	{"TestDinnerFormsRefuseInWords", testDinnerFormsRefuseInWords},
	{"TestSignInGoesBackBrowser", testSignInGoesBackBrowser},
	{"TestAnswerPagesEveryLanguageBrowser", testAnswerPagesEveryLanguageBrowser},
	{"TestSignInGoesBackToTheListPageBrowser", testSignInGoesBackToTheListPageBrowser},
	{"TestProgrammeAnswersEveryLanguageBrowser", testProgrammeAnswersEveryLanguageBrowser},
	{"TestExpiredRowActionBrowser", testExpiredRowActionBrowser},
	{"TestNamesakeListsOnAPhone", testNamesakeListsOnAPhone},
	{"TestFocusAfterActionBrowser", testFocusAfterActionBrowser},
	{"TestFocusAfterRowActionBrowser", testFocusAfterRowActionBrowser},
	{"TestCoordinatorWeekOnAPhone", testCoordinatorWeekOnAPhone},
}

// TestBrowserTestsInTheLane fails for a top-level test of this package
// that opens Chromium (calls openTab, or a function that does): it
// belongs in browserTests, or it runs alone before every parallel test,
// or beside another Chromium.
func TestBrowserTestsInTheLane(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) < 20 {
		t.Fatalf("test files: %v %v", files, err)
	}
	// calls holds the functions each function of the package calls by name.
	calls, where := map[string]map[string]bool{}, map[string]string{}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv != nil {
				continue
			}
			called := map[string]bool{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok {
						called[id.Name] = true
					}
				}
				return true
			})
			calls[fd.Name.Name], where[fd.Name.Name] = called, f
		}
	}
	opens := map[string]bool{"openTab": true}
	for grew := true; grew; {
		grew = false
		for fn, called := range calls {
			for c := range called {
				if opens[c] && !opens[fn] {
					opens[fn], grew = true, true
				}
			}
		}
	}
	for _, bt := range browserTests {
		if fn := "t" + strings.TrimPrefix(bt.name, "T"); !opens[fn] {
			t.Errorf("%s is in browserTests but %s opens no Chromium", bt.name, fn)
		}
	}
	for fn := range opens {
		if strings.HasPrefix(fn, "Test") {
			t.Errorf("%s (%s) opens Chromium as a top-level test: add it to browserTests as t%s", fn, where[fn], fn[1:])
		}
	}
}

// TestBrowsers runs the browser tests one after another, one Chromium at
// a time as before, in one parallel slot beside the other tests (ADR
// 0163). As top-level tests that were not parallel they ran first and
// alone, 4-10 minutes in which the package used about one core of two:
// the browser and the stack take turns. Go starts parallel tests in no
// fixed order, and declaring this one last did not make it start first:
// in session 39 it started 334 s into the package, after 76 other tests,
// and ended last. So `make test` runs it as a go test of its own beside the
// other packages (-run '^TestBrowsers$'), and this package's with -skip (ADR
// 0216). The longest go first.
func TestBrowsers(t *testing.T) {
	t.Parallel()
	for _, bt := range browserTests {
		t.Run(bt.name, bt.run)
	}
}
