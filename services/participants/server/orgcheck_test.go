package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// The violations of an organisation that does not stand (docs/adr/0202).
const (
	orgUnknownMsg = "names no organisation; register the organisation first"
	orgRemovedMsg = "names an organisation that was removed; choose another"
)

// violations returns the field violations of err as field: description.
func violations(err error) []string {
	var out []string
	for _, v := range grpcx.FieldViolations(err) {
		out = append(out, v.Field+": "+v.Description)
	}
	return out
}

// stored counts what the service has written: events on its stream and
// records in its bucket (not its writers' marks, which come and go).
func (e *env) stored(ctx context.Context) (msgs, records int) {
	e.t.Helper()
	kv, err := e.nats.JS.KeyValue(ctx, "participants")
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for k := range keys.Keys() {
		if !strings.HasPrefix(k, "_") {
			records++
		}
	}
	return len(e.streamMsgs(ctx)), records
}

// wantRefused checks that err is InvalidArgument with the one violation
// participant.organisation_id: msg.
func wantRefused(t *testing.T, what string, err error, msg string) {
	t.Helper()
	if code(err) != codes.InvalidArgument {
		t.Fatalf("%s: %v, want InvalidArgument", what, err)
	}
	if got, want := violations(err), []string{"participant.organisation_id: " + msg}; !slices.Equal(got, want) {
		t.Fatalf("%s: violations %q, want %q", what, got, want)
	}
}

// TestCreateInAnOrganisationThatDoesNotStand: an admin (who may act in
// every organisation) registering a newcomer in an organisation the
// volunteers service never created, or has removed, is refused with a
// violation on participant.organisation_id, with and without
// validate_only, and nothing is stored or published. Before ADR 0202 the
// newcomer was stored, in no coordinator's scope.
func TestCreateInAnOrganisationThatDoesNotStand(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	publishOrg(t, e.nats.JS, events.OrganisationCreated, "org-closed")
	publishOrg(t, e.nats.JS, events.OrganisationDeleted, "org-closed")
	if _, err := e.as(admin).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")}); err != nil {
		t.Fatal(err) // orgA stands
	}
	msgs, values := e.stored(ctx)
	for org, msg := range map[string]string{"org-none": orgUnknownMsg, "org-closed": orgRemovedMsg} {
		for _, validate := range []bool{true, false} {
			for _, rid := range []string{"", "req-" + org} {
				p := newcomer("0180")
				p.OrganisationId = org
				_, err := e.as(admin).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p, RequestId: rid, ValidateOnly: validate})
				wantRefused(t, org, err, msg)
			}
		}
	}
	if m, v := e.stored(ctx); m != msgs || v != values {
		t.Errorf("after the refusals: %d events, %d records; want %d, %d as before", m, v, msgs, values)
	}
}

// TestCreateInAJustCreatedOrganisation: an organisation whose creation
// was published a moment before is taken, though the pool had not seen it
// when the create arrived (it waits for the stream's newest event).
func TestCreateInAJustCreatedOrganisation(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	for _, org := range []string{"org-new-1", "org-new-2", "org-new-3"} {
		publishOrg(t, e.nats.JS, events.OrganisationCreated, org)
		p := newcomer("0180")
		p.OrganisationId = org
		res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		if res.GetParticipant().GetOrganisationId() != org {
			t.Fatalf("%s: stored in %q", org, res.GetParticipant().GetOrganisationId())
		}
	}
}

// TestCoordinatorNamingAnotherOrganisation: scope is checked before the
// organisation's existence, so a coordinator gets the same
// PermissionDenied for another organisation that stands, one that was
// removed and one that never existed: no hint which ids exist.
func TestCoordinatorNamingAnotherOrganisation(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	publishOrg(t, e.nats.JS, events.OrganisationCreated, "org-closed")
	publishOrg(t, e.nats.JS, events.OrganisationDeleted, "org-closed")
	var answers []*status.Status
	for _, org := range []string{orgB, "org-closed", "org-none"} {
		p := newcomer("0180")
		p.OrganisationId = org
		_, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
		if code(err) != codes.PermissionDenied {
			t.Fatalf("%s: %v, want PermissionDenied", org, err)
		}
		answers = append(answers, status.Convert(err))
	}
	for i, a := range answers[1:] {
		if !proto.Equal(a.Proto(), answers[0].Proto()) {
			t.Errorf("answer %d: %v, want what another organisation that stands gets: %v", i+1, a.Proto(), answers[0].Proto())
		}
	}
	// The same for a move.
	res, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	var moves []*status.Status
	for _, org := range []string{orgB, "org-closed", "org-none"} {
		p := proto.Clone(res.GetParticipant()).(*pb.Participant)
		p.OrganisationId = org
		_, err := e.as(coordA).UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: p,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}})
		if code(err) != codes.PermissionDenied {
			t.Fatalf("move to %s: %v, want PermissionDenied", org, err)
		}
		moves = append(moves, status.Convert(err))
	}
	for i, a := range moves[1:] {
		if !proto.Equal(a.Proto(), moves[0].Proto()) {
			t.Errorf("move %d: %v, want %v", i+1, a.Proto(), moves[0].Proto())
		}
	}
}

