// Package account keeps the gateway's users, browser sessions and API
// tokens in JetStream key-value buckets, and answers the one question every
// request asks: who is this, and may they still act? Users are checked on
// every request against the bucket's watch-fed index, so disabling a user or
// changing their password ends their sessions and tokens at once.
package account

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Bucket names.
const (
	AccountsBucket = "gateway-accounts"
	SessionsBucket = "gateway-sessions"
	TokensBucket   = "gateway-tokens"
)

// Locales the web app speaks. The first is the default.
var Locales = []string{"sv", "en", "ar"}

// ErrBadCredentials is all a failed sign-in learns: it never says whether
// the e-mail exists.
var ErrBadCredentials = apperr.Errorf(apperr.Unauthenticated, "wrong e-mail or password")

// DisabledMessage is ErrDisabled's text, which mp and the web app
// recognise to say it in the user's language.
const DisabledMessage = "this account is turned off; ask an administrator"

// ErrDisabled answers a sign-in with the right password, and a session
// or API token still presented, of an account an administrator turned
// off (ADR 0223). It was told "expired", then "wrong password", and
// could not know to ask an administrator. Only someone holding the
// password, or a valid session or token, learns it: a wrong password
// stays ErrBadCredentials, and the work before the password checks out
// is the same for every account (ADR 0201, 0218).
var ErrDisabled = apperr.Errorf(apperr.Unauthenticated, DisabledMessage)

// errNoSession is the answer for a missing, expired or revoked session or
// token; the caller signs in again.
var errNoSession = apperr.Errorf(apperr.Unauthenticated, "please sign in")

// Config configures the Service.
type Config struct {
	// SessionTTL is the absolute life of a browser session (default 8h).
	SessionTTL time.Duration
	// TokenTTL is the life of an API token (default 90 days).
	TokenTTL time.Duration
	Replicas int
	Logger   *slog.Logger
	Now      func() time.Time
	IDs      ids.Source
	// HashCost is the cost of new password hashes (zero: the
	// deployment's; only tests set it).
	HashCost HashCost
	// Keyring seals each account with a data key of its own, which
	// DeleteUser shreds, and keys the e-mail index (ADR 0201). Nil (some
	// tests) keeps accounts in clear, as before.
	Keyring *seal.Keyring
	// SetupDone, when set, hears the token of the first-run setup link
	// once this replica's form made the admin and marked the link used:
	// the gateway removes the file it announced the link in, which no
	// longer works (ADR 0218).
	SetupDone func(token string)
	// accountHooks are the accounts bucket's fault-injection points
	// (tests: a crash inside a write).
	accountHooks *store.Hooks
}

// Service manages accounts, sessions and tokens. It is safe for concurrent
// use.
type Service struct {
	cfg      Config
	accounts *store.Repo[*storev1.Account]
	sessions *store.Repo[*storev1.Session]
	tokens   *store.Repo[*storev1.ApiToken]
	// js and admins hold the admins leaving (lastadmin.go).
	js     jetstream.JetStream
	admins jetstream.KeyValue
	slots  chan struct{}
	// dummyHash is checked against when an e-mail is unknown, so a failed
	// sign-in takes as long whether or not the account exists.
	dummyHash string
	// emailKey keys the e-mail index and the create's reservation
	// (emailTerm); nil without a keyring.
	emailKey []byte
	// checked, when set (tests), hears each password check, and whether
	// it was against the dummy hash.
	checked func(dummy bool)
	// removed, when set (tests), runs in DeleteUser right after the
	// account is removed: what another replica does meanwhile.
	removed func()
	// adminChecked, when set (tests), runs once a change that ends an
	// admin has found another admin who stays, before it writes: what a
	// second admin does meanwhile.
	adminChecked func()
	// emailWritten, when set (tests), runs once an account's new e-mail
	// is written, before the check that no other account has it.
	emailWritten func()
	// emailLooked, when set (tests), runs once a create or an e-mail
	// change found the address free in the index, before it writes:
	// another writer taking the address meanwhile.
	emailLooked func()
	// emailChecked, when set (tests), runs once the check after the
	// write has decided: met says another account has the address and
	// this writer steps back next; otherwise it settles its write next.
	emailChecked func(met bool)
	// emailWithdrawn, when set (tests), runs once a create that met
	// another account is withdrawn, before it is removed.
	emailWithdrawn func()
	// sessionsEnded, when set (tests), runs in DeleteUser once the
	// user's sessions and tokens are removed, before the account is.
	sessionsEnded func()
	// setupTaken, when set (tests), runs once a setup form took the
	// link, before its admin is made: a gateway dying there.
	setupTaken func()
}

