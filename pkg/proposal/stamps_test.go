package proposal_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/proposal"
)

// record is a programme's record reduced to the lifecycle's times.
type record struct{ aAt, bAt, expires *timestamppb.Timestamp }

func (r *record) stamps() proposal.Stamps {
	return proposal.Stamps{Accepted: map[string]**timestamppb.Timestamp{"a": &r.aAt, "b": &r.bAt}, Expires: &r.expires}
}

// TestStamps: StateOf reads the times a record holds and only those;
// Stamp writes back what the lifecycle added and keeps what it holds.
func TestStamps(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	r := &record{aAt: timestamppb.New(t0), expires: timestamppb.New(t0.Add(time.Hour))}
	st := proposal.StateOf(proposal.Offered, []string{"a", "b"}, r.stamps())
	if _, ok := st.Accepted["b"]; ok || !st.Accepted["a"].Equal(t0) || !st.OfferExpires.Equal(t0.Add(time.Hour)) || len(st.Parties) != 2 {
		t.Fatalf("StateOf = %+v", st)
	}
	if _, err := st.Accept("b", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	st.Stamp(r.stamps())
	if !r.bAt.AsTime().Equal(t0.Add(time.Minute)) || !r.aAt.AsTime().Equal(t0) || !r.expires.AsTime().Equal(t0.Add(time.Hour)) {
		t.Errorf("after Stamp: a %v, b %v, expires %v", r.aAt.AsTime(), r.bAt.AsTime(), r.expires.AsTime())
	}
	empty := &record{}
	proposal.StateOf(proposal.Proposed, []string{"a", "b"}, empty.stamps()).Stamp(empty.stamps())
	if empty.aAt != nil || empty.bAt != nil || empty.expires != nil {
		t.Errorf("a proposal without times got some: %+v", empty)
	}
}
