package service

import (
	"crypto/ed25519"
	"strings"

	"github.com/motesplats/motesplats/pkg/auth"
)

// NotifyKeyID names notify's own signing key in tokens and in
// MP_PUBLIC_KEYS (ADR 0210).
const NotifyKeyID = "notify"

// The bindings of MP_PUBLIC_KEYS (ParsePublicKeys): what the gateway's
// key and notify's may sign (auth.GatewayGrants, NotifyGrants;
// TestBindPublicKeys holds them equal).
const (
	GatewayBinding = "users+service/gateway"
	NotifyBinding  = "service/notify+service/notify-link"
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
