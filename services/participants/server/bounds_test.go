package server_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/fieldmask"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/participants/internal/participant"
)

// TestOversizedListsLeaveTheConnectionUsable sends requests with huge lists
// on the connection that other calls are using at the same moment: each gets
// InvalidArgument with a bounded list of violations, nothing is stored, and
// every other call on the connection succeeds.
func TestOversizedListsLeaveTheConnectionUsable(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin) // one connection for everything below
	created, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	before := len(e.streamMsgs(ctx))

	emptyConsents := make([]*pb.Consent, 100_000)
	for i := range emptyConsents {
		emptyConsents[i] = &pb.Consent{}
	}
	with := func(f func(p *pb.Participant)) *pb.Participant {
		p := newcomer("0180")
		f(p)
		return p
	}
	mentoring := &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "v1", Language: "ar"}
	creates := []struct {
		name  string
		p     *pb.Participant
		field string
	}{
		{"100,000 empty consents", with(func(p *pb.Participant) { p.Consents = emptyConsents }), "participant.consents"},
		{"2,000,000 diets", with(func(p *pb.Participant) { p.Diets = make([]typev1.Diet, 2_000_000) }), "participant.diets"},
		{"9,000,000 diets", with(func(p *pb.Participant) { p.Diets = make([]typev1.Diet, 9_000_000) }), "participant.diets"},
		{"five consents", with(func(p *pb.Participant) {
			p.Consents = []*pb.Consent{mentoring, mentoring, mentoring, mentoring, mentoring}
		}), "participant.consents"},
		{"every diet and one twice", with(func(p *pb.Participant) { p.Diets = []typev1.Diet{1, 2, 3, 4, 5, 6, 7, 8, 1} }), "participant.diets"},
		{"diet twice", with(func(p *pb.Participant) { p.Diets = []typev1.Diet{3, 3} }), "participant.diets[1]"},
		{"100,000 opt-outs", with(func(p *pb.Participant) {
			p.Notifications = &typev1.NotificationPreferences{OptOuts: make([]typev1.NotificationTopic, 100_000)}
		}), "participant.notifications.opt_outs"},
		{"message language without a catalogue", with(func(p *pb.Participant) {
			p.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "ckb"}
		}), "participant.notifications.preferred_language"},
		{"unknown channel", with(func(p *pb.Participant) {
			p.Notifications = &typev1.NotificationPreferences{PreferredChannel: 42}
		}), "participant.notifications.preferred_channel"},
		{"slot twice", with(func(p *pb.Participant) { p.Availability = append(p.Availability, p.Availability[0]) }), "participant.availability[1]"},
	}

	// Other callers keep the connection busy while the big requests go out.
	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
					failed.Add(1)
					t.Errorf("GetParticipant beside a huge request: %v", err)
					return
				}
				ok.Add(1)
			}
		})
	}

	check := func(name string, err error, field string) {
		t.Helper()
		if got := code(err); got != codes.InvalidArgument {
			t.Errorf("%s: code %v (%v), want InvalidArgument", name, got, err)
			return
		}
		vs := grpcx.FieldViolations(err)
		if len(vs) == 0 || len(vs) > apperr.MaxViolations {
			t.Errorf("%s: %d violations, want 1 to %d", name, len(vs), apperr.MaxViolations)
		}
		found := false
		for _, v := range vs {
			found = found || v.Field == field
		}
		if !found {
			t.Errorf("%s: violations %v, want one on %s", name, vs, field)
		}
	}
	for _, tc := range creates {
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: tc.p})
		check(tc.name, err, tc.field)
	}
	for name, n := range map[string]int{"100,000 mask paths": 100_000, "33 mask paths": fieldmask.MaxPaths + 1} {
		_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
			Participant: &pb.Participant{Id: id}, UpdateMask: &fieldmaskpb.FieldMask{Paths: make([]string, n)}})
		check(name, err, "update_mask.paths")
	}
	_, err = c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: with(func(p *pb.Participant) { p.Id = id; p.Diets = []typev1.Diet{1, 1} }),
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"diets"}}})
	check("update with a diet twice", err, "participant.diets[1]")
	close(stop)
	wg.Wait()
	if ok.Load() == 0 || failed.Load() != 0 {
		t.Fatalf("calls beside the huge requests: %d ok, %d failed; want some and none", ok.Load(), failed.Load())
	}
	if after := len(e.streamMsgs(ctx)); after != before {
		t.Errorf("refused requests published %d events", after-before)
	}
}

func TestListFiltersRejectUnknownEnums(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	for _, tc := range []struct {
		name  string
		req   *pb.ListParticipantsRequest
		field string
	}{
		{"swedish level 999", &pb.ListParticipantsRequest{SwedishLevel: 999}, "swedish_level"},
		{"swedish level -5", &pb.ListParticipantsRequest{SwedishLevel: -5}, "swedish_level"},
		{"consent purpose 999", &pb.ListParticipantsRequest{ConsentPurpose: 999}, "consent_purpose"},
		{"consent purpose -5", &pb.ListParticipantsRequest{ConsentPurpose: -5}, "consent_purpose"},
	} {
		_, err := c.ListParticipants(ctx, tc.req)
		if code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", tc.name, err)
			continue
		}
		if vs := grpcx.FieldViolations(err); len(vs) != 1 || vs[0].Field != tc.field {
			t.Errorf("%s: violations %v, want one on %s", tc.name, vs, tc.field)
		}
	}
	if _, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}); err != nil {
		t.Fatalf("known values refused: %v", err)
	}
}

func TestLimitsMatchTheEnums(t *testing.T) {
	t.Parallel()
	if got, want := participant.MaxConsents, len(eventsv1.ConsentPurpose_name)-1; got != want {
		t.Errorf("MaxConsents=%d, want one per purpose (%d)", got, want)
	}
	if got, want := people.MaxDiets, len(typev1.Diet_name)-1; got != want {
		t.Errorf("MaxDiets=%d, want one per diet (%d)", got, want)
	}
}
