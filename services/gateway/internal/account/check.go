package account

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// CheckNew returns every field violation CreateUser refuses u and
// password for (Invalid), or nil, storing nothing and reading no account:
// the gateway merges them with its own checks of the organisation and the
// municipalities typed by name, so an admin learns every field to correct
// from one answer. The users form refused in rounds, the organisation's
// first and the account's after (ADR 0205's Left, 0211). An e-mail
// already taken is still CreateUser's AlreadyExists.
func CheckNew(u *gatewayv1.User, password string) error {
	if u == nil {
		u = &gatewayv1.User{}
	}
	// As CreateUser reads it: the address lower-cased and trimmed, the
	// name trimmed, the first locale when none is given.
	n := proto.Clone(u).(*gatewayv1.User)
	n.Email, n.DisplayName = normEmail(n.GetEmail()), strings.TrimSpace(n.GetDisplayName())
	if n.Locale == "" {
		n.Locale = Locales[0]
	}
	var v apperr.Validator
	validateUser(&v, n)
	validatePassword(&v, "password", password)
	return v.Err()
}
