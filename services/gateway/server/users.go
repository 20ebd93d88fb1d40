package server

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// NewUser is an account to create with EnsureUsers.
type NewUser struct {
	User     *gatewayv1.User
	Password string
}

// EnsureUsers creates each user whose e-mail is not taken yet, writing to
// the gateway's account buckets on js directly; a running gateway sees
// them at once through its watch. It never changes an existing user. The
// local demo seed (`make seed`) uses it; real deployments create users on
// the Users screen. keyring is the system's (pkg/seal): accounts are
// sealed with it, as the gateway seals them (ADR 0201). It returns how
// many it created, and the e-mails of existing users whose password is
// not the one given (made by an earlier seed with another key, or
// changed since, or disabled): the seed must not print a password that
// does not sign in (ADR 0217).
func EnsureUsers(ctx context.Context, js jetstream.JetStream, keyring *seal.Keyring, users []NewUser) (created int, other map[string]bool, err error) {
	accounts, err := account.Open(ctx, js, account.Config{Keyring: keyring})
	if err != nil {
		return 0, nil, err
	}
	defer accounts.Close()
	other = make(map[string]bool)
	for _, u := range users {
		_, err := accounts.CreateUser(ctx, u.User, u.Password)
		switch apperr.ErrorCode(err) {
		case "":
			created++
		case apperr.AlreadyExists:
			// The account package's own check: no sign-in is recorded or
			// counted against the account's limits.
			if _, err := accounts.Authenticate(u.User.GetEmail(), u.Password); err != nil {
				other[u.User.GetEmail()] = true
			}
		default:
			return created, other, fmt.Errorf("user %s: %w", u.User.GetEmail(), err)
		}
	}
	return created, other, nil
}
