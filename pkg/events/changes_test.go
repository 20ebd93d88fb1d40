package events_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
)

// TestChangesCoverEveryLaterEvent reads the subject constants in
// subjects.go: every participant, volunteer and organisation event type is
// in its stream's Changes, except the ones that announce a new id, so a
// type added later cannot silently escape the followers of Changes (the
// gateway's cache evictions).
func TestChangesCoverEveryLaterEvent(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "subjects.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	streams := map[string]string{
		events.ParticipantPrefix:  events.StreamParticipants,
		events.VolunteerPrefix:    events.StreamVolunteers,
		events.OrganisationPrefix: events.StreamVolunteers,
	}
	seen := 0
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		typ, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		for prefix, stream := range streams {
			if !strings.HasPrefix(typ, prefix) || typ == prefix {
				continue
			}
			seen++
			announces := strings.HasSuffix(typ, ".registered") || strings.HasSuffix(typ, ".created")
			if got := slices.Contains(events.Changes(stream), events.FilterFor(typ)); got == announces {
				t.Errorf("%s (%s) in Changes(%s): %v, want %v", vs.Names[0].Name, typ, stream, got, !announces)
			}
		}
		return true
	})
	if seen < 12 {
		t.Fatalf("read %d event types from subjects.go, want the 12 there are at least", seen)
	}
	if got := events.Changes(events.StreamDeadLetter); got != nil {
		t.Errorf("Changes(%s) = %v, want nil (follow all)", events.StreamDeadLetter, got)
	}
}
