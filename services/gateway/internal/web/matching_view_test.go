package web

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestMatchingTemplateReadsNoProtos: nothing the /matching template reads
// is, or holds, a protobuf message (ADR 0069: the template spent most of
// its time in reflection over generated fields). The page's data, the job
// fragment and the proposal row are walked field by field.
func TestMatchingTemplateReadsNoProtos(t *testing.T) {
	t.Parallel()
	msg := reflect.TypeFor[proto.Message]()
	seen := map[reflect.Type]bool{}
	var walk func(path string, ty reflect.Type)
	walk = func(path string, ty reflect.Type) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		if ty.Implements(msg) || reflect.PointerTo(ty).Implements(msg) {
			t.Errorf("%s is a protobuf message (%v)", path, ty)
			return
		}
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			walk(path+"[]", ty.Elem())
		case reflect.Struct:
			for f := range ty.Fields() {
				if f.IsExported() || f.Anonymous {
					walk(path+"."+f.Name, f.Type)
				}
			}
		case reflect.Interface:
			t.Errorf("%s is an interface (%v): the template could be handed anything", path, ty)
		}
	}
	walk("matchingData", reflect.TypeFor[matchingData]())
	walk("jobView", reflect.TypeFor[jobView]())
	walk("proposalRow", reflect.TypeFor[proposalRow]())
}

// TestMatchingPageFromViews: the page built from the flat views shows
// what the services answered, in Swedish words: the history with who,
// where, state, size and quality, the progress of the running job, each
// proposal with its explanation and actions, each pair with its status.
func TestMatchingPageFromViews(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newMatchingFixture()
	p := benchPage()
	p.Data = f.data(p)
	rec := httptest.NewRecorder()
	if err := w.render(rec, p, 200, "matching"); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<td>2026-12-01 10:00</td><td>Anna Andersson</td><td>Stockholm, Uppsala</td>`,
		`<td><span id="jobstate-0193a000-0000-7000-8000-000000000000">pågår (45 %)</span></td>`,
		`266 nyanlända, 140 mentorer, 131 förslag, 135 utan förslag`,
		"Bästa möjliga (41\u00a0230 poäng)", "41\u00a0230 poäng av högst 41\u00a0300 möjliga",
		`<a href="/matching?job=0193a000-0000-7000-8000-000000000001#proposals">131 förslag</a>`,
		`<label for="progress-0193a000-0000-7000-8000-000000000000">Förlopp: söker de bästa paren</label>`,
		"45\u00a0% · pågår",
		`<tr id="pair-0193b000-0000-7000-8000-000000000049">`,
		`<td>Amina Hassan 49, Stockholm</td><td>Astrid Lindqvist 49, Stockholm</td><td>251</td>`,
		`Talar båda arabiska och svenska`,
		`<option value="REJECT_REASON_POOR_FIT">`,
		`<a href="/pairs/0193b000-0000-7000-8000-000000000149">Amina Hassan 149, Stockholm</a>`,
		`<td>aktiv · <a href="/matching/pairs/0193b000-0000-7000-8000-000000000149/messages">`,
		`⚠ 2026-11-20`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"JOB_STATE", "PAIR_STATUS", "&lt;nil&gt;", "<no value>", "%!"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page shows %q", bad)
		}
	}
}
