package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRepo_GetConfirmsWhatAStaleReplicaLacks: a client reads right after a
// write, and the replica answering the read is behind (a node that
// rejoined after a partition). A miss, or a revision older than the index
// holds, is asked again of the stream leader (ADR 0119):
//   - created: this replica created p1; the replica answering has never
//     seen it (before: NotFound right after the create);
//   - created-elsewhere: another replica of the service created it;
//   - updated: this replica updated p1; the replica answering has the
//     revision before (before: the old revision);
//   - removed: p1 was created and removed: the leader has nothing
//     either, NotFound.
func TestRepo_GetConfirmsWhatAStaleReplicaLacks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// before writes before the replica falls behind; write after.
		before, write func(ctx context.Context, r, other *store.Repo[*facts]) error
		// frozen: the replica keeps p1 at its revision from before.
		frozen bool
		want   string // municipality read; "" wants NotFound
	}{
		{
			name: "created",
			write: func(ctx context.Context, r, _ *store.Repo[*facts]) error {
				_, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
				return err
			},
			want: "0180",
		},
		{
			name: "created-elsewhere",
			write: func(ctx context.Context, _, other *store.Repo[*facts]) error {
				_, err := other.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
				return err
			},
			want: "0180",
		},
		{
			name: "updated",
			before: func(ctx context.Context, r, _ *store.Repo[*facts]) error {
				_, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
				return err
			},
			frozen: true,
			write: func(ctx context.Context, r, _ *store.Repo[*facts]) error {
				return setMunicipality(ctx, r, "p1", "1480")
			},
			want: "1480",
		},
		{
			name: "removed",
			write: func(ctx context.Context, r, _ *store.Repo[*facts]) error {
				if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}); err != nil {
					return err
				}
				return r.Remove(ctx, "p1", false)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustStaleEnv(t, nil)
			other := mustOpen(t, e.n.JS, nil)
			keep := "other"
			if _, err := e.r.Create(e.ctx, keep, &facts{}); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				keep = "p1"
				if err := tc.before(e.ctx, e.r, other); err != nil {
					t.Fatal(err)
				}
			}
			e.behind(t, "people", keep, tc.frozen)
			if err := tc.write(e.ctx, e.r, other); err != nil {
				t.Fatal(err)
			}
			leaderReads := e.leaderGets(t, "people")
			got, _, err := e.r.Get(e.ctx, "p1")
			if tc.want == "" {
				if apperr.ErrorCode(err) != apperr.NotFound {
					t.Fatalf("Get = %v, %v; want NotFound", got, err)
				}
			} else if err != nil || got.GetMunicipalityCode() != tc.want {
				t.Fatalf("Get = %v, %v; want municipality %s", got, err, tc.want)
			}
			if n := leaderReads(); n != 1 {
				t.Fatalf("%d reads from the leader, want 1 (the direct get disagreed)", n)
			}
			// A hit costs nothing more: "other" is on the replica.
			if _, _, err := e.r.Get(e.ctx, "other"); tc.before == nil && err != nil {
				t.Fatal(err)
			} else if tc.before == nil && leaderReads() != 1 {
				t.Fatalf("a hit asked the leader: %d leader reads, want 1", leaderReads())
			}
		})
	}
}

