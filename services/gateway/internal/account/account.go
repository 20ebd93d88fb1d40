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
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
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

// notNameRune rejects control and other invisible characters (bidi
// overrides and isolates, NUL, escapes, line breaks) in a display name,
// except the zero-width (non-)joiners Persian and Indic names need: the
// rule pkg/people holds personal names to.
func notNameRune(r rune) bool {
	return !unicode.IsPrint(r) && r != '\u200c' && r != '\u200d'
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Empty reports whether no account exists yet (first run).
func (s *Service) Empty() bool { return s.accounts.Len() == 0 }

// validateUser checks u; creating says whether email may be set.
func validateUser(v *apperr.Validator, u *gatewayv1.User) {
	// mail.ParseAddress takes any UTF-8 (RFC 6532) and bytes that are no
	// UTF-8: a bidi override or a zero-width space made an address that
	// reads as another user's on the users page and in the audit (ADR
	// 0208). Printable characters only, no spaces.
	if a, err := mail.ParseAddress(u.GetEmail()); err != nil || a.Address != u.GetEmail() || len(u.GetEmail()) > 254 ||
		!utf8.ValidString(u.GetEmail()) || strings.IndexFunc(u.GetEmail(), func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) || r == utf8.RuneError }) >= 0 {
		v.Add("user.email", "is not an e-mail address")
	}
	if n := len([]rune(strings.TrimSpace(u.GetDisplayName()))); n == 0 || n > 100 {
		v.Add("user.display_name", "must be 1 to 100 characters")
	} else if strings.IndexFunc(u.GetDisplayName(), notNameRune) >= 0 {
		// The users list and every audit entry show it: a right-to-left
		// override would make one name read as another (ADR 0195).
		v.Add("user.display_name", "must not contain control characters")
	}
	switch u.GetRole() {
	case gatewayv1.Role_ROLE_ADMIN, gatewayv1.Role_ROLE_OPERATOR:
		if u.GetOrganisationId() != "" || len(u.GetMunicipalityCodes()) > 0 {
			v.Add("user.organisation_id", "only coordinators belong to an organisation")
		}
	case gatewayv1.Role_ROLE_COORDINATOR:
		if u.GetOrganisationId() == "" {
			v.Add("user.organisation_id", "is required for a coordinator")
		}
		if len(u.GetMunicipalityCodes()) == 0 {
			v.Add("user.municipality_codes", "a coordinator needs at least one municipality")
		}
		for i, m := range u.GetMunicipalityCodes() {
			if !municipality.Valid(m) {
				v.Add(fmt.Sprintf("user.municipality_codes[%d]", i), "is not a Swedish municipality code (four digits, for example 0180)")
			}
		}
	default:
		v.Add("user.role", "must be admin, coordinator or operator")
	}
	if !slices.Contains(Locales, u.GetLocale()) {
		v.Add("user.locale", "must be sv, en or ar")
	}
}

func validatePassword(v *apperr.Validator, field, p string) {
	if n := passwordLen(p); n < MinPasswordLen || n > MaxPasswordLen {
		v.Add(field, fmt.Sprintf("must be %d to %d characters", MinPasswordLen, MaxPasswordLen))
	}
}

// CreateUser stores a new user with password. Returns Invalid or
// AlreadyExists (the e-mail is taken).
func (s *Service) CreateUser(ctx context.Context, u *gatewayv1.User, password string) (*gatewayv1.User, error) {
	return s.createUser(ctx, u, password, s.cfg.IDs.New)
}

// CreateUserWithID is CreateUser for the admin the setup link makes,
// with the id TakeSetupFor chose and wrote in the link's state before the
// account existed (ADR 0229). Returns what CreateUser returns.
func (s *Service) CreateUserWithID(ctx context.Context, id string, u *gatewayv1.User, password string) (*gatewayv1.User, error) {
	return s.createUser(ctx, u, password, func() string { return id })
}

