package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/staletest"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// requestKeyOf is a request's hashed key, as records carry it and the
// requests bucket keeps it once its record is removed.
func requestKeyOf(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return hex.EncodeToString(sum[:16])
}

// TestRepo_RetriedCreateOnceTrustsTheLeader: a create was stored, and its
// retry is read through a replica that lacks what it wrote (a node that
// rejoined after a partition, answering direct gets with what it had).
// The index holds the record by its request key; the retry must answer
// with the stored record, not FailedPrecondition ("removed"), and not a
// second record or event:
//   - record: the record is not readable there;
//   - record-owing: the same while the first create's event is still
//     owed: the retry publishes it;
//   - record-quiet: the first create owed no events (the index still
//     holds it by its request key);
//   - removed: the record was removed; the leader has nothing either,
//     and the answer stays FailedPrecondition.
func TestRepo_RetriedCreateOnceTrustsTheLeader(t *testing.T) {
	t.Parallel()
	const requestID, otherID = "org/req-1", "org/other"
	for _, tc := range []struct {
		name string
		// stale names the buckets whose direct gets the replica answers.
		stale []string
		// owing loses the first attempt's publish: its event is owed.
		owing bool
		// quiet: the first attempt's record owes no events (a retry's
		// record still does).
		quiet bool
		// removed removes the record before the retry: the leader has
		// nothing either, and the answer stays FailedPrecondition.
		removed bool
	}{
		{name: "record", stale: []string{"people"}},
		{name: "record-owing", stale: []string{"people"}, owing: true},
		{name: "record-quiet", stale: []string{"people"}, quiet: true},
		{name: "removed", stale: []string{"people"}, removed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustStaleEnv(t, func(c *store.Config[*facts]) {
				c.Hooks = &store.Hooks{AfterWrite: func(key string) error {
					if tc.owing && key == "p1" {
						return errLost
					}
					return nil
				}}
				// No relay: only the retry may settle anything.
				c.RelayInterval = time.Hour
			})
			n, ctx, s, r := e.n, e.ctx, e.s, e.r
			build := func(id string) (*facts, []*eventsv1.Envelope, error) {
				f := &facts{ParticipantId: id, MunicipalityCode: "0180"}
				if tc.quiet && id == "p1" {
					return f, nil, nil
				}
				return f, []*eventsv1.Envelope{event(t, "test.created", id)}, nil
			}
			leaderReads := e.leaderGets(t, "people")
			leaderReservationReads := e.leaderGets(t, "people_requests")
			// The replica has this request and its record only.
			if _, _, err := r.CreateOnce(ctx, otherID, func() string { return "other" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
				return &facts{ParticipantId: id}, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			first, rev, err := r.CreateOnce(ctx, requestID, func() string { return "p1" }, build)
			if err != nil || first.GetParticipantId() != "p1" {
				t.Fatalf("first attempt: %v, %v", first, err)
			}
			// Creates that find what they expect ask no leader.
			if rec, res := leaderReads(), leaderReservationReads(); rec+res != 0 {
				t.Fatalf("%d record and %d reservation reads from the leader on the common path, want 0", rec, res)
			}
			if tc.removed {
				if err := r.Remove(ctx, "p1", false); err != nil {
					t.Fatal(err)
				}
			}
			var stale []*staletest.Replica
			for _, bucket := range tc.stale {
				keep := "other"
				if bucket == "people_requests" {
					keep = requestKeyOf(otherID)
				}
				stale = append(stale, e.behind(t, bucket, keep, false))
			}
			if tc.stale[0] == "people" {
				if got := e.directRev(t, "p1"); got != 0 {
					t.Fatalf("the stale replica has p1 at %d, want none", got)
				}
			}

			got, gotRev, err := r.CreateOnce(ctx, requestID, func() string { return "p2" }, build)
			if tc.removed {
				// The index saw the removal: no read of the stale replica
				// can make the record count as there.
				if apperr.ErrorCode(err) != apperr.FailedPrecondition {
					t.Fatalf("retry of a removed record: %v, %v; want FailedPrecondition", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if got.GetParticipantId() != "p1" || got.GetMunicipalityCode() != "0180" || gotRev < rev {
				t.Fatalf("retry got %v at revision %d, want p1 at %d or later", got, gotRev, rev)
			}
			if leaderReads()+leaderReservationReads() == 0 {
				t.Fatal("the retry asked no leader")
			}
			for _, sr := range stale {
				sr.Heal()
			}
			people, err := n.JS.KeyValue(ctx, "people")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := people.Get(ctx, "p2"); !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
				t.Fatalf("a second record stands: %v", err)
			}
			if _, err := people.Get(ctx, "p1"); err != nil {
				t.Fatalf("the record: %v", err)
			}
			noReservations(ctx, t, n.JS)
			if _, ok := r.Lookup("p2"); ok || r.Len() != 2 {
				t.Fatalf("index: p2 listed %v, %d records; want p1 and other only", ok, r.Len())
			}
			want := 1
			if tc.quiet {
				want = 0 // and none for the retry's record
			}
			// An owed event goes out beside the retry's answer.
			testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
				if got := eventCount(ctx, t, s, "test.created"); got != want {
					return fmt.Errorf("%d created events, want %d", got, want)
				}
				return nil
			})
		})
	}
}