// TestRepo_EraseRemovedAsksTheLeader: EraseRemoved erases a record that
// was deleted earlier and refuses a live one (FailedPrecondition: use
// Remove). A live record created after the replica answering fell behind
// read as "not there" and was erased outside Remove's order (before ADR
// 0119): the miss is asked again of the leader, which has it.
func TestRepo_EraseRemovedAsksTheLeader(t *testing.T) {
	t.Parallel()
	e := mustStaleEnv(t, nil)
	if _, err := e.r.Create(e.ctx, "other", &facts{}); err != nil {
		t.Fatal(err)
	}
	e.behind(t, "people", "other", false)
	if _, err := e.r.Create(e.ctx, "p1", &facts{MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.EraseRemoved(e.ctx, "p1"); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("EraseRemoved of a live record = %v, want FailedPrecondition", err)
	}
	if got, _, err := e.r.Get(e.ctx, "p1"); err != nil || got.GetMunicipalityCode() != "0180" {
		t.Fatalf("the live record after EraseRemoved: %v, %v", got, err)
	}
}

// setMunicipality is an update with no expected etag.
func setMunicipality(ctx context.Context, r *store.Repo[*facts], id, code string) error {
	_, _, err := r.Update(ctx, id, func(f *facts, _ uint64) (store.Change, error) {
		f.MunicipalityCode = code
		return nil, nil
	})
	return err
}

// TestRepo_UpdateAfterAStaleRead: an update's read is answered by a
// replica that has an older revision (frozen at the create), while the
// record has moved on. Its compare-and-set is refused; before ADR 0119 it
// read the same replica again and again until it gave up (Unavailable
// "too much contention"), or, when the caller sent the etag of the newest
// version, its function refused with Conflict. Now it reads from the
// leader and succeeds; a caller whose etag is really out of date still
// gets Conflict:
//   - here, elsewhere: the record was updated by this replica or by
//     another one, and is updated again without an etag;
//   - etag: the caller sends the etag of the newest version;
//   - stale-etag: the caller sends the etag of the create's version:
//     Conflict, its own;
//   - precondition: the function refuses a record in the old
//     municipality (a rule on the record's state): the leader has the
//     moved one, which it accepts; precondition-unmet: the leader's
//     refuses too, FailedPrecondition;
//   - not-found-here: the record was created after the replica fell
//     behind (it has never seen it), then updated.
func TestRepo_UpdateAfterAStaleRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// elsewhere: the move is another replica's; unseen: the replica
		// answering lacks the record altogether.
		elsewhere, unseen bool
		etag              string // "new", "old" or ""
		// need: the function refuses (FailedPrecondition) a record in
		// another municipality, as a rule on the record's state would.
		need     string
		wantCode apperr.Code
	}{
		{name: "here"},
		{name: "elsewhere", elsewhere: true},
		{name: "etag", etag: "new"},
		{name: "etag-elsewhere", etag: "new", elsewhere: true},
		{name: "stale-etag", etag: "old", wantCode: apperr.Conflict},
		{name: "not-found-here", unseen: true},
		{name: "precondition", need: "1480", elsewhere: true},
		{name: "precondition-unmet", need: "9999", wantCode: apperr.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustStaleEnv(t, nil)
			other := mustOpen(t, e.n.JS, nil)
			create := func() {
				t.Helper()
				if _, err := e.r.Create(e.ctx, "p1", &facts{MunicipalityCode: "0180"}); err != nil {
					t.Fatal(err)
				}
			}
			keep := "p1"
			if tc.unseen {
				// The replica has never seen p1: it is created after.
				keep = "other"
				if _, err := e.r.Create(e.ctx, keep, &facts{}); err != nil {
					t.Fatal(err)
				}
			} else {
				create()
			}
			e.behind(t, "people", keep, true)
			if tc.unseen {
				create()
			}
			old, _, err := e.r.Get(e.ctx, "p1")
			if err != nil {
				t.Fatal(err)
			}
			mover := e.r
			if tc.elsewhere {
				mover = other
			}
			cur, _, err := mover.Update(e.ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
				f.MunicipalityCode = "1480"
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"new": store.Etag(cur), "old": store.Etag(old)}[tc.etag]
			ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			got, _, err := e.r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
				if want != "" && store.Etag(f) != want {
					return nil, apperr.Errorf(apperr.Conflict, "changed by someone else")
				}
				if tc.need != "" && f.GetMunicipalityCode() != tc.need {
					return nil, apperr.Errorf(apperr.FailedPrecondition, "not in %s", tc.need)
				}
				f.Interests = []string{"chess"}
				return nil, nil
			})
			if tc.wantCode != "" {
				if apperr.ErrorCode(err) != tc.wantCode {
					t.Fatalf("update refused by the caller's own terms: %v, %v; want %s", got, err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("update after a stale read: %v", err)
			}
			if got.GetMunicipalityCode() != "1480" || !slices.Equal(got.GetInterests(), []string{"chess"}) {
				t.Fatalf("update = %v, want both changes", got)
			}
		})
	}
}

