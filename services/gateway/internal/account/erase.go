package account

// Erasing a user (ADR 0201). Coordinators are people too: their e-mail and
// name are sealed with a data key of their own (Config.Keyring), and
// DeleteUser shreds it, so every revision of the account, in the bucket's
// blocks and in backups, is noise from then on.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	recordv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// errNoUser is the one answer for an id that names no user, whatever the
// reason.
var errNoUser = apperr.Errorf(apperr.NotFound, "user not found")

// DeleteUser erases the user id: their sessions and API tokens go, then
// the account, whose data key is shredded, so the e-mail, name and every
// older revision of them are unreadable wherever they are stored. The
// user's sessions and tokens stop working on this replica before it
// returns, and on others as their watch applies the removal. Returns
// Invalid for an empty or malformed id, NotFound for an id that names no
// user, FailedPrecondition for the last enabled admin.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	_, err := s.EraseUser(ctx, id)
	return err
}

// EraseUser is DeleteUser that also returns the ids of the sessions and
// API tokens it ended, for the audit log's entry (ADR 0218); on an error
// they are what was ended before it. Same errors as DeleteUser.
func (s *Service) EraseUser(ctx context.Context, id string) (ended []string, err error) {
	var v apperr.Validator
	switch {
	case id == "":
		v.Add("id", "is required")
	case !ids.Valid(id):
		v.Add("id", "is not a user id")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, _, err := s.accounts.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil, errNoUser
	}
	if err != nil {
		return nil, err
	}
	if isActiveAdmin(a.GetUser()) {
		err = s.endAdmin(ctx, id, func() error { ended, err = s.erase(ctx, id); return err })
		return ended, err
	}
	return s.erase(ctx, id)
}

// erase is DeleteUser's work once the user may go; it returns the ids of
// the sessions and tokens it ended.
func (s *Service) erase(ctx context.Context, id string) ([]string, error) {
	// Sessions and tokens first: while the account is still readable its
	// tokens are in the index. What is made meanwhile is found after the
	// shred (unreadable tokens; sessions by their user id).
	ended, err := s.endSessions(ctx, id)
	if err != nil {
		return ended, err
	}
	if s.sessionsEnded != nil {
		s.sessionsEnded()
	}
	err = s.accounts.Remove(ctx, id, true)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return ended, errNoUser
	}
	if err != nil {
		return ended, fmt.Errorf("delete user: %w", err)
	}
	if s.removed != nil {
		s.removed()
	}
	s.awaitGone(ctx)
	more, err := s.endSessions(ctx, id)
	for _, k := range more {
		// A removal the index had not applied yet is found again.
		if !slices.Contains(ended, k) {
			ended = append(ended, k)
		}
	}
	return ended, err
}

// endSessions removes every session and API token of user id, including
// tokens no longer readable because the user's key is shredded, and
// returns the ids of those it removed (a token's id, a session's key).
func (s *Service) endSessions(ctx context.Context, id string) ([]string, error) {
	var errs []error
	var ended []string
	end := func(key string, err error) {
		err = ignoreNotFound(err)
		errs = append(errs, err)
		// A token may be found both readable and not, as the shred lands.
		if err == nil && !slices.Contains(ended, key) {
			ended = append(ended, key)
		}
	}
	sp, _ := s.sessions.Find(store.Query[*storev1.Session]{Filter: func(x *storev1.Session) bool { return x.GetUserId() == id }})
	for _, x := range sp.Items {
		end(x.GetId(), s.sessions.Remove(ctx, x.GetId(), true))
	}
	tp, _ := s.tokens.Find(store.Query[*storev1.ApiToken]{Filter: func(x *storev1.ApiToken) bool { return x.GetUserId() == id }})
	for _, x := range tp.Items {
		end(x.GetId(), s.tokens.Remove(ctx, x.GetId(), true))
	}
	for _, u := range s.tokens.Unreadable(id) {
		end(u.Key, s.tokens.Remove(ctx, u.Key, true))
	}
	return ended, errors.Join(errs...)
}

func ignoreNotFound(err error) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil
	}
	return err
}

// awaitGoneWait bounds awaitGone: the erasure stands without it.
const awaitGoneWait = 2 * time.Second

// awaitGone waits, at most awaitGoneWait, until this replica's indexes of
// accounts, sessions and tokens hold every write made before it on any
// replica (store.Repo.Sync: the buckets' last sequences from their
// leaders, then the watches up to them, woken by the watch rather than
// polled). So the account's removal is applied here, and its sessions are
// refused here before the caller hears the user is deleted; and a session
// or token another replica made for the user while the account was being
// removed (a sign-in a moment before) is in the indexes the last
// endSessions searches (ADR 0206). A wait that runs out (a watch behind
// while NATS restarts) is no error, as the poll it replaced: the account
// is gone from the bucket, and endSessions ends what the indexes hold.
func (s *Service) awaitGone(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, awaitGoneWait)
	defer cancel()
	for _, sync := range []func(context.Context) error{s.accounts.Sync, s.sessions.Sync, s.tokens.Sync} {
		if sync(ctx) != nil {
			return
		}
	}
}

