package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestBadInput sends invalid participants: each is refused with
// InvalidArgument naming the field, nothing is stored and no event sent.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	tests := []struct {
		name  string
		mod   func(p *pb.Participant)
		field string
	}{
		{"empty name", func(p *pb.Participant) { p.GivenName = "" }, "participant.given_name"},
		{"10 MB name", func(p *pb.Participant) { p.GivenName = strings.Repeat("a", 10<<20) }, "participant.given_name"},
		{"control characters", func(p *pb.Participant) { p.FamilyName = "a\x00b" }, "participant.family_name"},
		{"unknown municipality", func(p *pb.Participant) { p.MunicipalityCode = "9999" }, "participant.municipality_code"},
		{"invalid language", func(p *pb.Participant) { p.Languages[0].Code = "klingon" }, "participant.languages[0].code"},
		{"duplicate language", func(p *pb.Participant) { p.Languages[1].Code = "ar" }, "participant.languages[1].code"},
		{"negative household", func(p *pb.Participant) { p.Household.Size = -2 }, "participant.household.size"},
		{"too many ages", func(p *pb.Participant) { p.Household.MemberAges = []int32{1, 2, 3} }, "participant.household.member_ages"},
		{"consent without purpose", func(p *pb.Participant) { p.Consents[0].Purpose = 0 }, "participant.consents[0].purpose"},
		{"consent twice", func(p *pb.Participant) { p.Consents = append(p.Consents, p.Consents[0]) }, "participant.consents[1].purpose"},
		{"birth year", func(p *pb.Participant) { p.BirthYear = 1800 }, "participant.birth_year"},
		{"bad email", func(p *pb.Participant) { p.Contact.Email = "not-an-email" }, "participant.contact.email"},
		{"future permit", func(p *pb.Participant) { p.ResidencePermitDate = "2999-01-01" }, "participant.residence_permit_date"},
		{"permit of 1899", func(p *pb.Participant) { p.ResidencePermitDate = "1899-12-31" }, "participant.residence_permit_date"},
		{"unknown enum", func(p *pb.Participant) { p.SwedishLevel = 99 }, "participant.swedish_level"},
		{"bad interest", func(p *pb.Participant) { p.Interests = []string{"Free text!"} }, "participant.interests[0]"},
		{"no organisation", func(p *pb.Participant) { p.OrganisationId = "" }, "participant.organisation_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newcomer("0180")
			tt.mod(p)
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
			if code(err) != codes.InvalidArgument {
				t.Fatalf("err=%v, want InvalidArgument", err)
			}
			fields := servicetest.ViolatedFields(err)
			if !slices.Contains(fields, tt.field) {
				t.Fatalf("violations %v lack %s", fields, tt.field)
			}
			if strings.Contains(err.Error(), strings.Repeat("a", 100)) {
				t.Fatal("error echoes the oversized input")
			}
		})
	}
	// Several problems are reported together.
	p := newcomer("9999")
	p.GivenName, p.Household.Size = "", -1
	_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if got := len(grpcx.FieldViolations(err)); got != 3 {
		t.Fatalf("violations=%d (%v), want 3", got, err)
	}
	list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("stored after bad input: %v %v", list, err)
	}
	if msgs := e.streamMsgs(ctx); len(msgs) != 0 {
		t.Fatalf("events after bad input: %d", len(msgs))
	}
	for _, req := range []*pb.ListParticipantsRequest{{PageSize: -1}, {PageSize: 501}, {PageToken: "garbage"}, {MunicipalityCode: "12"}} {
		if _, err := c.ListParticipants(ctx, req); code(err) != codes.InvalidArgument {
			t.Errorf("list %v: %v, want InvalidArgument", req, err)
		}
	}
}

func TestNoPanicOnEmptyRequests(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	calls := []func() error{
		func() error { _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{}); return err },
		func() error { _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{}); return err },
		func() error { _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{}); return err },
		func() error { _, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{}); return err },
		func() error { _, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{}); return err },
		func() error { _, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{}); return err },
		func() error { _, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{}); return err },
		func() error {
			_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: "nope"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"id"}}})
			return err
		},
	}
	for i, call := range calls {
		if got := code(call()); got != codes.InvalidArgument && got != codes.NotFound {
			t.Errorf("call %d: code %v, want InvalidArgument or NotFound", i, got)
		}
	}
}