// Principal is an authenticated caller.
type Principal struct {
	// User is the caller's user, as of this request.
	User *gatewayv1.User
	// SessionID is the key of the browser session, if any.
	SessionID string
	// CSRFToken is the session's synchronizer token.
	CSRFToken string
	// TokenID is the API token's id, if the caller used one.
	TokenID string
}

// Claims returns the identity the gateway signs for the services.
func (p Principal) Claims() auth.Claims {
	return Claims(p.User)
}

// Claims maps a user to service-token claims.
func Claims(u *gatewayv1.User) auth.Claims {
	c := auth.Claims{Subject: u.GetId(), Issuer: "gateway"}
	switch u.GetRole() {
	case gatewayv1.Role_ROLE_ADMIN:
		c.Role = auth.RoleAdmin
	case gatewayv1.Role_ROLE_COORDINATOR:
		c.Role = auth.RoleCoordinator
		c.Organisation = u.GetOrganisationId()
		c.Municipalities = slices.Clone(u.GetMunicipalityCodes())
	default:
		c.Role = auth.RoleOperator
	}
	return c
}

// Open opens the buckets and loads their indexes. Close releases them.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Service, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 90 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.UUIDv7{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.HashCost = cfg.HashCost.orDefault()
	s := &Service{cfg: cfg, js: js, slots: make(chan struct{}, hashSlots)}
	var err error
	if s.admins, err = openAdmins(ctx, js, cfg.Replicas); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if cfg.Keyring != nil {
		if s.emailKey, err = cfg.Keyring.IndexKey(ctx, AccountsBucket); err != nil {
			return nil, fmt.Errorf("accounts: e-mail index key: %w", err)
		}
	}
	// Each account is sealed with its own data key (the default subject:
	// the record's key, the user's id); an API token with its user's, as
	// its name is free text the user typed. Sessions hold ids and hashes
	// only and stay in clear.
	s.accounts, err = store.Open(ctx, js, store.Config[*storev1.Account]{
		Bucket: AccountsBucket, New: func() *storev1.Account { return &storev1.Account{} }, Replicas: cfg.Replicas, Logger: cfg.Logger,
		Indexes: map[string]func(*storev1.Account) []string{
			"email": s.emailTerms,
		},
		Keyring: cfg.Keyring, Hooks: cfg.accountHooks,
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	s.sessions, err = store.Open(ctx, js, store.Config[*storev1.Session]{
		Bucket: SessionsBucket, New: func() *storev1.Session { return &storev1.Session{} }, Replicas: cfg.Replicas, Logger: cfg.Logger,
	})
	if err != nil {
		s.accounts.Close()
		return nil, fmt.Errorf("sessions: %w", err)
	}
	s.tokens, err = store.Open(ctx, js, store.Config[*storev1.ApiToken]{
		Bucket: TokensBucket, New: func() *storev1.ApiToken { return &storev1.ApiToken{} }, Replicas: cfg.Replicas, Logger: cfg.Logger,
		Keyring: cfg.Keyring, Subject: func(_ string, t *storev1.ApiToken) string { return t.GetUserId() },
	})
	if err != nil {
		s.accounts.Close()
		s.sessions.Close()
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if s.dummyHash, err = s.hashPassword("not a password of anyone"); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.sealClear(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.settlePending(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.finishErasures(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.endOrphans(ctx); err != nil {
		// They are refused already; the next start tries again.
		cfg.Logger.Warn("accounts: sessions and tokens of erased users left", "err", err)
	}
	return s, nil
}

// Close stops the buckets' watchers.
func (s *Service) Close() {
	s.accounts.Close()
	s.sessions.Close()
	s.tokens.Close()
}

// Empty reports whether no account exists yet (first run).
func (s *Service) Empty() bool { return s.accounts.Len() == 0 }
