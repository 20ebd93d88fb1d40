package account

// A user's writes: CreateUser (and the setup link's CreateUserWithID)
// and UpdateUser, with the e-mail's reservation and the generation that
// ends sessions and tokens (split from account.go, moved unchanged).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

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
