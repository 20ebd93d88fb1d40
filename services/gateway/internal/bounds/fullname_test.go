package bounds

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// TestCapByFullName: the batch name reads take people.MaxNameIDs ids
// (mp's mailbox page in one call, ADR 0222) while another request's ids
// keep the default cap, and every full name the table holds is a field
// the schema has (a misspelt one would cap nothing).
func TestCapByFullName(t *testing.T) {
	t.Parallel()
	for name := range MaxEntriesOf {
		if _, err := protoregistry.GlobalFiles.FindDescriptorByName(name); err != nil {
			t.Errorf("MaxEntriesOf names %s: %v", name, err)
		}
	}
	ids := func(n int) []string { return make([]string, n) }
	for _, tc := range []struct {
		name string
		in   proto.Message
		ok   bool
	}{
		{"participants' names at the cap", &participantsv1.BatchGetParticipantNamesRequest{Ids: ids(people.MaxNameIDs)}, true},
		{"participants' names over it", &participantsv1.BatchGetParticipantNamesRequest{Ids: ids(people.MaxNameIDs + 1)}, false},
		{"volunteers' names at the cap", &volunteersv1.BatchGetVolunteerNamesRequest{Ids: ids(people.MaxNameIDs)}, true},
		{"volunteers' names over it", &volunteersv1.BatchGetVolunteerNamesRequest{Ids: ids(people.MaxNameIDs + 1)}, false},
		{"namesakes' ids keep the default", &participantsv1.ListNamesakesRequest{Ids: ids(DefaultMaxEntries + 1)}, false},
	} {
		if err := Check(tc.in); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
