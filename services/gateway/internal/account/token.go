package account

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// tokenPrefix marks Mötesplats API tokens, so secret scanners find them.
const tokenPrefix = "mpt_"

// CreateToken issues an API token for the account: "mpt_<id>_<secret>".
func (s *Service) CreateToken(ctx context.Context, a *storev1.Account, name string) (id, token string, expires time.Time, err error) {
	if len([]rune(name)) > 100 {
		var v apperr.Validator
		v.Add("name", "must be at most 100 characters")
		return "", "", time.Time{}, v.Err()
	}
	if strings.IndexFunc(name, notNameRune) >= 0 {
		// Free text kept with the token, held to the display name's rule
		// (ADR 0195).
		var v apperr.Validator
		v.Add("name", "must not contain control characters")
		return "", "", time.Time{}, v.Err()
	}
	id, secret := s.cfg.IDs.New(), randomSecret()
	now := s.cfg.Now()
	expires = now.Add(s.cfg.TokenTTL)
	_, err = s.tokens.Create(ctx, id, &storev1.ApiToken{
		Id: id, UserId: a.GetUser().GetId(), Generation: a.GetGeneration(), SecretHash: hashSecret(secret), Name: name,
		CreateTime: timestamppb.New(now), ExpireTime: timestamppb.New(expires),
	})
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("create token: %w", err)
	}
	return id, tokenPrefix + id + "_" + secret, expires, nil
}

// Token returns the principal of an API token. Returns Unauthenticated.
func (s *Service) Token(ctx context.Context, token string) (Principal, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || !ids.Valid(id) || len(secret) > 100 {
		return Principal{}, errNoSession
	}
	t, ok := s.tokens.Lookup(id)
	if !ok {
		var err error
		if t, _, err = s.tokens.Get(ctx, id); err != nil {
			return Principal{}, errNoSession
		}
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(t.GetSecretHash())) != 1 ||
		!s.cfg.Now().Before(t.GetExpireTime().AsTime()) {
		return Principal{}, errNoSession
	}
	u, err := s.live(t.GetUserId(), t.GetGeneration())
	if err != nil {
		return Principal{}, err
	}
	return Principal{User: u, TokenID: id}, nil
}

// errNoToken is the one answer for a token id the caller cannot revoke:
// unknown, malformed or another user's, so the answer says nothing about
// which tokens exist.
var errNoToken = apperr.Errorf(apperr.NotFound, "token not found")

// DeleteToken revokes token id. userID, when not empty, must own it.
// Returns Invalid for an empty id, and NotFound (errNoToken) for any token
// the caller cannot revoke.
func (s *Service) DeleteToken(ctx context.Context, id, userID string) error {
	if id == "" {
		return apperr.FieldError("id", "is required")
	}
	if !ids.Valid(id) {
		return errNoToken
	}
	t, _, err := s.tokens.Get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound || err == nil && userID != "" && t.GetUserId() != userID {
		return errNoToken
	}
	if err != nil {
		return err
	}
	err = s.tokens.Remove(ctx, id, true)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return errNoToken
	}
	return err
}
