package auth

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The service subjects that sign tokens today. The callers tables of the
// services (pkg/service.Callers) name them; a key's Grants bind them.
const (
	// GatewaySubject is the gateway acting on its own behalf (a visitor
	// with an answer link, cached look-ups without a user).
	GatewaySubject = "gateway"
	// NotifySubject is notify reading people and proposals to write and
	// address its messages.
	NotifySubject = "notify"
)

// Grants is what one signing key may sign (ADR 0210). A verifier holds
// each public key with its grants, so a signer that is compromised can
// mint only what its own key was bound to: notify's key cannot mint an
// admin, a coordinator or another service.
//
// The zero Grants signs nothing. Unbound is the form of keys configured
// before bindings existed, and signs anything; it is kept for one release
// so an upgrade does not refuse every caller (the service logs a warning
// at start for each such key).
type Grants struct {
	// Users: the roles of people (admin, coordinator, operator), any
	// subject. Only the gateway's key and the operators' own (their
	// tools' mint, ADR 0217) have it.
	Users bool
	// Services are the subjects this key may sign role service for.
	Services []string
	// Unbound: the old form without a binding; anything goes.
	Unbound bool
}

// AnyClaims is the grant of a key configured without a binding.
var AnyClaims = Grants{Unbound: true}

// Allows reports whether a key with g may sign c.
func (g Grants) Allows(c Claims) bool {
	switch {
	case g.Unbound:
		return true
	case c.Role == RoleService:
		return slices.Contains(g.Services, c.Subject)
	case c.Role == RoleAdmin, c.Role == RoleCoordinator, c.Role == RoleOperator:
		return g.Users
	}
	return false
}

// String is ParseGrants' form, for logs: "users+service/gateway".
func (g Grants) String() string {
	if g.Unbound {
		return "(unbound)"
	}
	var parts []string
	if g.Users {
		parts = append(parts, "users")
	}
	for _, s := range g.Services {
		parts = append(parts, "service/"+s)
	}
	return strings.Join(parts, "+")
}

// ParseGrants parses a binding: grants joined by "+", each "users" or
// "service/<subject>", e.g. "users+service/gateway" for the gateway's key
// and "service/notify+service/notify-link" for notify's. The error never
// echoes more than the unknown grant.
func ParseGrants(s string) (Grants, error) {
	var g Grants
	if strings.TrimSpace(s) == "" {
		return g, errors.New("empty binding: want users or service/<name>, joined by +")
	}
	for part := range strings.SplitSeq(s, "+") {
		part = strings.TrimSpace(part)
		switch sub, isService := strings.CutPrefix(part, "service/"); {
		case part == "users":
			g.Users = true
		case isService && sub != "" && len(sub) <= maxFieldLen && !strings.ContainsAny(sub, ",:=/ "):
			if !slices.Contains(g.Services, sub) {
				g.Services = append(g.Services, sub)
			}
		default:
			return Grants{}, fmt.Errorf("binding %q is neither users nor service/<name>", part)
		}
	}
	return g, nil
}

// BoundKey is a public key with what it may sign.
type BoundKey struct {
	Key    ed25519.PublicKey
	Grants Grants
}

// GatewayGrants are what the gateway's key signs: people's roles (the
// users it signs in, and the operators' mint) and its own service subject.
// Its binding is "users+service/gateway".
func GatewayGrants() Grants { return Grants{Users: true, Services: []string{GatewaySubject}} }

// NotifyGrants are what notify's key signs: notify reading for its
// messages, and notify-link recording an answer given by link. Its binding
// is "service/notify+service/notify-link".
func NotifyGrants() Grants {
	return Grants{Services: []string{NotifySubject, AnswerLinkSubject}}
}

// OperatorGrants are what the operators' key signs: people's roles only
// (the admins and coordinators their tools, token, seed, load and latency,
// act as), never a service's subject (ADR 0217). Its binding is "users".
func OperatorGrants() Grants { return Grants{Users: true} }
