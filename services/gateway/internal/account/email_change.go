package account

// Changing a user's e-mail (ADR 0207), and every crash between its steps
// (ADR 0212). An admin who typed a coordinator's address wrong had to
// delete and recreate the account; UpdateUser now takes "email".
//
// What keeps one address to one account: the e-mail index (keyed,
// email.go) answers both a create and an update before they write; the
// create's reservation (the store's request key "email/<term>[/<round>]",
// CreateOnce) settles creates at the same moment. The store carries a
// record's request key for the record's life, so it cannot move with the
// address: an account whose e-mail changed still holds its old address's
// key. A create of the old address that finds the key held by an account
// that no longer has the address takes the next round's key (CreateUser).
//
// For the new address, every writer (a create, or an update that sets an
// e-mail) writes it as pending (Account.email_pending, the old address in
// previous_email, still reserved for the account), checks again once its
// own write is in its index, and so every write before it, and settles:
// the later of two writers that met on one address always sees the
// earlier one and steps back (its old address again; a create withdrawn,
// then removed); otherwise the pending mark is cleared and the caller is
// answered. A pending address signs no one in. A gateway that dies between
// the steps leaves the mark, and whoever reads it settles it the same way
// (settle): the gateway at start, a sign-in or OIDC lookup of either
// address, a later check. Each settling is one compare-and-set write of
// the record (the store's Update), so a record is settled once, by the
// live writer or by a reader, and the writer answers what was settled.
// Both may step back when they meet at the same moment; each is told the
// address is taken and the next attempt finds it free or held.

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// errEmailTaken is the refusal of an address another account has, in the
// same words on a create and on a change (the catalogue's Swedish).
var errEmailTaken = apperr.Errorf(apperr.AlreadyExists, EmailTakenText)

// EmailTakenText is the refusal of a taken address, also as a field
// violation beside a form's other mistakes (core.CheckNewUser).
const EmailTakenText = "a user with that e-mail exists"

// EmailTaken says whether an account holds email (as a create reads it:
// trimmed, lower case), so a form refused for other mistakes names it
// too (ADR 0223). The index is the one CreateUser checks first.
func (s *Service) EmailTaken(email string) bool {
	return s.emailFree(normEmail(email), "") != nil
}

// settleWait bounds the wait and the writes of a sign-in that settles an
// address left pending: a sign-in has no caller's deadline.
const settleWait = 5 * time.Second

// emailTerms are the index's terms of an account: its e-mail, and while a
// change is pending the address it had, which stays reserved for it.
func (s *Service) emailTerms(a *storev1.Account) []string {
	var out []string
	if e := a.GetUser().GetEmail(); e != "" {
		out = append(out, s.emailTerm(e))
	}
	if p := a.GetPreviousEmail(); a.GetEmailPending() && p != "" && normEmail(p) != normEmail(a.GetUser().GetEmail()) {
		out = append(out, s.emailTerm(p))
	}
	return out
}

// emailFree returns errEmailTaken when an account other than self holds
// email in this replica's index (pending or not).
func (s *Service) emailFree(email, self string) error {
	if len(s.holders(email, self)) > 0 {
		return errEmailTaken
	}
	return nil
}

// holders are the accounts other than self the index lists under email:
// its own, pending or not, and a pending change's old one.
func (s *Service) holders(email, self string) []*storev1.Account {
	page, _ := s.accounts.Find(store.Query[*storev1.Account]{Index: "email", Values: []string{s.emailTerm(email)}})
	var out []*storev1.Account
	for _, a := range page.Items {
		if a.GetUser().GetId() != self {
			out = append(out, a)
		}
	}
	return out
}

