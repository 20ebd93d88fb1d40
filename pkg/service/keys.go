package service

import (
	"crypto/ed25519"
	"strings"

	"github.com/motesplats/motesplats/pkg/auth"
)

// NotifyKeyID names notify's own signing key in tokens and in
// MP_PUBLIC_KEYS (ADR 0210).
const NotifyKeyID = "notify"

// OperatorKeyID names the operators' key (their tools' MP_OPERATOR_SIGNING_KEY)
// in tokens and in MP_PUBLIC_KEYS (ADR 0217).
const OperatorKeyID = "operator"

// The bindings of MP_PUBLIC_KEYS (ParsePublicKeys): what the gateway's
// key, notify's and the operators' may sign (auth.GatewayGrants,
// NotifyGrants, OperatorGrants; TestBindPublicKeys holds them equal).
const (
	GatewayBinding  = "users+service/gateway"
	NotifyBinding   = "service/notify+service/notify-link"
	OperatorBinding = "users"
)

// BindPublicKeys returns public (MP_PUBLIC_KEYS) with every entry that has
// no binding bound to the gateway's grants (before ADR 0210 every key was
// the gateway's, shared by notify) and notify's key added under
// NotifyKeyID, bound to notify's subjects. An entry already bound, or a
// notify entry already there, is kept as it is.
func BindPublicKeys(public string, notify ed25519.PublicKey) string {
	var out []string
	hasNotify := false
	for part := range strings.SplitSeq(public, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kid, rest, _ := strings.Cut(part, "=")
		hasNotify = hasNotify || kid == NotifyKeyID
		if !strings.Contains(rest, ":") {
			part += ":" + GatewayBinding
		}
		out = append(out, part)
	}
	if !hasNotify {
		out = append(out, NotifyKeyID+"="+auth.EncodePublicKey(notify)+":"+NotifyBinding)
	}
	return strings.Join(out, ",")
}

// HasKeyID reports whether public (MP_PUBLIC_KEYS) has an entry named kid.
func HasKeyID(public, kid string) bool {
	for part := range strings.SplitSeq(public, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(part), "="); k == kid {
			return true
		}
	}
	return false
}

// AddOperatorKey returns public (MP_PUBLIC_KEYS) with the operators' key
// added under OperatorKeyID, bound to people's roles only (ADR 0217); the
// other entries are kept as they are. An operator entry already there is
// kept, and operator ignored: a second key under one id would be refused.
func AddOperatorKey(public string, operator ed25519.PublicKey) string {
	if HasKeyID(public, OperatorKeyID) {
		return public
	}
	entry := OperatorKeyID + "=" + auth.EncodePublicKey(operator) + ":" + OperatorBinding
	if strings.TrimSpace(public) == "" {
		return entry
	}
	return strings.TrimRight(strings.TrimSpace(public), ",") + "," + entry
}
