package server_test

import (
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRefusedMoveLeavesNoCachedView (ADR 0157): a volunteer's move, with
// a new name, into an organisation being removed is stored, then checked,
// refused and undone (ADR 0152); while it waits on the delete's closing
// mark, the gateway reads the volunteer for a pair's page and caches the
// refused name. The undo publishes no event, so before this change the
// gateway went on showing the name that never stood for its cache's
// whole TTL (5 minutes). The gateway now drops its cached view of a
// volunteer whose update it was refused.
func TestRefusedMoveLeavesNoCachedView(t *testing.T) {
	t.Parallel()
	e, rc, _ := startWithRedis(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	going := e.createOrg("Förening som läggs ner", "0880")
	coord := e.coordinator(admin, "flytt@example.org", org, "0880")
	vid := mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord).GetPair().GetId()
	if got := pairOf(t, coord, pair).GetVolunteerName(); got != "Erik Andersson" {
		t.Fatalf("the pair's mentor is %q, want Erik Andersson", got)
	}
	// The cached view has lapsed (its TTL, or a change's eviction): the
	// next read fills it.
	if err := rc.Del(ctx, "gateway:volunteer/"+vid).Err(); err != nil {
		t.Fatal(err)
	}

	// A delete of the target is under way: its closing mark stands.
	closing, err := e.js.KeyValue(ctx, "organisations_closing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closing.Put(ctx, going, []byte(strconv.FormatInt(time.Now().UnixNano(), 10))); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{}, 1)
	sub, err := e.js.Conn().Subscribe("$JS.API.STREAM.MSG.GET.KV_organisations_closing", func(*nats.Msg) {
		select {
		case read <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := e.js.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		_, err := admin.registry.UpdateVolunteer(ctx, connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{
			Volunteer:  &volunteersv1.Volunteer{Id: vid, OrganisationId: going, GivenName: "Refused"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id", "given_name"}}}))
		answered <- err
	}()
	select {
	case <-read: // the move is stored and waits on the mark
	case err := <-answered:
		t.Fatalf("the move was answered (%v) before it read the closing mark", err)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	// The window is real: the pair's page shows the move being checked.
	if got := pairOf(t, coord, pair).GetVolunteerName(); got != "Refused Andersson" {
		t.Fatalf("during the move's check the pair's mentor is %q, want Refused Andersson (the stored move)", got)
	}
	// The delete's removal lands: the move is refused and undone.
	orgs, err := e.js.KeyValue(ctx, "organisations")
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.Delete(ctx, going); err != nil {
		t.Fatal(err)
	}
	if err := <-answered; connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("the move into a removed organisation: %v, want FailedPrecondition", err)
	}
	if got := pairOf(t, coord, pair).GetVolunteerName(); got != "Erik Andersson" {
		t.Errorf("after the refused move the pair's mentor is %q, want Erik Andersson (what stands)", got)
	}
}