// TestRepo_NoLeaderReadsWithoutLag: creates, gets and updates whose
// direct gets agree with what the code knows never ask the stream leader
// (ADR 0113, ADR 0119): the common path sends what it sent before.
func TestRepo_NoLeaderReadsWithoutLag(t *testing.T) {
	t.Parallel()
	e := mustStaleEnv(t, nil)
	other := mustOpen(t, e.n.JS, nil)
	leaderReads, reservationReads := e.leaderGets(t, "people"), e.leaderGets(t, "people_requests")
	syncReads := 0
	if _, err := e.r.Create(e.ctx, "p1", &facts{MunicipalityCode: "0180"}, event(t, "test.created", "p1")); err != nil {
		t.Fatal(err)
	}
	v, _, err := e.r.CreateOnce(e.ctx, "org/req-1", func() string { return "p2" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
		return &facts{ParticipantId: id}, []*eventsv1.Envelope{event(t, "test.created", id)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"p1", v.GetParticipantId()} {
		if _, _, err := e.r.Get(e.ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := setMunicipality(e.ctx, e.r, id, "1480"); err != nil {
			t.Fatal(err)
		}
		// Another replica, once its index has the write, too. Sync
		// itself asks the leader for the bucket's last message (ADR
		// 0243): not counted.
		before := leaderReads()
		if err := other.Sync(e.ctx); err != nil {
			t.Fatal(err)
		}
		syncReads += leaderReads() - before
		if err := setMunicipality(e.ctx, other, id, "0380"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.r.Get(e.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n, m := leaderReads()-syncReads, reservationReads(); n+m != 0 {
		t.Fatalf("%d record and %d reservation reads from the leader without lag, want 0", n, m)
	}
}

// TestRepo_RelayStopsAskingAFailedLeader: while a replica lacks three owed
// records, the relay's reads find nothing there and it asks the leader;
// when a leader read fails (no leader during an election, which may leave
// the request unanswered until its timeout), it asks no more that round:
// the next entries would wait for the same timeout one after the other.
// They stay on its list (nothing published, nothing forgotten), and once
// the leader answers again all three are published. Only the round's first
// due key (p1, created first, so due first and first in order) may reach
// the leader while it fails.
func TestRepo_RelayStopsAskingAFailedLeader(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	failing := true
	var asked []string // keys whose leader read failed
	e := mustStaleEnv(t, func(c *store.Config[*facts]) {
		c.Hooks = &store.Hooks{
			AfterWrite: func(string) error { return errLost },
			BeforeLeaderGet: func(_, key string) error {
				mu.Lock()
				defer mu.Unlock()
				if !failing {
					return nil
				}
				asked = append(asked, key)
				return fmt.Errorf("no leader")
			},
		}
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, 50*time.Millisecond
	})
	if _, err := e.r.Create(e.ctx, "other", &facts{}); err != nil {
		t.Fatal(err)
	}
	e.behind(t, "people", "other", false)
	reads := e.directGets(t, "people", "p3")
	for _, id := range []string{"p1", "p2", "p3"} {
		if _, err := e.r.Create(e.ctx, id, &facts{}, event(t, "test.created", id)); err != nil {
			t.Fatal(err)
		}
	}
	// Three rounds with a failed leader read, p3 read in them.
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		n := len(asked)
		mu.Unlock()
		if n < 3 || reads() < 2 {
			return fmt.Errorf("%d failed leader reads, %d direct gets of p3", n, reads())
		}
		return nil
	})
	mu.Lock()
	failing = false
	gotAsked := slices.Clone(asked)
	mu.Unlock()
	for _, key := range gotAsked {
		if key != "p1" {
			t.Fatalf("leader reads while the leader failed: %v; want p1 only (one per round)", gotAsked)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := eventCount(e.ctx, t, e.s, "test.created"); got != 3 {
			return fmt.Errorf("%d events after the leader answered again, want 3", got)
		}
		return nil
	})
}
