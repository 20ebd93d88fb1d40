package proposal

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// Stamps say where a programme's record keeps the lifecycle's times as
// protobuf timestamps: each party's acceptance and the offer's expiry.
// With them a programme's State and SetState read and write the times
// through one description (StateOf, Stamp) instead of each programme
// copying the conversions.
type Stamps struct {
	// Accepted points, by party, at the field holding its acceptance
	// time.
	Accepted map[string]**timestamppb.Timestamp
	// Expires points at the field holding the offer's expiry.
	Expires **timestamppb.Timestamp
}

// StateOf is the lifecycle state of a record in status whose parties
// must all accept and whose times are at s.
func StateOf(status Status, parties []string, s Stamps) State {
	st := State{Status: status, Parties: parties, Accepted: map[string]time.Time{}}
	for party, at := range s.Accepted {
		if t := *at; t != nil {
			st.Accepted[party] = t.AsTime()
		}
	}
	if s.Expires != nil && *s.Expires != nil {
		st.OfferExpires = (*s.Expires).AsTime()
	}
	return st
}

// Stamp writes st's times into the record's fields at s. A time st does
// not hold leaves its field as it is: the lifecycle adds acceptances and
// expiries, it never takes one back.
func (st State) Stamp(s Stamps) {
	for party, at := range s.Accepted {
		if t, ok := st.Accepted[party]; ok {
			*at = timestamppb.New(t)
		}
	}
	if s.Expires != nil && !st.OfferExpires.IsZero() {
		*s.Expires = timestamppb.New(st.OfferExpires)
	}
}
