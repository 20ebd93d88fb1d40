package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/participants/internal/participant"
)

// TestErasureNoteAnswersItsCallerAlone tries the erasure notes of ADR 0264
// as someone else than their caller would (sweep48, ADR 0267): a retry by
// a second coordinator of the same organisation and municipality (who
// could have erased it but did not), by another organisation's and by one
// of another municipality is NotFound in the words of an id that never
// was; the note names neither the id nor the caller, and holds nothing;
// and once the note has expired (its bucket's age shortened here from a
// day to a second) the caller's own replay is NotFound as for an id that
// never was, with no second erasure event. An admin's retry answers OK,
// as ADR 0264 leaves it (the runbook's re-applied erasures).
func TestErasureNoteAnswersItsCallerAlone(t *testing.T) {
	t.Parallel()
	e := startSealed(t)
	ctx := testutil.Context(t)
	res, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	if err := erase(t, e, coordA, id); err != nil {
		t.Fatalf("the erasure: %v", err)
	}
	never := "0193a000-0000-7000-8000-000000000267"
	want := erase(t, e, coordA, never)
	if code(want) != codes.NotFound {
		t.Fatalf("an id that never was: %v, want NotFound", want)
	}
	asNeverWas := func(who string, err error) {
		t.Helper()
		if code(err) != codes.NotFound || status.Convert(err).Message() != status.Convert(want).Message() ||
			len(status.Convert(err).Details()) != len(status.Convert(want).Details()) {
			t.Errorf("%s: %v, want as for an id that never was: %v", who, err, want)
		}
	}
	sameScope := auth.Claims{Subject: "u-a3", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0180"}}
	asNeverWas("a second coordinator of the same organisation and municipality", erase(t, e, sameScope, id))
	asNeverWas("another organisation's coordinator", erase(t, e, coordB, id))
	asNeverWas("a coordinator of the organisation in another municipality", erase(t, e, coordAOther, id))
	if err := erase(t, e, coordA, id); err != nil {
		t.Errorf("the caller's own retry within the day: %v, want success", err)
	}

	// The note: one key, naming no id and no caller, with no value.
	kv, err := e.nats.JS.KeyValue(ctx, participant.Bucket+"_requests")
	if err != nil {
		t.Fatal(err)
	}
	notes := erasureNotes(t, kv)
	if len(notes) != 1 {
		t.Fatalf("erasure notes %v, want 1 (one caller erased one id)", notes)
	}
	for _, k := range notes {
		for _, s := range []string{id, coordA.Subject, orgA, strings.ReplaceAll(id, "-", "")} {
			if strings.Contains(k, s) {
				t.Errorf("the note's key %s names %s", k, s)
			}
		}
		if ent, err := kv.Get(ctx, k); err != nil || len(ent.Value()) != 0 {
			t.Errorf("the note %s: %v, want an empty value", k, err)
		}
	}

	// The note expires with its bucket's age (a day): shortened to a
	// second, as a day going by would.
	st, err := e.nats.JS.Stream(ctx, "KV_"+participant.Bucket+"_requests")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc := info.Config
	sc.MaxAge, sc.Duplicates = time.Second, time.Second
	if _, err := e.nats.JS.UpdateStream(ctx, sc); err != nil {
		t.Fatalf("shorten the requests bucket's age: %v", err)
	}
	testutil.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		if n := erasureNotes(t, kv); len(n) != 0 {
			return status.Errorf(codes.Unavailable, "notes left: %v", n)
		}
		return nil
	})
	asNeverWas("the caller's replay after the note expired", erase(t, e, coordA, id))
	if got := countEvents(ctx, t, e, events.ParticipantErased, id); got != 1 {
		t.Errorf("erased events after the retries and the replay: %d, want 1", got)
	}
	if err := erase(t, e, admin, id); err != nil {
		t.Errorf("an admin's erasure of the erased id: %v, want OK (ADR 0264's re-applied erasures)", err)
	}
}

// erasureNotes are the keys of kv that are erasure notes (ADR 0264).
func erasureNotes(t *testing.T, kv jetstream.KeyValue) []string {
	t.Helper()
	lister, err := kv.ListKeys(testutil.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range lister.Keys() {
		if strings.HasPrefix(k, "erased.") {
			out = append(out, k)
		}
	}
	return out
}
