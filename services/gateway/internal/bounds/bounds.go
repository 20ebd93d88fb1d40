// Package bounds caps what one request may carry: the entries of every
// repeated field of a message, before the gateway passes it to a service,
// and the field violations it answers with (apperr.MaxViolations). A request with 100,000 empty
// consents would otherwise come back as 400,000 violations in one status
// too large for its client to read (ADR 0049).
package bounds

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/people"
)

// MaxEntries caps the repeated fields of requests by field name; every
// other repeated field takes DefaultMaxEntries. They are the services'
// own documented caps (the .proto comments), so the gateway refuses what a
// service would, with one violation and without the round trip; the
// gateway's README lists them.
var MaxEntries = map[protoreflect.Name]int{
	"consents":           4,   // one per purpose
	"languages":          20,  // a person's languages
	"interests":          20,  // interest tags
	"diets":              8,   // dietary needs
	"diets_served":       8,   // diets a host can serve
	"availability":       21,  // weekday and day part slots
	"member_ages":        20,  // household members
	"roles":              6,   // volunteer roles
	"activities":         6,   // a check-in's activities
	"statuses":           16,  // list filters
	"paths":              32,  // an update mask
	"municipality_codes": 290, // Sweden has 290 municipalities
}

// MaxEntriesOf caps the repeated fields of one request by the field's full
// name, before MaxEntries: a field name shared with other requests ("ids")
// whose cap differs. The batch name reads take a page of mp's mailbox,
// 200 people, in one call (ADR 0222), where ListNamesakes' ids stay at 100.
var MaxEntriesOf = map[protoreflect.FullName]int{
	"motesplats.participants.v1.BatchGetParticipantNamesRequest.ids": people.MaxNameIDs,
	"motesplats.volunteers.v1.BatchGetVolunteerNamesRequest.ids":     people.MaxNameIDs,
}

// DefaultMaxEntries caps a repeated field that MaxEntries does not name.
const DefaultMaxEntries = 100

// Check checks every repeated and map field of m, at any depth, against
// its cap, every string for valid UTF-8 (which protobuf requires and a web
// form need not supply) and every enum for a value the schema declares. It returns an Invalid error naming each
// field at fault, or nil. An oversized list is refused from its length
// alone, without visiting its entries.
func Check(m proto.Message) error {
	if m == nil {
		return nil
	}
	var v apperr.Validator
	walk(&v, m.ProtoReflect(), "")
	return v.Err()
}

func walk(v *apperr.Validator, m protoreflect.Message, prefix string) {
	m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
		name := prefix + string(fd.Name())
		switch {
		case fd.IsList():
			l := val.List()
			limit := capOf(fd)
			if l.Len() > limit {
				v.Add(name, fmt.Sprintf("lists %d entries; at most %d are allowed", l.Len(), limit))
				return true
			}
			for i := range l.Len() {
				switch fd.Kind() {
				case protoreflect.MessageKind, protoreflect.GroupKind:
					walk(v, l.Get(i).Message(), fmt.Sprintf("%s[%d].", name, i))
				case protoreflect.StringKind:
					text(v, fmt.Sprintf("%s[%d]", name, i), l.Get(i).String())
				case protoreflect.EnumKind:
					known(v, fmt.Sprintf("%s[%d]", name, i), fd, l.Get(i).Enum())
				}
			}
		case fd.IsMap():
			mp := val.Map()
			if limit := capOf(fd); mp.Len() > limit {
				v.Add(name, fmt.Sprintf("lists %d entries; at most %d are allowed", mp.Len(), limit))
			}
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			walk(v, val.Message(), name+".")
		case fd.Kind() == protoreflect.StringKind:
			text(v, name, val.String())
		case fd.Kind() == protoreflect.EnumKind:
			known(v, name, fd, val.Enum())
		}
		return true
	})
}

// known refuses an enum number the schema does not declare (999, -5):
// proto3 decodes it without complaint, and a filter would silently match
// nothing.
func known(v *apperr.Validator, field string, fd protoreflect.FieldDescriptor, n protoreflect.EnumNumber) {
	if fd.Enum().Values().ByNumber(n) == nil {
		v.Add(field, "is not a known value")
	}
}

func text(v *apperr.Validator, field, s string) {
	if !utf8.ValidString(s) {
		v.Add(field, "must be valid UTF-8 text")
	}
}

func capOf(fd protoreflect.FieldDescriptor) int {
	if c, ok := MaxEntriesOf[fd.FullName()]; ok {
		return c
	}
	if c, ok := MaxEntries[fd.Name()]; ok {
		return c
	}
	return DefaultMaxEntries
}

// Violations caps e's field violations at apperr.MaxViolations, the same
// cap the services keep: the first ones, and a message that counts them
// all. It never changes e itself.
func Violations(e *apperr.Error) *apperr.Error {
	if e == nil || len(e.Violations) <= apperr.MaxViolations {
		return e
	}
	vs, omitted := e.Capped()
	out := *e
	out.Violations, out.Omitted = vs, omitted
	out.Message = fmt.Sprintf("%s: %d problems, the first %d listed", e.Message, len(vs)+omitted, len(vs))
	return &out
}

// Compressed reports whether a request with header h claims a content
// coding (gzip, deflate) other than identity for its body. Browsers send
// forms as they are, so the web app and the answer page refuse such a
// form unread, and a gzip bomb is never inflated (ADR 0166).
func Compressed(h http.Header) bool {
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return true
			}
		}
	}
	return false
}
