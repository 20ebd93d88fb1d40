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
// summary and mp say "Ordning", not "order". The fields are read from the
// sources, so a new check on a request field without a label fails here.
func TestEveryViolationFieldLabelled(t *testing.T) {
	t.Parallel()
	fields := map[string]string{}
	for _, root := range []string{"../..", "../../../mentoring", "../../../participants", "../../../volunteers",
		"../../../dinners", "../../../guides", "../../../notify"} {
		_, f := violationsUnder(t, root)
		for k, v := range f {
			fields[k] = v
		}
	}
	// The scan itself: it finds the new order and an old, labelled field.
	for _, want := range []string{"order", "municipality_code"} {
		if _, ok := fields[want]; !ok {
			t.Errorf("the scan did not find the field %q", want)
		}
	}
	requests := requestFields(t)
	var names []string
	for f := range fields {
		if head := strings.FieldsFunc(f, func(r rune) bool { return r == '.' || r == '[' }); len(head) > 0 && requests[head[0]] {
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
