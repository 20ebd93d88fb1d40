// Package auth carries the caller's identity between services as a
// short-lived token signed with Ed25519, sent in gRPC metadata as
// "authorization: Bearer <token>". Every service verifies it itself (see
// docs/adr/0004-service-tokens.md): the gateway is not the only wall.
//
// Token format, version 1, four dot-separated fields:
//
//	v1.<key id>.<payload>.<signature>
//
// payload is base64url (no padding) of the JSON claims
// {"sub","role","org","mun","iat","exp","iss"}, times in Unix seconds.
// signature is base64url (no padding) of the 64-byte Ed25519 signature over
// the bytes "v1.<key id>.<payload>". The key id selects the public key, so
// keys rotate by adding the new one to every verifier before signers switch.
// Tokens longer than MaxTokenSize are refused before any parsing.
//
// Each signer has its own key, and a verifier binds each key to what it
// may sign (Grants: people's roles, or named service subjects); Callers
// says which service subjects each method takes (ADR 0210).
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// Role is what kind of caller a token stands for.
type Role string

// The roles. Which records a role may see is decided by Claims.CanSee.
const (
	// RoleAdmin runs the whole platform and sees every record.
	RoleAdmin Role = "admin"
	// RoleCoordinator works for one organisation in some municipalities
	// and sees personal data only there.
	RoleCoordinator Role = "coordinator"
	// RoleOperator keeps the system running: traces and metrics, never
	// personal data.
	RoleOperator Role = "operator"
	// RoleService is another service of the platform acting on its own
	// behalf (a consumer, a matching job).
	RoleService Role = "service"
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCoordinator, RoleOperator, RoleService:
		return true
	}
	return false
}

// Claims is who the caller is and what they may see. It carries ids and
// codes only (a subject id, an organisation id, SCB municipality codes), so
// it is safe to log.
type Claims struct {
	// Subject is the caller's id: a user id or a service name.
	Subject string
	// Role decides what the caller may see.
	Role Role
	// Organisation is the coordinator's organisation id.
	Organisation string
	// Municipalities are the codes a coordinator works in.
	Municipalities []string
	// IssuedAt and Expiry bound the token's life; Signer.Sign sets them.
	IssuedAt, Expiry time.Time
	// Issuer names who signed, for audit (the gateway, a service, mint).
	Issuer string
}

// AnswerLinkSubject is the subject notify acts as when it records an
// answer given through the answer link in a message: the programmes keep
// it as a record's updated_by, and the gateway's pair history reads it
// there to say the answer came by link (no gateway user took that step).
const AnswerLinkSubject = "notify-link"

// Limits on claims, so a token stays far below MaxTokenSize.
const (
	maxFieldLen       = 256
	maxMunicipalities = 64
)

// Validate reports whether c is complete and consistent: a subject, a known
// role, an organisation and at least one municipality for a coordinator,
// and an expiry after the issue time.
func (c Claims) Validate() error {
	var errs []error
	if c.Subject == "" {
		errs = append(errs, errors.New("subject is empty"))
	}
	if !c.Role.Valid() {
		errs = append(errs, fmt.Errorf("unknown role %q", c.Role))
	}
	if c.Role == RoleCoordinator {
		if c.Organisation == "" {
			errs = append(errs, errors.New("coordinator without organisation"))
		}
		if len(c.Municipalities) == 0 {
			errs = append(errs, errors.New("coordinator without municipalities"))
		}
	}
	if len(c.Municipalities) > maxMunicipalities {
		errs = append(errs, fmt.Errorf("more than %d municipalities", maxMunicipalities))
	}
	for _, s := range append([]string{c.Subject, c.Organisation, c.Issuer}, c.Municipalities...) {
		if len(s) > maxFieldLen {
			errs = append(errs, fmt.Errorf("a field is longer than %d bytes", maxFieldLen))
			break
		}
	}
	if slices.Contains(c.Municipalities, "") {
		errs = append(errs, errors.New("empty municipality code"))
	}
	if c.IssuedAt.IsZero() || c.Expiry.IsZero() {
		errs = append(errs, errors.New("issued-at or expiry missing"))
	} else if !c.Expiry.After(c.IssuedAt) {
		errs = append(errs, errors.New("expiry not after issued-at"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("auth: invalid claims: %w", errors.Join(errs...))
	}
	return nil
}

// CanSee reports whether the caller may see personal data of a record owned
// by org in municipality. Admins and services may; a coordinator only when
// org is their organisation and municipality one of theirs; an operator
// never. Handlers answer NotFound, not PermissionDenied, when it is false,
// so a caller cannot probe which ids exist.
func (c Claims) CanSee(org, municipality string) bool {
	switch c.Role {
	case RoleAdmin, RoleService:
		return true
	case RoleCoordinator:
		return org != "" && municipality != "" && org == c.Organisation &&
			slices.Contains(c.Municipalities, municipality)
	default:
		return false
	}
}

type claimsKey struct{}

// NewContext returns ctx carrying c, as the server interceptors do after
// verifying the caller's token.
func NewContext(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the verified claims in ctx; ok is false when the
// call was not authenticated (an open method, or no interceptor).
func FromContext(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}

// Require returns the claims the server interceptor verified. Their
// absence means a server was wired without the interceptor: it refuses
// rather than guesses, with an Unauthenticated application error.
func Require(ctx context.Context) (Claims, error) {
	c, ok := FromContext(ctx)
	if !ok {
		return Claims{}, apperr.Errorf(apperr.Unauthenticated, "missing or invalid token")
	}
	return c, nil
}
