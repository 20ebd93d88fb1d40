package notice_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestLapsedLeaseIsTakenOver: a replica that took a message and died
// (its lease stays in the record) holds it only until the lease lapses;
// then another replica sends it, once.
func TestLapsedLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	if err := e.svc.Plan(ctx, notice.Planned{CauseID: "c-1", PersonID: erik, Volunteer: true, Role: pb.Role_ROLE_MENTOR,
		Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Template: pb.Template_TEMPLATE_CANCELLATION,
		OrganisationID: org, Municipality: muni}); err != nil {
		t.Fatal(err)
	}
	id := notice.MessageID("c-1", erik, pb.Template_TEMPLATE_CANCELLATION)
	if _, _, err := e.msgs.Update(ctx, id, func(m *pb.StoredMessage, _ uint64) (store.Change, error) {
		m.LeaseOwner, m.LeaseUntil, m.Attempts = "dead-replica", timestamppb.New(e.clock.Now().Add(notice.LeaseTTL)), 1
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	other := e.newService(notice.Channels{}, "replica-2")
	other.SendDue(ctx)
	if ms := e.mailbox(); len(ms) != 0 {
		t.Fatalf("sent while another replica's lease holds: %v", ms)
	}
	e.clock.Add(notice.LeaseTTL + time.Second)
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		other.SendDue(ctx)
		if len(e.mailbox()) != 1 {
			return errNotYet
		}
		return nil
	})
	for range 3 {
		e.svc.SendDue(ctx)
		other.SendDue(ctx)
	}
	ms := e.mailbox()
	if len(ms) != 1 || ms[0].GetAttempts() != 2 || ms[0].GetLeaseOwner() != "" {
		t.Errorf("after the takeover: %v", ms)
	}
}

var errNotYet = errorString("not sent yet")

type errorString string

func (e errorString) Error() string { return string(e) }
