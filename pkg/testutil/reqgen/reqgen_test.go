package reqgen

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// TestCasesAreDeterministicAndHostile: one seed gives the same bytes
// twice, a second seed others; over 400 cases of a create with nested
// messages, lists and enums every kind of case the package promises
// appears (a field not UTF-8, a list past the cap, an unknown enum
// number, a planted id, a mutated encoding, a string of BigString).
func TestCasesAreDeterministicAndHostile(t *testing.T) {
	md := (&participantsv1.CreateParticipantRequest{}).ProtoReflect().Descriptor()
	base := &participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{GivenName: "Amina", OrganisationId: "o1"}}
	opts := Options{Cap: 1000, BigString: 64 << 10, IDs: func(string) []string { return []string{"planted-id-1"} }}
	a := New(7, opts).Cases(md, base, 400)
	b := New(7, opts).Cases(md, base, 400)
	c := New(8, opts).Cases(md, base, 400)
	same := 0
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Wire, b[i].Wire) {
			t.Fatalf("case %d differs under one seed: %s / %s", i, a[i].Name, b[i].Name)
		}
		if bytes.Equal(a[i].Wire, c[i].Wire) {
			same++
		}
	}
	if same > 100 {
		t.Errorf("seeds 7 and 8 gave %d of 400 equal cases", same)
	}
	seen := map[string]bool{}
	for _, k := range a {
		m := dynamicpb.NewMessage(md)
		err := proto.Unmarshal(k.Wire, m)
		switch {
		case strings.Contains(k.Name, "not UTF-8"):
			seen["utf8"] = err != nil
		case strings.Contains(k.Name, "bytes:"):
			seen["mutated"] = true
		case k.Msg == nil:
			t.Errorf("%s: no message", k.Name)
		}
		if strings.Contains(k.Name, "1001 entries") {
			seen["cap+1"] = true
		}
		if strings.Contains(k.Name, "enum number") {
			seen["enum"] = true
		}
		if bytes.Contains(k.Wire, []byte("planted-id-1")) {
			seen["planted"] = true
		}
		if len(k.Wire) > 64<<10 {
			seen["big string"] = true
		}
	}
	for _, want := range []string{"utf8", "mutated", "cap+1", "enum", "planted", "big string"} {
		if !seen[want] {
			t.Errorf("no %s case in 400", want)
		}
	}
}
