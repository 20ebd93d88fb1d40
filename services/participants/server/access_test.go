package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAccess tries every RPC with every kind of caller who must not reach
// a participant of organisation A in Stockholm (0180).
func TestAccess(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	created, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	expired, err := auth.NewSigner(e.key, "k1", func() time.Time { return time.Now().Add(-2 * time.Hour) }).Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.other.Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name  string
		token string
		want  codes.Code // for calls on the record; Create and List differ below
	}{
		{"no token", "", codes.Unauthenticated},
		{"expired token", expired, codes.Unauthenticated},
		{"token of another key", foreign, codes.Unauthenticated},
		{"garbage token", "v1.k1.garbage.garbage", codes.Unauthenticated},
		{"coordinator of another municipality", e.token(coordAOther), codes.NotFound},
		{"coordinator of another organisation", e.token(coordB), codes.NotFound},
		{"operator", e.token(operatorUser), codes.PermissionDenied},
	}
	consent := &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "v1", Language: "sv"}
	rpcs := []struct {
		name string
		call func(c pb.ParticipantServiceClient) error
	}{
		{"Get", func(c pb.ParticipantServiceClient) error {
			_, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
			return err
		}},
		{"Update", func(c pb.ParticipantServiceClient) error {
			_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: id, GivenName: "X"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}})
			return err
		}},
		{"RecordConsent", func(c pb.ParticipantServiceClient) error {
			_, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{ParticipantId: id, Consent: consent})
			return err
		}},
		{"WithdrawConsent", func(c pb.ParticipantServiceClient) error {
			_, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{ParticipantId: id, Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
			return err
		}},
		{"Delete", func(c pb.ParticipantServiceClient) error {
			_, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{Id: id})
			return err
		}},
		{"Erase", func(c pb.ParticipantServiceClient) error {
			_, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id})
			return err
		}},
		{"Create in A's scope", func(c pb.ParticipantServiceClient) error {
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
			return err
		}},
		{"List", func(c pb.ParticipantServiceClient) error {
			res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
			if err == nil && (len(res.GetParticipants()) > 0 || res.GetTotalSize() > 0) {
				return fmt.Errorf("list shows %d participants", len(res.GetParticipants()))
			}
			return err
		}},
		{"List filtered to A's scope", func(c pb.ParticipantServiceClient) error {
			res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{MunicipalityCode: "0180", OrganisationId: orgA})
			if err == nil && (len(res.GetParticipants()) > 0 || res.GetTotalSize() > 0) {
				return fmt.Errorf("list shows %d participants", len(res.GetParticipants()))
			}
			return err
		}},
	}
	for _, who := range callers {
		client := e.client(who.token)
		for _, rpc := range rpcs {
			t.Run(who.name+"/"+rpc.name, func(t *testing.T) {
				want := who.want
				switch {
				case want == codes.NotFound && rpc.name == "Create in A's scope":
					want = codes.PermissionDenied
				case want == codes.NotFound && strings.HasPrefix(rpc.name, "List"):
					want = codes.OK // an empty list
				case want == codes.PermissionDenied && (rpc.name == "Get" || strings.HasPrefix(rpc.name, "List")):
					// Operators read nothing personal: Get hides the record, List is empty.
					if rpc.name == "Get" {
						want = codes.NotFound
					} else {
						want = codes.OK
					}
				}
				if got := code(rpc.call(client)); got != want {
					t.Fatalf("code=%v, want %v", got, want)
				}
			})
		}
	}
	// The record is untouched by all of that.
	got, err := e.as(admin).GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil || got.GetParticipant().GetGivenName() != "Amina" {
		t.Fatalf("record after sweep: %v %v", got, err)
	}
}
