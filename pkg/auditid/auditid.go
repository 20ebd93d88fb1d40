// Package auditid is the audit log's one rule for the ids an entry keeps
// (ADR 0219, 0221, 0229). The log (ADR 0018) is one stream that the
// gateway and notify both append to and that can be neither purged nor
// deleted from, so what stands where an id belongs is kept only in a
// shape the system issues, never free text a caller sent (a name or a
// personal identity number typed into a URL). Both writers apply Keep:
// a copy of the rule in each would drift apart, as notify's, which kept
// whatever it stored, had.
package auditid

import (
	"strings"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// Invalid stands in an entry for a resource id that was not an id.
const Invalid = "(invalid)"

// Keep applies Kept to e's resource_id and to each of its resource_ids,
// in place: every entry passes it before it is written, whoever writes it.
func Keep(e *gatewayv1.AuditEntry) {
	e.ResourceId = Kept(e.GetResourceType(), e.GetResourceId(), e.GetOutcome())
	for i, id := range e.GetResourceIds() {
		e.ResourceIds[i] = Kept(e.GetResourceType(), id, e.GetOutcome())
	}
}

// Kept is what an entry about a record of type resource, with outcome,
// keeps of an id: an issued shape (Issued); a dead letter's number of at
// most 9 digits (a personal identity number has 10 or 12, a phone number
// 9 or more after its 0, and no dead-letter stream holds a billion
// messages); the eligibility rules' versions of a change the guides
// service made (outcome "ok": the etag was the version, the new one its
// answer); anything else, Invalid; empty stays empty. Letters and digits
// alone kept a personal identity number typed where a participant's id
// goes, or a name sent to GetPair, for good (ADR 0219).
func Kept(resource, id, outcome string) string {
	switch {
	case id == "" || Issued(id),
		resource == "dead_letter" && len(id) <= 9 && strings.Trim(id, "0123456789") == "",
		resource == "guide_eligibility_rules" && outcome == "ok":
		return id
	}
	return Invalid
}

// Issued reports whether id has the shape of an id this system issues: a
// UUID as the services and the gateway make them (records, users, API
// tokens, jobs; lower-case, hyphenated), a session's 64 hex digits (the
// gateway's session ids) or a message's "m" and 40 hex digits (notify).
// Text a caller sent in place of an id has other shapes: a personal
// identity number such as 19850101-1234 is letters and digits, but no
// issued id.
func Issued(id string) bool {
	switch {
	case len(id) == 36:
		for i := 0; i < len(id); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if id[i] != '-' {
					return false
				}
			} else if !lowerHex(id[i]) {
				return false
			}
		}
		return true
	case len(id) == 64:
		return allLowerHex(id)
	case len(id) == 41 && id[0] == 'm':
		return allLowerHex(id[1:])
	}
	return false
}

func lowerHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func allLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !lowerHex(s[i]) {
			return false
		}
	}
	return true
}
