package catalog

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1" // the gateway API's requests
)

// requestFields are the names of the fields of the gateway API's request
// messages, the requests the web app and mp send.
func requestFields(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	protoregistry.GlobalFiles.RangeFilesByPackage("motesplats.gateway.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Messages().Len() {
			m := fd.Messages().Get(i)
			if !strings.HasSuffix(string(m.Name()), "Request") {
				continue
			}
			for j := range m.Fields().Len() {
				out[string(m.Fields().Get(j).Name())] = true
			}
		}
		return true
	})
	if !out["order"] || !out["municipality_code"] {
		t.Fatalf("the gateway's requests were not read: %d fields", len(out))
	}
	return out
}

// TestEveryViolationFieldLabelled: every request field a violation names,
// in the gateway's own checks and in the services behind it (the
// mentoring service's refusal of an unknown ListPairs order, ADR 0128),
// has a label in every catalogue with the form labels, so the web's error
// summary and mp say "Ordning", not "order". So has every web-only field
// (no request has it) that the gateway's pages refuse, or that the notify
// service refuses on the answer pages the gateway serves: the dinners
// forms' date_0, age_self and person, a confirmation box, a link's token
// and action (ADR 0129). The fields are read from the sources, so a new
// check on such a field without a label fails here.
func TestEveryViolationFieldLabelled(t *testing.T) {
	t.Parallel()
	fields, webOnly := map[string]string{}, map[string]bool{}
	for _, root := range []string{"../..", "../../../mentoring", "../../../participants", "../../../volunteers",
		"../../../dinners", "../../../guides", "../../../notify"} {
		_, f := violationsUnder(t, root)
		for k, v := range f {
			fields[k] = v
			// The services' own fields that no request of the gateway has
			// never reach a page (mentoring's flag_after_weeks); the
			// gateway's and the answer links' do.
			webOnly[k] = webOnly[k] || root == "../.." || root == "../../../notify"
		}
	}
	// The scan itself: it finds the new order, an old, labelled field and
	// the web-only fields.
	for _, want := range []string{"order", "municipality_code", "date_0", "age_self", "person", "confirm", "ids", "token", "action"} {
		if _, ok := fields[want]; !ok {
			t.Errorf("the scan did not find the field %q", want)
		}
	}
	requests := requestFields(t)
	var names []string
	for f := range fields {
		if head := strings.FieldsFunc(f, func(r rune) bool { return r == '.' || r == '[' }); len(head) > 0 && (requests[head[0]] || webOnly[f]) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	for _, locale := range Locales() {
		if !slices.Contains(Keys(locale), "f.municipality") {
			continue // no form labels in this language: English's are shown
		}
		for _, f := range names {
			if got := PathLabel(locale, f); got == f {
				t.Errorf("%s: the field %q has no %s label", fields[f], f, locale)
			}
		}
	}
}

// TestRefusedFieldsInWords: the fields the gateway's own pages and mp
// refuse outside a form's labelled inputs (the bulk approval's lowest
// score and its choice, a list's page token, the dinners report's months)
// are named by words in every language the app offers, in the web's error
// summary (FieldLabel) and in mp (PathLabel). They showed "min_score",
// "page_token" and "from_month", and the web-only "date_0", "age_self",
// "person", "confirm", "token" and "action" (ADR 0129).
func TestRefusedFieldsInWords(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"min_score", "ids", "page_token", "from_month", "to_month", "min_group_size",
		"date_0", "date_4", "age_self", "person", "confirm", "token", "action"} {
		for _, locale := range []string{"sv", "en"} {
			if got := FieldLabel(locale, f); got == f {
				t.Errorf("FieldLabel(%s, %s) is the field's name", locale, f)
			}
			if got := PathLabel(locale, f); got == f {
				t.Errorf("PathLabel(%s, %s) is the field's name", locale, f)
			}
		}
	}
	if got, want := FieldLabel("sv", "min_score"), "Lägsta poäng"; got != want {
		t.Errorf("FieldLabel(sv, min_score) = %q, want %q", got, want)
	}
	// A dinner's dates are told apart by their place, not their input's
	// name: "date_0" is the first (ADR 0129).
	for _, tt := range []struct{ locale, field, want string }{
		{"sv", "date_0", "Datum 1"}, {"en", "date_2", "Date 3"}, {"sv", "date_x", "date_x"}, {"sv", "date_01", "date_01"},
	} {
		if got := FieldLabel(tt.locale, tt.field); got != tt.want {
			t.Errorf("FieldLabel(%s, %s) = %q, want %q", tt.locale, tt.field, got, tt.want)
		}
	}
	// mp guides equity -min-group -5 said "min_group_size: must be from 0
	// to 1,000", the guides service's English.
	if got, want := ViolationText("sv", "must be from 0 to 1,000"), "måste vara från 0 till 1 000"; got != want {
		t.Errorf("ViolationText(sv, must be from 0 to 1,000) = %q, want %q", got, want)
	}
}
