package proposal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// Status is where a proposal is.
type Status int

// The statuses. Proposed and Offered are open; Active holds capacity; the
// rest are final.
const (
	Unknown Status = iota
	Proposed
	Offered
	Active
	Ended
	Rejected
	Replaced
	Declined
	Expired
	Withdrawn
)

// String names the status in lower case ("offered"), for messages.
func (s Status) String() string {
	names := [...]string{"unknown", "proposed", "offered", "active", "ended", "rejected", "replaced", "declined", "expired", "withdrawn"}
	if s < 0 || int(s) >= len(names) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return names[s]
}

// Open reports whether the proposal still waits for decisions.
func (s Status) Open() bool { return s == Proposed || s == Offered }

// Live reports whether the proposal is open or active: the two people are
// spoken for and no other proposal should pair either with someone else
// in the same role.
func (s Status) Live() bool { return s.Open() || s == Active }

// State is a proposal's lifecycle.
type State struct {
	Status Status
	// Parties must all accept an offer, for example "newcomer", "mentor".
	Parties []string
	// Accepted holds the parties that accepted, with when.
	Accepted map[string]time.Time
	// OfferExpires is when an offer lapses unless all accepted.
	OfferExpires time.Time
}

func failed(format string, args ...any) error {
	return apperr.Errorf(apperr.FailedPrecondition, format, args...)
}

// Approve offers a proposed pair to its parties until now+ttl.
func (s *State) Approve(now time.Time, ttl time.Duration) error {
	if s.Status != Proposed {
		return failed("only a proposed pair can be approved; this one is %s", s.Status)
	}
	s.Status, s.OfferExpires = Offered, now.Add(ttl)
	return nil
}

// Reject ends a proposed pair a coordinator turned down.
func (s *State) Reject() error {
	if s.Status != Proposed {
		return failed("only a proposed pair can be rejected; this one is %s", s.Status)
	}
	s.Status = Rejected
	return nil
}

// Replace ends a proposed pair whose candidate a coordinator swapped.
func (s *State) Replace() error {
	if s.Status != Proposed {
		return failed("only a proposed pair can have its candidate replaced; this one is %s", s.Status)
	}
	s.Status = Replaced
	return nil
}

// Expired reports whether an offer has lapsed at now.
func (s *State) Expired(now time.Time) bool {
	return s.Status == Offered && !s.OfferExpires.IsZero() && !now.Before(s.OfferExpires)
}

// Expire marks a lapsed offer expired.
func (s *State) Expire(now time.Time) error {
	if !s.Expired(now) {
		return failed("the offer has not expired")
	}
	s.Status = Expired
	return nil
}

// CanAccept checks that party may accept now, without changing anything:
// the offer is open, not expired and party has not accepted yet. It reports
// whether this acceptance completes the pair.
func (s *State) CanAccept(party string, now time.Time) (complete bool, err error) {
	if !slices.Contains(s.Parties, party) {
		return false, apperr.Errorf(apperr.Invalid, "unknown party %q", party)
	}
	switch {
	case s.Status == Expired || s.Expired(now):
		return false, failed("the offer expired at %s", s.OfferExpires.UTC().Format(time.RFC3339))
	case s.Status != Offered:
		return false, failed("only an offered pair can be accepted; this one is %s", s.Status)
	}
	if _, ok := s.Accepted[party]; ok {
		return false, failed("the %s has already accepted", party)
	}
	for _, p := range s.Parties {
		if _, ok := s.Accepted[p]; !ok && p != party {
			return false, nil
		}
	}
	return true, nil
}

// Accept records party's acceptance; when it completes the pair the status
// becomes Active (the caller must hold the capacity by then).
func (s *State) Accept(party string, now time.Time) (complete bool, err error) {
	complete, err = s.CanAccept(party, now)
	if err != nil {
		return false, err
	}
	if s.Accepted == nil {
		s.Accepted = map[string]time.Time{}
	}
	s.Accepted[party] = now
	if complete {
		s.Status = Active
	}
	return complete, nil
}

// Decline ends an offer a party turned down.
func (s *State) Decline(party string, now time.Time) error {
	if !slices.Contains(s.Parties, party) {
		return apperr.Errorf(apperr.Invalid, "unknown party %q", party)
	}
	switch {
	case s.Status == Expired || s.Expired(now):
		return failed("the offer expired at %s", s.OfferExpires.UTC().Format(time.RFC3339))
	case s.Status != Offered:
		return failed("only an offered pair can be declined; this one is %s", s.Status)
	}
	s.Status = Declined
	return nil
}

// Withdraw ends an open proposal because a party left the programme.
func (s *State) Withdraw() error {
	if !s.Status.Open() {
		return failed("only an open proposal can be withdrawn; this one is %s", s.Status)
	}
	s.Status = Withdrawn
	return nil
}

// End ends an active pair.
func (s *State) End() error {
	if s.Status != Active {
		return failed("only an active pair can end; this one is %s", s.Status)
	}
	s.Status = Ended
	return nil
}

// ID derives a proposal id from what identifies the proposal (a job id and
// the two people): the same parts always give the same id, so a job that
// restarts after a crash writes the same records instead of new ones. The
// id is shaped like a UUID (version 8, RFC 9562) from a SHA-256 of the
// parts, so it fits wherever record ids go.
func ID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// Length-prefixing keeps ("ab","c") and ("a","bc") apart.
		fmt.Fprintf(h, "%d:%s|", len(p), p)
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x80 // version 8
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// Proto returns s as the shared wire enum, which numbers statuses alike.
func (s Status) Proto() proposalv1.ProposalStatus { return proposalv1.ProposalStatus(s) }

// StatusOf returns the status of the shared wire enum (or of a
// programme's own enum numbered alike, such as mentoring's PairStatus).
func StatusOf(p proposalv1.ProposalStatus) Status { return Status(p) }