// TestMoveToAnOrganisationThatDoesNotStand: an admin's move to a missing
// or removed organisation is refused and the record stays; a newcomer
// whose organisation closes later stays in it and can still be changed
// in every other field (closing leaves newcomers alone).
func TestMoveToAnOrganisationThatDoesNotStand(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	publishOrg(t, e.nats.JS, events.OrganisationCreated, "org-closing")
	c := e.as(admin)
	p := newcomer("0180")
	p.OrganisationId = "org-closing"
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if err != nil {
		t.Fatal(err)
	}
	before := res.GetParticipant()
	publishOrg(t, e.nats.JS, events.OrganisationCreated, "org-closed")
	publishOrg(t, e.nats.JS, events.OrganisationDeleted, "org-closed")
	publishOrg(t, e.nats.JS, events.OrganisationDeleted, "org-closing")
	msgs, values := e.stored(ctx)
	mask := &fieldmaskpb.FieldMask{Paths: []string{"organisation_id", "given_name"}}
	for org, msg := range map[string]string{"org-none": orgUnknownMsg, "org-closed": orgRemovedMsg} {
		for _, validate := range []bool{true, false} {
			q := proto.Clone(before).(*pb.Participant)
			q.OrganisationId, q.GivenName = org, "Amal"
			_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: q, UpdateMask: mask, ValidateOnly: validate})
			wantRefused(t, "move to "+org, err, msg)
		}
	}
	if m, v := e.stored(ctx); m != msgs || v != values {
		t.Errorf("after the refused moves: %d events, %d records; want %d, %d as before", m, v, msgs, values)
	}
	// Its own organisation closed: a change that names it again (a form
	// sends every field) is no move, and goes through.
	q := proto.Clone(before).(*pb.Participant)
	q.GivenName = "Amal"
	got, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: q, UpdateMask: mask})
	if err != nil {
		t.Fatalf("change in a closed organisation: %v", err)
	}
	if got.GetParticipant().GetOrganisationId() != "org-closing" || got.GetParticipant().GetGivenName() != "Amal" {
		t.Fatalf("after the change: %v", got.GetParticipant())
	}
	// And it can be moved to an organisation that stands.
	q = proto.Clone(got.GetParticipant()).(*pb.Participant)
	q.OrganisationId = orgA
	if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: q,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}); err != nil {
		t.Fatalf("move to %s: %v", orgA, err)
	}
}

// TestOrganisationsSourceDown: with the service's way to NATS cut, an
// organisation the pool does not hold is neither taken nor refused as
// missing: the answer is Unavailable, try again. Healed, the same create
// goes through. (The volunteers service itself is not asked: its being
// down changes nothing while its stream stands; docs/adr/0202.)
func TestOrganisationsSourceDown(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	proxy := testutil.MustProxy(t, n.Server.Addr().String(), nil)
	e := startJS(t, n, proxy.ConnectNATS(t), nil, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	p := newcomer("0180")
	p.OrganisationId = "org-later"
	proxy.Cut()
	_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p, RequestId: "req-later"})
	if st := status.Convert(err); st.Code() != codes.Unavailable || st.Message() != "the organisation could not be checked; try again" {
		proxy.Heal()
		t.Fatalf("create with NATS cut: %v, want Unavailable: the organisation could not be checked", err)
	}
	publishOrg(t, n.JS, events.OrganisationCreated, "org-later")
	proxy.Heal()
	if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p, RequestId: "req-later"}); err != nil {
		t.Fatalf("healed: %v", err)
	}
}