func (s *Service) createUser(ctx context.Context, u *gatewayv1.User, password string, newID func() string) (*gatewayv1.User, error) {
	if u == nil {
		u = &gatewayv1.User{} // Connect's JSON "{}": named by the validation below
	}
	u = proto.Clone(u).(*gatewayv1.User)
	u.Email = normEmail(u.GetEmail())
	u.DisplayName = strings.TrimSpace(u.GetDisplayName())
	if u.GetLocale() == "" {
		u.Locale = Locales[0]
	}
	var v apperr.Validator
	validateUser(&v, u)
	validatePassword(&v, "password", password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.emailFree(u.GetEmail(), ""); err != nil {
		return nil, err
	}
	if s.emailLooked != nil {
		s.emailLooked()
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.cfg.Now())
	u.CreateTime, u.UpdateTime = now, now
	// The index check above is not enough for creates at the same time
	// (a form sent twice, the demo seed beside the web app): both passed
	// it and two accounts shared the address. The e-mail's keyed term is
	// the create's request key, reserved by compare-and-set, so one
	// account is made and the others get it back, which they answer
	// AlreadyExists. An account deleted keeps
	// its reservation a day (the store's rule: a removed record is never
	// created again by its request), so a new account for the same e-mail
	// within that day takes the next round's key ("…/2"), which creates
	// at the same time still share.
	mine := ""
	var out *storev1.Account
	for round := 1; ; round++ {
		if round > maxEmailRounds {
			return nil, apperr.Errorf(apperr.FailedPrecondition, "accounts with this e-mail were deleted too often today: try again tomorrow")
		}
		rk := "email/" + s.emailTerm(u.GetEmail())
		if round > 1 {
			rk += fmt.Sprintf("/%d", round)
		}
		out, _, err = s.accounts.CreateOnce(ctx, rk, newID,
			func(id string) (*storev1.Account, []*eventsv1.Envelope, error) {
				mine = id
				v := proto.Clone(u).(*gatewayv1.User)
				v.Id = id
				return &storev1.Account{User: v, PasswordHash: hash, Generation: 1, EmailPending: true}, nil, nil
			})
		if apperr.ErrorCode(err) == apperr.FailedPrecondition && apperr.ErrorMessage(err) == store.CreatedRecordRemoved {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
		if out.GetUser().GetId() != mine && s.emailTerm(out.GetUser().GetEmail()) != s.emailTerm(u.GetEmail()) {
			// This round's key is held by an account whose e-mail was
			// changed away from this one: the address is free, the key
			// spent (email_change.go).
			continue
		}
		break
	}
	if out.GetUser().GetId() != mine {
		return nil, errEmailTaken
	}
	s.awaitIndex(ctx, mine, 1)
	if err := s.keepEmailOnce(ctx, mine, u.GetEmail()); err != nil {
		return nil, err
	}
	return out.GetUser(), nil
}

// UpdateUser changes the named fields of the user u.Id and, when password
// is not empty, the password. Disabling, a role or scope change and a new
// password bump the account's generation, which ends the user's sessions and
// tokens. A new e-mail is the one the user signs in with from then on,
// the old one no more (email_change.go); the user's sessions go on.
// Returns Invalid, NotFound, AlreadyExists (the new e-mail is taken).
func (s *Service) UpdateUser(ctx context.Context, u *gatewayv1.User, paths []string, password string) (*gatewayv1.User, error) {
	if err := s.CheckUpdate(ctx, u, paths, password); err != nil {
		return nil, err
	}
	email := ""
	if slices.Contains(paths, "email") {
		email = normEmail(u.GetEmail())
		if err := s.emailFree(email, u.GetId()); err != nil {
			return nil, err
		}
		if s.emailLooked != nil {
			s.emailLooked()
		}
	}
	var oldEmail string
	var hash string
	if password != "" {
		var err error
		if hash, err = s.hashPassword(password); err != nil {
			return nil, err
		}
	}
	if done, err := s.beginEndAdmin(ctx, u, paths); err != nil {
		return nil, err
	} else if done != nil {
		defer done()
	}
	a, _, err := s.accounts.Update(ctx, u.GetId(), func(a *storev1.Account, _ uint64) (store.Change, error) {
		cur := a.GetUser()
		wasAdmin := isActiveAdmin(cur)
		revoke := hash != ""
		oldEmail = cur.GetEmail()
		for _, p := range paths {
			switch p {
			case "display_name":
				cur.DisplayName = strings.TrimSpace(u.GetDisplayName())
			case "email":
				if normEmail(cur.GetEmail()) != email {
					// Pending until keepEmailOnce settles it; a change
					// made while another is pending keeps the address
					// the account had before both.
					if !a.GetEmailPending() {
						a.PreviousEmail = cur.GetEmail()
					}
					a.EmailPending = true
				}
				cur.Email = email
			case "role":
				revoke = revoke || cur.GetRole() != u.GetRole()
				cur.Role = u.GetRole()
			case "organisation_id":
				revoke = revoke || cur.GetOrganisationId() != u.GetOrganisationId()
				cur.OrganisationId = u.GetOrganisationId()
			case "municipality_codes":
				revoke = revoke || !slices.Equal(cur.GetMunicipalityCodes(), u.GetMunicipalityCodes())
				cur.MunicipalityCodes = slices.Clone(u.GetMunicipalityCodes())
			case "locale":
				cur.Locale = u.GetLocale()
			case "disabled":
				revoke = revoke || (u.GetDisabled() && !cur.GetDisabled())
				cur.Disabled = u.GetDisabled()
			}
		}
		var v apperr.Validator
		validateUser(&v, cur)
		if err := v.Err(); err != nil {
			return nil, err
		}
		if wasAdmin && !isActiveAdmin(cur) && !s.otherActiveAdmin(cur.GetId()) {
			return nil, errLastAdmin
		}
		if hash != "" {
			a.PasswordHash = hash
		}
		if revoke {
			a.Generation++
		}
		cur.UpdateTime = timestamppb.New(s.cfg.Now())
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	// A change to the address the account already has pending (a retry
	// after the gateway that wrote it died) settles it too: answered OK,
	// the address must be the account's, not pending.
	if email != "" && (email != oldEmail || a.GetEmailPending()) {
		if err := s.keepEmailOnce(ctx, a.GetUser().GetId(), email); err != nil {
			return nil, err
		}
	}
	s.awaitIndex(ctx, a.GetUser().GetId(), a.GetGeneration())
	return a.GetUser(), nil
}

// passwordLen is the length the password limits count, in characters
// (runes) everywhere, so a password that may be set may also be used.
func passwordLen(p string) int { return utf8.RuneCountInString(p) }
