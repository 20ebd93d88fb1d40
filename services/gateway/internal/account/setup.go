package account

// The first-run setup link (ADR 0214). Each gateway held its own token in
// memory and checked it before creating the admin: two forms sent at
// once (and one per replica, each replica with its own link) all passed,
// and each made an admin. The token now lives in one key of the admins
// bucket, setupKey, shared by every replica, with its state:
//
//	open <token>                        the link works
//	taken <token> <unix> <admin> <net>  a form took it at <unix> (ns) and
//	                                    makes the admin <admin>, from <net>
//	done - 0 <admin> <net>              the link made the first admin
//
// The admin's id is chosen as the form takes the link, before the
// account exists (with the address of the network the form came from,
// as the audit log keeps it): a gateway killed between the create and
// its audit entry leaves the admin known, and the next gateway to start,
// or the admin's first sign-in, writes the entry (SetupAdmin, ADR 0229).
// Older gateways wrote "taken <token> <unix>" and "done", and read the
// longer forms as those.
//
// A form takes the link by compare-and-set (open -> taken over the
// revision it read): of forms at the same moment one writes, the others
// read again and find it taken. The form that took it writes done once
// the admin exists, or gives it back (open) when the create was refused
// (a short password), so the form can be sent again.

import (
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

const setupKey = "setup"

// SetupStale is how long a taken link waits for the admin its form makes.
// A gateway that died between taking the link and creating the admin left
// it taken: a gateway started after SetupStale, with still no account,
// makes a new link (never sooner, since the form may still be running on
// another replica).
const SetupStale = time.Minute

// setupTries bounds the revision-check loops: each retry follows another
// gateway's write of the key.
const setupTries = 20

// ErrSetupUsed is the answer to a setup form whose link was used (an
// account exists): the page says the link no longer works, and to sign in.
var ErrSetupUsed = apperr.Errorf(apperr.FailedPrecondition, "the setup link was used")

// ErrSetupBusy is the answer to a setup form whose link another form has
// taken while no account exists yet: that form is making the admin, or
// died doing so. "Accounts exist, sign in" was wrong there: after a form
// killed mid-way there was no account to sign in with (found from
// outside, ADR 0219); the page says a new link follows if no admin comes
// of it.
var ErrSetupBusy = apperr.Errorf(apperr.FailedPrecondition, "the setup link is taken by another form")

// errSetupUnknown answers a token that is not the link's: as any address
// the app does not know, it tells a guesser nothing.
var errSetupUnknown = apperr.Errorf(apperr.NotFound, "not found")

type setupState struct {
	state, token string
	at           int64
	// admin is the id of the admin the link makes or made, and network
	// the address of the network the form came from (both "" in a state
	// an older gateway wrote).
	admin, network string
}

func (s *Service) readSetup(ctx context.Context) (setupState, uint64, error) {
	data, rev, err := leader.Get(ctx, s.js, AdminsBucket, setupKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return setupState{}, 0, nil
	case errors.Is(err, jetstream.ErrKeyDeleted):
		return setupState{}, rev, nil
	case err != nil:
		return setupState{}, 0, err
	}
	f := strings.Fields(string(data))
	st := setupState{}
	if len(f) > 0 {
		st.state = f[0]
	}
	if len(f) > 1 {
		st.token = f[1]
	}
	if len(f) > 2 {
		st.at, _ = strconv.ParseInt(f[2], 10, 64)
	}
	if len(f) > 3 {
		st.admin = f[3]
	}
	if len(f) > 4 {
		st.network = f[4]
	}
	if st.token == "-" {
		st.token = ""
	}
	if st.network == "-" {
		st.network = ""
	}
	return st, rev, nil
}

// writeSetup writes st over revision rev; false when another gateway
// wrote first.
func (s *Service) writeSetup(ctx context.Context, st setupState, rev uint64) (bool, error) {
	// Positional fields, "-" (or 0) standing for an empty one before a
	// field that is set; trailing empty ones left out, so the states an
	// older gateway wrote read the same.
	f := []string{st.state, or(st.token, "-"), strconv.FormatInt(st.at, 10), or(st.admin, "-"), or(st.network, "-")}
	for len(f) > 1 && (f[len(f)-1] == "-" || f[len(f)-1] == "0") {
		f = f[:len(f)-1]
	}
	data := strings.Join(f, " ")
	var err error
	if rev == 0 {
		_, err = s.admins.Create(ctx, setupKey, []byte(data))
	} else {
		_, err = s.admins.Update(ctx, setupKey, []byte(data), rev)
	}
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrKeyExists) || (errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence) {
		return false, nil
	}
	return err == nil, err
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SetupToken returns the token of the first-run setup link, the same on
// every replica: made by the first gateway that asks while no account
// exists. It is "" once an account exists or the link was used; and ""
// with wait > 0 while a form that took the link makes the admin (or died
// doing so: a gateway started wait later makes a new link).
func (s *Service) SetupToken(ctx context.Context) (tok string, wait time.Duration, err error) {
	for range setupTries {
		if !s.Empty() {
			return "", 0, nil
		}
		st, rev, err := s.readSetup(ctx)
		if err != nil {
			return "", 0, err
		}
		switch st.state {
		case "open":
			return st.token, 0, nil
		case "done":
			return "", 0, nil
		case "taken":
			if age := s.cfg.Now().Sub(time.Unix(0, st.at)); age < SetupStale {
				return "", SetupStale - age, nil
			}
		}
		// No link yet, or one taken by a form that died: a new link.
		tok := randomSecret()
		ok, err := s.writeSetup(ctx, setupState{state: "open", token: tok}, rev)
		if err != nil {
			return "", 0, err
		}
		if ok {
			return tok, 0, nil
		}
	}
	return "", 0, apperr.Errorf(apperr.Unavailable, "the setup link could not be read; try again")
}

// CheckSetup says whether tok is the open link's: nil; ErrSetupUsed when
// accounts exist or the link was used; ErrSetupBusy when another form
// holds it; else NotFound.
func (s *Service) CheckSetup(ctx context.Context, tok string) error {
	st, _, err := s.readSetup(ctx)
	if err != nil {
		return err
	}
	return s.setupAnswer(st, tok)
}

func (s *Service) setupAnswer(st setupState, tok string) error {
	switch {
	case st.state == "open" && sameToken(tok, st.token) && s.Empty():
		return nil
	case !s.Empty() || st.state == "done":
		return ErrSetupUsed
	case st.state == "taken" && sameToken(tok, st.token):
		return ErrSetupBusy
	}
	return errSetupUnknown
}

// TakeSetup takes the link tok for one form, by compare-and-set, so that
// of forms at the same moment on any replica one goes on. The form then
// makes the admin and calls the returned function with whether it did:
// true marks the link used, false gives it back for another try. Returns
// ErrSetupUsed, ErrSetupBusy or NotFound as CheckSetup.
func (s *Service) TakeSetup(ctx context.Context, tok string) (func(made bool), error) {
	_, done, err := s.TakeSetupFor(ctx, tok, "")
	return done, err
}

// TakeSetupFor is TakeSetup that also chooses the admin's id, written in
// the link's state with network (the address of the network the form
// came from, "" if unknown) before the admin exists: the form makes the
// admin with that id (CreateUserWithID), and SetupAdmin finds it there
// whatever becomes of the form. Returns what TakeSetup returns.
func (s *Service) TakeSetupFor(ctx context.Context, tok, network string) (adminID string, done func(made bool), err error) {
	adminID = s.cfg.IDs.New()
	if strings.ContainsAny(network, " \t\n") {
		network = ""
	}
	for range setupTries {
		st, rev, err := s.readSetup(ctx)
		if err != nil {
			return "", nil, err
		}
		if err := s.setupAnswer(st, tok); err != nil {
			return "", nil, err
		}
		taken := setupState{state: "taken", token: tok, at: s.cfg.Now().UnixNano(), admin: adminID, network: network}
		ok, err := s.writeSetup(ctx, taken, rev)
		if err != nil {
			return "", nil, err
		}
		if !ok {
			continue // another form wrote first: read what it wrote
		}
		if s.setupTaken != nil {
			s.setupTaken()
		}
		return adminID, func(made bool) { s.endSetup(context.WithoutCancel(ctx), tok, made) }, nil
	}
	return "", nil, apperr.Errorf(apperr.Unavailable, "the setup link could not be read; try again")
}

// SetupAdmin names the admin the setup link made or is making: its id
// and the address of the network its form came from, and whether the
// form is over (the link marked used). "" when no form took the link, or
// an older gateway's did (it kept no id).
func (s *Service) SetupAdmin(ctx context.Context) (id, network string, over bool, err error) {
	st, _, err := s.readSetup(ctx)
	if err != nil {
		return "", "", false, err
	}
	if st.state != "taken" && st.state != "done" {
		return "", "", false, nil
	}
	return st.admin, st.network, st.state == "done", nil
}

// endSetup writes done (the admin exists) or open again (the create was
// refused) over the form's own taken state. Left undone (NATS away), a
// done is not needed (an account exists) and a give-back comes at the
// next start after SetupStale.
func (s *Service) endSetup(ctx context.Context, tok string, made bool) {
	st, rev, err := s.readSetup(ctx)
	if err != nil || st.state != "taken" || !sameToken(tok, st.token) {
		return
	}
	next := setupState{state: "done", admin: st.admin, network: st.network}
	if !made {
		next = setupState{state: "open", token: tok}
	}
	ok, err := s.writeSetup(ctx, next, rev)
	if err != nil {
		s.cfg.Logger.Warn("accounts: the setup link's state not written", "err", err)
	}
	if ok && made && s.cfg.SetupDone != nil {
		s.cfg.SetupDone(tok)
	}
}
