package layout

import (
	"crypto/ed25519"

	"github.com/motesplats/motesplats/pkg/service"
)

// NotifyKeyID names notify's own signing key (service.NotifyKeyID).
const NotifyKeyID = service.NotifyKeyID

// BindPublicKeys is service.BindPublicKeys: make up binds a keys.env of
// before ADR 0210 in place.
func BindPublicKeys(public string, notify ed25519.PublicKey) string {
	return service.BindPublicKeys(public, notify)
}
