package store_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// TestEtagIgnoresTheEtagField: a record's tag is the same with or without
// an etag set on it, the message is left as it was, and a change of any
// other field changes the tag.
func TestEtagIgnoresTheEtagField(t *testing.T) {
	t.Parallel()
	p := &participantsv1.Participant{Id: "p1", GivenName: "Åsa"}
	bare := store.Etag(p)
	tagged := proto.Clone(p).(*participantsv1.Participant)
	tagged.Etag = "stale"
	if got := store.Etag(tagged); got != bare {
		t.Fatalf("Etag with an etag set = %q, without %q", got, bare)
	}
	if tagged.GetEtag() != "stale" {
		t.Fatalf("Etag changed the message's etag to %q", tagged.GetEtag())
	}
	p.GivenName = "Asa"
	if store.Etag(p) == bare {
		t.Fatal("a changed name kept its etag")
	}
}

// BenchmarkEtag measures tagging a record as stored (no etag set), what a
// read answers with (ADR 0151).
func BenchmarkEtag(b *testing.B) {
	p := &participantsv1.Participant{Id: "p1", GivenName: "Åsa", FamilyName: "Öberg", Interests: []string{"chess", "choir"}}
	b.ReportAllocs()
	for b.Loop() {
		store.Etag(p)
	}
}