// keepEmailOnce is the check after a write that gave account id the
// pending e-mail email: once the index holds every write made before it
// (Sync), another account with the address means two writers met, and
// this one steps back: a changed account gets its old address back, a new
// one is withdrawn and removed. Otherwise the address is the account's.
// Returns errEmailTaken when the record was not settled with email (here
// or by a reader before).
func (s *Service) keepEmailOnce(ctx context.Context, id, email string) error {
	if s.emailWritten != nil {
		s.emailWritten()
	}
	if err := s.accounts.Sync(ctx); err != nil {
		return fmt.Errorf("user e-mail: %w", err)
	}
	met := len(s.holders(email, id)) > 0
	if s.emailChecked != nil {
		s.emailChecked(met)
	}
	a, _, err := s.accounts.Update(ctx, id, func(a *storev1.Account, _ uint64) (store.Change, error) {
		if !a.GetEmailPending() || normEmail(a.GetUser().GetEmail()) != normEmail(email) {
			return nil, nil // settled already, or changed again since
		}
		if met {
			a.User.Email = a.GetPreviousEmail() // "" for a create: withdrawn
		}
		a.EmailPending = a.GetUser().GetEmail() == ""
		a.PreviousEmail = ""
		a.User.UpdateTime = timestamppb.New(s.cfg.Now())
		return nil, nil
	})
	if apperr.ErrorCode(err) == apperr.NotFound {
		return errEmailTaken // withdrawn and removed by a reader, or erased
	}
	if err != nil {
		return fmt.Errorf("user e-mail: settle: %w", err)
	}
	if a.GetEmailPending() && a.GetUser().GetEmail() == "" {
		if s.emailWithdrawn != nil {
			s.emailWithdrawn()
		}
		if err := ignoreNotFound(s.accounts.Remove(ctx, id, true)); err != nil {
			return fmt.Errorf("user e-mail: take back the create: %w", err)
		}
		return errEmailTaken
	}
	if a.GetEmailPending() || normEmail(a.GetUser().GetEmail()) != normEmail(email) {
		return errEmailTaken
	}
	return nil
}

// settle settles account a's pending e-mail as its writer would have
// (keepEmailOnce): a gateway that died between the write and the settling
// left it. The outcome is the record's; errors are the writes'.
func (s *Service) settle(ctx context.Context, a *storev1.Account) error {
	id := a.GetUser().GetId()
	if e := a.GetUser().GetEmail(); e != "" {
		err := s.keepEmailOnce(ctx, id, e)
		if apperr.ErrorCode(err) == apperr.AlreadyExists {
			return nil
		}
		return err
	}
	return ignoreNotFound(s.accounts.Remove(ctx, id, true)) // a create withdrawn
}

// settlePending settles every account left pending, at start: the users
// list shows each address once from then on.
func (s *Service) settlePending(ctx context.Context) error {
	page, err := s.accounts.Find(store.Query[*storev1.Account]{Filter: func(a *storev1.Account) bool { return a.GetEmailPending() }})
	if err != nil {
		return err
	}
	for _, a := range page.Items {
		if err := s.settle(ctx, a); err != nil {
			return fmt.Errorf("accounts: settle a pending e-mail: %w", err)
		}
	}
	return nil
}

// signsInAs is the account that signs in with email: the one account
// whose settled e-mail it is. The index is brought up to every write made
// before (Sync: an address changed on another replica a moment ago signs
// in no more), and a pending account listed under the address is settled
// first. Nil when none.
func (s *Service) signsInAs(email string) *storev1.Account {
	ctx, cancel := context.WithTimeout(context.Background(), settleWait)
	defer cancel()
	if err := s.accounts.Sync(ctx); err != nil {
		// NATS not answering: the index as it stands, as before.
		s.cfg.Logger.Warn("accounts: sign-in on an index not synced", "err", err)
	}
	find := func() []*storev1.Account {
		page, _ := s.accounts.Find(store.Query[*storev1.Account]{Index: "email", Values: []string{s.emailTerm(email)}})
		return page.Items
	}
	items := find()
	settled := false
	for _, a := range items {
		if a.GetEmailPending() {
			if err := s.settle(ctx, a); err != nil {
				s.cfg.Logger.Warn("accounts: settle a pending e-mail at sign-in", "err", err)
			}
			settled = true
		}
	}
	if settled {
		items = find()
	}
	for _, a := range items {
		if !a.GetEmailPending() && normEmail(a.GetUser().GetEmail()) == normEmail(email) {
			return a
		}
	}
	return nil
}
