package organisation

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var admin = auth.Claims{Subject: "admin-1", Role: auth.RoleAdmin}

// closingService is an organisation register on an embedded server whose
// delete asks inUse, with its closing marks.
func closingService(t testing.TB, inUse InUse) (*Service, *Closing) {
	t.Helper()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	repo, err := store.Open(ctx, n.JS, RepoConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	c, err := OpenClosing(ctx, n.JS, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := New(repo, cache.New(cache.NewMemory(100), cache.Options{Name: "organisations"}), time.Now, ids.UUIDv7{}, func(ctx context.Context, id string) (bool, error) {
		return inUse(ctx, id)
	})
	s.MarkClosing(c)
	return s, c
}

func newOrg(t testing.TB, s *Service) string {
	t.Helper()
	o, err := s.Create(testutil.Context(t), admin, &pb.Organisation{Name: "Röda Korset Kalmar", Type: pb.OrganisationType_ORGANISATION_TYPE_ASSOCIATION,
		MunicipalityCodes: []string{"0880"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	return o.GetId()
}

// TestClosingMarkHoldsCreatesDuringTheDelete is the other order of ADR
// 0150: a volunteer stored after the delete asked the index of volunteers
// (so the delete cannot see them) checks before the delete removes the
// organisation (so the organisation still stands). Without the mark the
// check passed and the volunteer stood for a removed organisation; with
// it the check waits for the delete's outcome and is told it is removed.
// A refused delete takes its mark away, and the check passes again.
func TestClosingMarkHoldsCreatesDuringTheDelete(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	var s *Service
	var during error
	refuse := false
	s, _ = closingService(t, func(ctx context.Context, id string) (bool, error) {
		// Between the delete's index check and its removal: a create's
		// check must not pass (it waits; here until its context ends).
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		during = s.StillOpen(wctx, id)
		return refuse, nil
	})
	id := newOrg(t, s)
	if err := s.Delete(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	if during == nil {
		t.Error("a create's check passed while the delete was between its index check and its removal")
	}
	if err := s.StillOpen(ctx, id); !errors.Is(err, ErrBeingRemoved) {
		t.Errorf("check after the delete: %v, want %v", err, ErrBeingRemoved)
	}

	refuse = true
	kept := newOrg(t, s)
	if err := s.Delete(ctx, admin, kept); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("delete while in use: %v, want FailedPrecondition", err)
	}
	if err := s.StillOpen(ctx, kept); err != nil {
		t.Errorf("check after a refused delete: %v, want it to pass", err)
	}
}

// BenchmarkStillOpen is what the closing mark costs a volunteer's create:
// one read of the mark from the stream leader and one sync of the
// organisations' index (a status request), with no mark there; beside it,
// in the same run, a create through CreateOnce on the same server (an
// organisation's: one stored record and its event), for scale.
func BenchmarkStillOpen(b *testing.B) {
	s, _ := closingService(b, func(context.Context, string) (bool, error) { return false, nil })
	id := newOrg(b, s)
	ctx := testutil.Context(b)
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if err := s.StillOpen(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			newOrg(b, s)
		}
	})
}

// TestStaleMarkFencesALateRemoval: a mark older than closingStale on an
// organisation that stands was left by a delete that died or gave up,
// whose removal (a compare-and-set at the revision it read) may still be
// on its way. Before a create or a move may pass it, the organisation is
// rewritten at its revision, so that removal can no longer land, and the
// mark goes. Without the fence the late removal landed under whoever was
// let in (ADR 0150 "Left", ADR 0152).
func TestStaleMarkFencesALateRemoval(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	s, c := closingService(t, func(context.Context, string) (bool, error) { return false, nil })
	id := newOrg(t, s)
	_, rev, err := s.repo.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// A delete's mark, put 20 s ago; its removal read the organisation
	// at rev and has not landed yet.
	if _, err := c.kv.Put(ctx, id, []byte(strconv.FormatInt(time.Now().Add(-20*time.Second).UnixNano(), 10))); err != nil {
		t.Fatal(err)
	}
	if err := s.StillOpen(ctx, id); err != nil {
		t.Fatalf("check on a stale mark: %v, want it to pass", err)
	}
	kv, err := c.js.KeyValue(ctx, Bucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Update(ctx, id, nil, rev); !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		t.Errorf("the late removal at revision %d: %v, want it refused", rev, err)
	}
	if at, _, err := c.marked(ctx, id); err != nil || !at.IsZero() {
		t.Errorf("mark after the fence: %v, %v; want it gone", at, err)
	}
	if _, _, err := s.repo.Get(ctx, id); err != nil {
		t.Errorf("the fenced organisation: %v, want it standing", err)
	}
}
