package server_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestErasureRetryAfterKillAnswersAsTheFirst is outside47's kill -9
// during a burst of erasures (ADR 0260, 0264), with a real process: a
// coordinator's erasure is written and the process dies before it
// answers; restarted on the same files, the relay finishes it. The
// coordinator's retry answered NotFound, "participant not found" (the
// web form's retry showed the 404 page); now it succeeds, as the first
// would have. Another organisation's coordinator, one of the same
// organisation who does not see the newcomer, and the coordinator
// erasing an id that never was are told NotFound in the same words.
func TestErasureRetryAfterKillAnswersAsTheFirst(t *testing.T) {
	t.Parallel()
	e, dir, exited, _ := crashChild(t, "second-write")
	ctx := testutil.Context(t)
	res, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	if _, err := e.as(coordA).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id}); err == nil {
		t.Fatal("the erasure answered although the process died before answering")
	}
	died(t, exited)

	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
	e2 := startOn(t, n, nil)
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if got := countEvents(ctx, t, e2, events.ParticipantErased, id); got != 1 {
			return fmt.Errorf("erased events for the newcomer: %d, want 1", got)
		}
		return nil
	})
	if _, err := e2.as(coordA).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id}); err != nil {
		t.Errorf("the coordinator's retry: %v, want success as the first", err)
	}
	never := "0193a000-0000-7000-8000-000000000047"
	_, want := e2.as(coordA).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: never})
	if code(want) != codes.NotFound {
		t.Fatalf("an id that never was: %v, want NotFound", want)
	}
	for _, who := range []struct {
		name string
		err  error
	}{
		{"another organisation's coordinator", erase(t, e2, coordB, id)},
		{"a coordinator of the organisation who does not see the newcomer", erase(t, e2, coordAOther, id)},
	} {
		if code(who.err) != codes.NotFound || status.Convert(who.err).Message() != status.Convert(want).Message() {
			t.Errorf("%s: %v, want as for an id that never was: %v", who.name, who.err, want)
		}
	}
	if got := countEvents(ctx, t, e2, events.ParticipantErased, id); got != 1 {
		t.Errorf("erased events after the retries: %d, want 1", got)
	}
}

// TestSealedErasureSentTwice: with a keyring (the note's key is the
// keyring's, ADR 0264), an erasure sent twice by its coordinator succeeds
// twice; another's is NotFound.
func TestSealedErasureSentTwice(t *testing.T) {
	t.Parallel()
	e := startSealed(t)
	ctx := testutil.Context(t)
	res, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	for i := range 2 {
		if err := erase(t, e, coordA, id); err != nil {
			t.Errorf("erasure %d: %v", i+1, err)
		}
	}
	if err := erase(t, e, coordB, id); code(err) != codes.NotFound {
		t.Errorf("another organisation's coordinator: %v, want NotFound", err)
	}
}

// erase is who's EraseParticipant of id on e.
func erase(t *testing.T, e *env, who auth.Claims, id string) error {
	t.Helper()
	_, err := e.as(who).EraseParticipant(testutil.Context(t), &pb.EraseParticipantRequest{Id: id})
	return err
}
