package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestSwedishInterests: a newcomer's interests may be Swedish words with
// å, ä and ö, stored in one spelling (lower case, NFC) on create and on
// update; hostile tags are refused with the field named, and nothing is
// stored.
func TestSwedishInterests(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	in := newcomer("0180")
	in.Interests = []string{" Trädgård", "LÄSNING", "fika"}
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: in})
	if err != nil {
		t.Fatalf("create with trädgård: %v", err)
	}
	p := res.GetParticipant()
	if got, want := p.GetInterests(), []string{"trädgård", "läsning", "fika"}; !slices.Equal(got, want) {
		t.Fatalf("stored interests %q, want %q", got, want)
	}
	upd, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: &pb.Participant{Id: p.GetId(), Interests: []string{"Ö-liv", "tra\u0308dga\u030ard"}},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"interests"}},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got, want := upd.GetParticipant().GetInterests(), []string{"ö-liv", "trädgård"}; !slices.Equal(got, want) {
		t.Fatalf("updated interests %q, want %q", got, want)
	}
	for _, tag := range []string{"<script>", "a\u0000b", "\u200fabc", "ab\u202ecd", "   ", "trädgård och fika", "=sum(a1)"} {
		bad := newcomer("0180")
		bad.Interests = []string{"fika", tag}
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: bad})
		if code(err) != codes.InvalidArgument {
			t.Fatalf("create with %q: %v, want InvalidArgument", tag, err)
		}
		if fields := servicetest.ViolatedFields(err); !slices.Contains(fields, "participant.interests[1]") {
			t.Errorf("create with %q: violations %v lack participant.interests[1]", tag, fields)
		}
	}
	list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("list after hostile tags: %d participants, %v; want only the first", list.GetTotalSize(), err)
	}
}

// TestPhoneAsTyped: a Swedish number typed with its trunk 0 and spaces is
// stored in the international form notify sends to, on create and on
// update of the contact details; letters are still refused at the field.
func TestPhoneAsTyped(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	in := newcomer("0180")
	in.Contact = &typev1.Contact{Phone: "070-123 45 67"}
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: in})
	if err != nil {
		t.Fatalf("create with 070-123 45 67: %v", err)
	}
	if got := res.GetParticipant().GetContact().GetPhone(); got != "+46701234567" {
		t.Fatalf("stored phone %q, want +46701234567", got)
	}
	upd, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: &pb.Participant{Id: res.GetParticipant().GetId(), Contact: &typev1.Contact{Phone: "0046 8 123 456 78"}},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"contact"}},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got := upd.GetParticipant().GetContact().GetPhone(); got != "+46812345678" {
		t.Fatalf("updated phone %q, want +46812345678", got)
	}
	bad := newcomer("0180")
	bad.Contact = &typev1.Contact{Phone: "070-ABC"}
	_, err = c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: bad})
	if code(err) != codes.InvalidArgument || !slices.ContainsFunc(grpcx.FieldViolations(err), func(v apperr.FieldViolation) bool { return v.Field == "participant.contact.phone" }) {
		t.Fatalf("create with 070-ABC: %v; want InvalidArgument at participant.contact.phone", err)
	}
}
