package account

// Changing a user's e-mail (ADR 0207). An admin who typed a coordinator's
// address wrong had to delete and recreate the account; UpdateUser now
// takes "email".
//
// What keeps one address to one account: the e-mail index (keyed,
// email.go) answers both a create and an update before they write; the
// create's reservation (the store's request key "email/<term>[/<round>]",
// CreateOnce) settles creates at the same moment. The store carries a
// record's request key for the record's life, so it cannot move with the
// address: an account whose e-mail changed still holds its old address's
// key. A create of the old address that finds the key held by an account
// that no longer has the address takes the next round's key (CreateUser),
// so the old address is free at once. For the new address, every writer
// (a create, or an update that sets an e-mail) checks again once its own
// write is in its index, and so every write before it: the later of two
// writers that met on one address always sees the earlier one and takes
// its write back (keepEmailOnce), so no two accounts keep an address.
// Both may step back when they meet at the same moment; each is told the
// address is taken and the next attempt finds it free or held.

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// errEmailTaken is the refusal of an address another account has, in the
// same words on a create and on a change (the catalogue's Swedish).
var errEmailTaken = apperr.Errorf(apperr.AlreadyExists, "a user with that e-mail exists")

// emailFree returns errEmailTaken when an account other than self holds
// email in this replica's index.
func (s *Service) emailFree(email, self string) error {
	if len(s.holders(email, self)) > 0 {
		return errEmailTaken
	}
	return nil
}

// holders are the ids of the accounts other than self whose e-mail is
// email, by the index.
func (s *Service) holders(email, self string) []string {
	page, _ := s.accounts.Find(store.Query[*storev1.Account]{Index: "email", Values: []string{s.emailTerm(email)}, Limit: 2})
	var out []string
	for _, a := range page.Items {
		if id := a.GetUser().GetId(); id != self {
			out = append(out, id)
		}
	}
	return out
}

// keepEmailOnce is the check after a write that gave account id the
// e-mail email: once the index holds every write made before it returns
// (Sync), another account with the address means two writers met, and
// this one steps back: a new account (old "") is removed, a changed one
// gets its old address back (if it still has the new one). Returns
// errEmailTaken then.
func (s *Service) keepEmailOnce(ctx context.Context, id, email, old string) error {
	if s.emailWritten != nil {
		s.emailWritten()
	}
	if err := s.accounts.Sync(ctx); err != nil {
		return fmt.Errorf("user e-mail: %w", err)
	}
	if len(s.holders(email, id)) == 0 {
		return nil
	}
	if old == "" {
		if err := s.accounts.Remove(ctx, id, true); err != nil {
			return fmt.Errorf("user e-mail: take back the create: %w", err)
		}
		return errEmailTaken
	}
	_, _, err := s.accounts.Update(ctx, id, func(a *storev1.Account, _ uint64) (store.Change, error) {
		if normEmail(a.GetUser().GetEmail()) == normEmail(email) {
			a.User.Email = old
			a.User.UpdateTime = timestamppb.New(s.cfg.Now())
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("user e-mail: take back the change: %w", err)
	}
	return errEmailTaken
}
