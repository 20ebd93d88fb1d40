package account

// Browser sessions: a cookie is a random secret; the bucket keeps only its
// hash, so a copy of the bucket signs no one in.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// SessionID is the id of the session a cookie opens (the key its record
// is stored under, a hash of the secret): the audit log names sessions by
// it, and it signs no one in.
func SessionID(cookie string) string { return hashSecret(cookie) }

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a browser session for the account and returns the
// cookie value (a secret) and when it expires.
func (s *Service) CreateSession(ctx context.Context, a *storev1.Account) (cookie string, expires time.Time, err error) {
	cookie = randomSecret()
	now := s.cfg.Now()
	expires = now.Add(s.cfg.SessionTTL)
	key := hashSecret(cookie)
	_, err = s.sessions.Create(ctx, key, &storev1.Session{
		Id: key, UserId: a.GetUser().GetId(), Generation: a.GetGeneration(), CsrfToken: randomSecret(),
		CreateTime: timestamppb.New(now), ExpireTime: timestamppb.New(expires),
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create session: %w", err)
	}
	return cookie, expires, nil
}

// Session returns the principal of a session cookie. Returns
// Unauthenticated when the session is unknown, expired or revoked, and
// ErrDisabled when its user is disabled.
func (s *Service) Session(ctx context.Context, cookie string) (Principal, error) {
	if cookie == "" || len(cookie) > 100 {
		return Principal{}, errNoSession
	}
	key := hashSecret(cookie)
	sess, ok := s.sessions.Lookup(key)
	if !ok {
		// A session made a moment ago may not have reached the index.
		var err error
		if sess, _, err = s.sessions.Get(ctx, key); err != nil {
			return Principal{}, errNoSession
		}
	}
	if !s.cfg.Now().Before(sess.GetExpireTime().AsTime()) {
		return Principal{}, errNoSession
	}
	u, err := s.live(sess.GetUserId(), sess.GetGeneration())
	if err != nil {
		return Principal{}, err
	}
	return Principal{User: u, SessionID: key, CSRFToken: sess.GetCsrfToken()}, nil
}

// live returns the user if it is enabled and its generation is still gen.
// A session or token of a disabled user is ErrDisabled, not "expired":
// whoever holds it signed in as her (ADR 0223).
func (s *Service) live(id string, gen int64) (*gatewayv1.User, error) {
	a, ok := s.accounts.Lookup(id)
	if ok && a.GetUser().GetDisabled() {
		return nil, ErrDisabled
	}
	if !ok || a.GetGeneration() != gen {
		return nil, errNoSession
	}
	return proto.Clone(a.GetUser()).(*gatewayv1.User), nil
}

// DeleteSession ends a session (sign out).
func (s *Service) DeleteSession(ctx context.Context, id string) error {
	err := s.sessions.Remove(ctx, id, true)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil
	}
	return err
}

// Sweep removes expired sessions and tokens; the server runs it
// periodically so the buckets do not grow without bound.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.cfg.Now()
	var errs []error
	sp, _ := s.sessions.Find(store.Query[*storev1.Session]{Filter: func(x *storev1.Session) bool { return !now.Before(x.GetExpireTime().AsTime()) }})
	for _, x := range sp.Items {
		errs = append(errs, s.sessions.Remove(ctx, x.GetId(), true))
	}
	tp, _ := s.tokens.Find(store.Query[*storev1.ApiToken]{Filter: func(x *storev1.ApiToken) bool { return !now.Before(x.GetExpireTime().AsTime()) }})
	for _, x := range tp.Items {
		errs = append(errs, s.tokens.Remove(ctx, x.GetId(), true))
	}
	return errors.Join(errs...)
}