// sealClear seals every account an older version stored in clear, at
// start: an update that changes nothing still writes a record that is not
// sealed as the repository wants it. Accounts already sealed cost a read.
// The clear revisions it replaces are deleted from the stream but their
// bytes may stay in its blocks until NATS compacts them (ADR 0201).
func (s *Service) sealClear(ctx context.Context) error {
	if s.cfg.Keyring == nil {
		return nil
	}
	page, err := s.accounts.Find(store.Query[*storev1.Account]{})
	if err != nil {
		return err
	}
	for _, a := range page.Items {
		_, _, err := s.accounts.Update(ctx, a.GetUser().GetId(), func(*storev1.Account, uint64) (store.Change, error) { return nil, nil })
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("accounts: seal an account stored in clear: %w", err)
		}
	}
	return nil
}

// finishErasures finishes, at start, every erasure a gateway died inside:
// once the account's removal is stored, the store purges its history and
// shreds the user's data key right after (its flush), and nothing retries
// that step for the gateway's buckets (the store's relay runs only for a
// bucket with an event publisher). A removed entry that asks for a purge
// and is still there is removed again, which purges and shreds, and the
// user's sessions and tokens are ended (ADR 0212). An account only the
// index lacks (its key shredded) is no removed entry and is left alone.
func (s *Service) finishErasures(ctx context.Context) error {
	kv, err := s.js.KeyValue(ctx, AccountsBucket)
	if err != nil {
		return fmt.Errorf("accounts: finish erasures: %w", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("accounts: finish erasures: %w", err)
	}
	var left []string
	for key := range keys.Keys() {
		if _, live := s.accounts.Lookup(key); ids.Valid(key) && !live {
			left = append(left, key)
		}
	}
	for _, id := range left {
		e, err := kv.Get(ctx, id)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("accounts: finish erasures: %w", err)
		}
		var rec recordv1.Record
		if proto.Unmarshal(e.Value(), &rec) != nil || !rec.GetRemoved() || !rec.GetPurge() {
			continue
		}
		if err := ignoreNotFound(s.accounts.Remove(ctx, id, true)); err != nil {
			return fmt.Errorf("accounts: finish an erasure: %w", err)
		}
		if _, err := s.endSessions(ctx, id); err != nil {
			return fmt.Errorf("accounts: finish an erasure: %w", err)
		}
	}
	return nil
}

// endOrphans removes, at start, the sessions and API tokens of users who
// have no account: made on another replica while the user was being
// erased (after the eraser's first sweep), by an eraser that died before
// its second. They are refused already (no account); this takes the
// erased user's id out of the buckets, where a session stayed until it
// expired and a token, sealed with the shredded key and so out of the
// index, for its 90 days (ADR 0212). The accounts' index is synced after
// the sessions and tokens are read, so it holds every account made before
// any of them.
func (s *Service) endOrphans(ctx context.Context) error {
	sp, err := s.sessions.Find(store.Query[*storev1.Session]{})
	if err != nil {
		return err
	}
	tp, err := s.tokens.Find(store.Query[*storev1.ApiToken]{})
	if err != nil {
		return err
	}
	unreadable, err := s.unreadableTokens(ctx)
	if err != nil {
		return err
	}
	if err := s.accounts.Sync(ctx); err != nil {
		return err
	}
	gone := func(user string) bool { _, ok := s.accounts.Lookup(user); return !ok }
	var errs []error
	for _, x := range sp.Items {
		if gone(x.GetUserId()) {
			errs = append(errs, ignoreNotFound(s.sessions.Remove(ctx, x.GetId(), true)))
		}
	}
	for _, x := range tp.Items {
		if gone(x.GetUserId()) {
			errs = append(errs, ignoreNotFound(s.tokens.Remove(ctx, x.GetId(), true)))
		}
	}
	for key, user := range unreadable {
		if gone(user) {
			errs = append(errs, ignoreNotFound(s.tokens.Remove(ctx, key, true)))
		}
	}
	return errors.Join(errs...)
}

// unreadableTokens are the tokens' entries the index does not hold and
// that are not removed (their user's key is shredded), by key, with the
// user whose key sealed them (the record's subject, stored in clear).
func (s *Service) unreadableTokens(ctx context.Context) (map[string]string, error) {
	kv, err := s.js.KeyValue(ctx, TokensBucket)
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for key := range keys.Keys() {
		if _, ok := s.tokens.Lookup(key); ok || !ids.Valid(key) {
			continue
		}
		e, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var rec recordv1.Record
		if proto.Unmarshal(e.Value(), &rec) == nil && !rec.GetRemoved() && rec.GetSubject() != "" {
			out[key] = rec.GetSubject()
		}
	}
	return out, nil
}
