package answer

import (
	"strings"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// heading names the catalogue heading for a message template.
func heading(t notifyv1.Template) string {
	switch t {
	case notifyv1.Template_TEMPLATE_MENTOR_OFFER:
		return "mentor_offer"
	case notifyv1.Template_TEMPLATE_MENTEE_OFFER:
		return "mentee_offer"
	case notifyv1.Template_TEMPLATE_DINNER_INVITATION:
		return "dinner_invitation"
	case notifyv1.Template_TEMPLATE_DINNER_CONFIRMED, notifyv1.Template_TEMPLATE_DINNER_REMINDER:
		// Both sides said yes: the page is no invitation, and nobody
		// waits for an answer (it offers only "I cannot come").
		return "dinner_confirmed"
	case notifyv1.Template_TEMPLATE_DINNER_GUEST_PROPOSED:
		return "dinner_guest_proposed"
	case notifyv1.Template_TEMPLATE_GUIDE_ASSIGNED:
		return "guide_assigned"
	case notifyv1.Template_TEMPLATE_RSVP_REMINDER:
		return "reminder"
	}
	return "offer"
}

// reasonName is a decline reason's form value and catalogue key:
// DECLINE_REASON_NO_TIME is "no_time".
func reasonName(r notifyv1.DeclineReason) string {
	if r == notifyv1.DeclineReason_DECLINE_REASON_UNSPECIFIED {
		return ""
	}
	n, ok := notifyv1.DeclineReason_name[int32(r)]
	if !ok {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(n, "DECLINE_REASON_"))
}

// reasonValue is reasonName's inverse; anything else is UNSPECIFIED.
func reasonValue(s string) notifyv1.DeclineReason {
	if s == "" || strings.ToLower(s) != s {
		return notifyv1.DeclineReason_DECLINE_REASON_UNSPECIFIED
	}
	return notifyv1.DeclineReason(notifyv1.DeclineReason_value["DECLINE_REASON_"+strings.ToUpper(s)])
}
