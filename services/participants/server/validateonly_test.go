package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestValidateOnly: a create or a consent with validate_only is checked
// as the write would be (every violation; the caller's scope) and stores
// and publishes nothing, valid or not: the gateway asks it when it
// refuses a consent itself, so its answer lists every problem (ADR 0132).
func TestValidateOnly(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(coordA)

	fields := servicetest.ViolatedFields
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0880"), RequestId: "req-1", ValidateOnly: true})
	if err != nil || res.GetParticipant() != nil {
		t.Fatalf("a valid create, validate only: %v, %v; want no error and no participant", res, err)
	}
	bad := newcomer("0880")
	bad.GivenName, bad.Household.Size = "", -1
	bad.Consents[0].Language = "klingon"
	_, err = c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: bad, ValidateOnly: true})
	if want := []string{"participant.given_name", "participant.household.size", "participant.consents[0].language"}; code(err) != codes.InvalidArgument ||
		!slices.Equal(fields(err), want) {
		t.Errorf("a bad create, validate only: %v; want %v", err, want)
	}
	if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("1280"), ValidateOnly: true}); code(err) != codes.PermissionDenied {
		t.Errorf("outside the caller's municipalities, validate only: %v, want PermissionDenied", err)
	}
	_, err = c.RecordConsent(ctx, &pb.RecordConsentRequest{ParticipantId: "!", Consent: &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, Language: "sv"}, ValidateOnly: true})
	if want := []string{"participant_id", "consent.text_version"}; code(err) != codes.InvalidArgument || !slices.Equal(fields(err), want) {
		t.Errorf("a bad consent, validate only: %v; want %v", err, want)
	}

	// Nothing was stored: the request id is still free, and no event went out.
	if msgs := e.streamMsgs(ctx); len(msgs) != 0 {
		t.Fatalf("events after validate only: %d", len(msgs))
	}
	list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("stored after validate only: %v %v", list, err)
	}
	created, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0880"), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	k := &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2026-12", Language: "sv"}
	if _, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{ParticipantId: id, Consent: k, ValidateOnly: true}); err != nil {
		t.Fatalf("a valid consent, validate only: %v", err)
	}
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil || !slices.EqualFunc(got.GetParticipant().GetConsents(), created.GetParticipant().GetConsents(), func(a, b *pb.Consent) bool { return a.GetPurpose() == b.GetPurpose() }) {
		t.Errorf("consents after a validate-only consent: %v, want %v (%v)", got.GetParticipant().GetConsents(), created.GetParticipant().GetConsents(), err)
	}
}
