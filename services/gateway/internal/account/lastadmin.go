package account

// The last admin (ADR 0208). A change that ends an admin (DeleteUser,
// UpdateUser taking the role away or disabling) is refused when no other
// enabled admin would stay. Checked against the index alone, two admins
// ending each other at the same moment (on one replica or two) both found
// the other and both went: a gateway without an admin. Such a change now
// first writes its admin's id into one key, "leaving", with a revision
// check, and counts only admins not in it; of two changes that read the
// same revision one writes and the other reads again, sees the first's
// admin leaving (or gone) and is refused. The id leaves the key once the
// change is written.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// AdminsBucket holds the key leavingKey: the ids of admins whose role a
// change is ending, each with when it began. Ids and times only.
const AdminsBucket = "gateway-admins"

const leavingKey = "leaving"

// leavingStale is how long an id stays in leavingKey when the change that
// wrote it died before taking it out: until then that admin does not
// count as one who stays (a refusal too many, never an admin too few).
const leavingStale = time.Minute

// leavingTries bounds the revision-check loop: each retry follows a write
// by another change of an admin.
const leavingTries = 20

// errLastAdmin is the answer to a change that would leave no enabled admin.
var errLastAdmin = apperr.Errorf(apperr.FailedPrecondition, "this is the last admin: make another user admin first")

// errAdminsUnchecked is the answer when the admins who stay cannot be
// counted (NATS not answering): never a guess.
var errAdminsUnchecked = apperr.Errorf(apperr.Unavailable, "the admins could not be counted; try again")

func openAdmins(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: AdminsBucket, History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1)})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", AdminsBucket, err)
	}
	return kv, nil
}

// leaving reads leavingKey from the stream's leader: id -> start (unix
// nanoseconds), and its revision (0: no key yet).
func (s *Service) leaving(ctx context.Context) (map[string]int64, uint64, error) {
	data, rev, err := leader.Get(ctx, s.js, AdminsBucket, leavingKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return map[string]int64{}, 0, nil
	case errors.Is(err, jetstream.ErrKeyDeleted):
		return map[string]int64{}, rev, nil
	case err != nil:
		return nil, 0, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		id, at, ok := strings.Cut(line, " ")
		n, err := strconv.ParseInt(at, 10, 64)
		if ok && err == nil && s.cfg.Now().Sub(time.Unix(0, n)) < leavingStale {
			out[id] = n
		}
	}
	return out, rev, nil
}

// writeLeaving writes set over revision rev; false when another change
// wrote first.
func (s *Service) writeLeaving(ctx context.Context, set map[string]int64, rev uint64) (bool, error) {
	lines := make([]string, 0, len(set))
	for id, at := range set {
		lines = append(lines, id+" "+strconv.FormatInt(at, 10))
	}
	slices.Sort(lines)
	data := []byte(strings.Join(lines, "\n"))
	var err error
	if rev == 0 {
		_, err = s.admins.Create(ctx, leavingKey, data)
	} else {
		_, err = s.admins.Update(ctx, leavingKey, data, rev)
	}
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrKeyExists) || (errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence) {
		return false, nil
	}
	return err == nil, err
}

// endAdmin runs change, which ends admin id's role (erases, demotes or
// disables them), only if another enabled admin who is not leaving stays.
// Returns FailedPrecondition for the last admin, Unavailable when the
// admins cannot be counted, or change's error.
func (s *Service) endAdmin(ctx context.Context, id string, change func() error) error {
	if err := s.enterLeaving(ctx, id); err != nil {
		return err
	}
	defer s.leave(context.WithoutCancel(ctx), id)
	return change()
}

// beginEndAdmin is endAdmin for UpdateUser: when the update of paths to u
// could end an enabled admin, it enters them as leaving and returns the
// function that takes them out once the update is written; nil when the
// update ends no admin.
func (s *Service) beginEndAdmin(ctx context.Context, u *gatewayv1.User, paths []string) (func(), error) {
	if !endsAdmin(u, paths) {
		return nil, nil
	}
	cur, _, err := s.accounts.Get(ctx, u.GetId())
	if err != nil || !isActiveAdmin(cur.GetUser()) {
		return nil, nil // the update's own read answers NotFound
	}
	if err := s.enterLeaving(ctx, u.GetId()); err != nil {
		return nil, err
	}
	return func() { s.leave(context.WithoutCancel(ctx), u.GetId()) }, nil
}

// enterLeaving writes id into leavingKey if another enabled admin who is
// not leaving stays; FailedPrecondition if none, Unavailable when the
// admins cannot be counted.
func (s *Service) enterLeaving(ctx context.Context, id string) error {
	for try := 0; ; try++ {
		if try == leavingTries {
			return errAdminsUnchecked
		}
		set, rev, err := s.leaving(ctx)
		if err != nil {
			return errAdminsUnchecked
		}
		// Read after the key: a change that took its id out has written.
		if err := s.accounts.Sync(ctx); err != nil {
			return errAdminsUnchecked
		}
		if !s.adminStays(id, set) {
			return errLastAdmin
		}
		if s.adminChecked != nil {
			s.adminChecked()
		}
		set[id] = s.cfg.Now().UnixNano()
		ok, err := s.writeLeaving(ctx, set, rev)
		if err != nil {
			return errAdminsUnchecked
		}
		if ok {
			return nil
		}
	}
}

// leave takes id out of leavingKey once its change is written (or
// refused). Best effort: an id left behind is stale after leavingStale.
func (s *Service) leave(ctx context.Context, id string) {
	for range leavingTries {
		set, rev, err := s.leaving(ctx)
		if err != nil {
			return
		}
		if _, ok := set[id]; !ok {
			return
		}
		delete(set, id)
		if ok, err := s.writeLeaving(ctx, set, rev); ok || err != nil {
			return
		}
	}
}

// endsAdmin reports whether an update of paths to u could end an admin's
// role: the role changed or the user disabled.
func endsAdmin(u *gatewayv1.User, paths []string) bool {
	return (slices.Contains(paths, "role") && u.GetRole() != gatewayv1.Role_ROLE_ADMIN) ||
		(slices.Contains(paths, "disabled") && u.GetDisabled())
}

func isActiveAdmin(u *gatewayv1.User) bool {
	return u.GetRole() == gatewayv1.Role_ROLE_ADMIN && !u.GetDisabled()
}

// otherActiveAdmin reports whether an enabled admin other than id exists.
func (s *Service) otherActiveAdmin(id string) bool {
	return s.adminStays(id, nil)
}

// adminStays reports whether an enabled admin other than id, and not
// among leaving, exists.
func (s *Service) adminStays(id string, leaving map[string]int64) bool {
	page, _ := s.accounts.Find(store.Query[*storev1.Account]{Limit: 1, Filter: func(a *storev1.Account) bool {
		_, going := leaving[a.GetUser().GetId()]
		return a.GetUser().GetId() != id && !going && isActiveAdmin(a.GetUser())
	}})
	return len(page.Items) > 0
}
