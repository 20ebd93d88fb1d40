package people

import (
	"fmt"
	"slices"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// MessageLanguages are the languages the notify service has message
// catalogues for (Dari is "prs"). A preferred message language outside
// this list could not be honoured, so it is refused rather than silently
// replaced by Swedish.
var MessageLanguages = []string{"sv", "en", "ar", "fa", "prs", "ti", "so", "uk"}

// MaxOptOuts bounds the opt-out list: every topic once.
const MaxOptOuts = 4

// Notifications checks a person's notification preferences: a message
// language from MessageLanguages (or empty), a known channel, and opt-outs
// that are known topics, each once. All are optional.
func Notifications(v *apperr.Validator, field string, n *typev1.NotificationPreferences) {
	if n == nil {
		return
	}
	var sub apperr.Validator // named within the preferences (Under)
	defer v.Under(field, &sub)
	if l := n.GetPreferredLanguage(); l != "" && !slices.Contains(MessageLanguages, l) {
		sub.Add("preferred_language", "must be one of sv, en, ar, fa, prs (Dari), ti, so, uk, or empty")
	}
	Enum(&sub, "preferred_channel", n.GetPreferredChannel(), false)
	outs := n.GetOptOuts()
	if len(outs) > MaxOptOuts {
		sub.Add("opt_outs", fmt.Sprintf("must list at most %d topics, each once", MaxOptOuts))
		return
	}
	seen := map[typev1.NotificationTopic]bool{}
	for i, o := range outs {
		var e apperr.Validator // named within the element (Nest)
		Enum(&e, "", o, true)
		if o != 0 && seen[o] {
			e.Add("", "is listed twice")
		}
		seen[o] = true
		sub.Nest("opt_outs", i, &e)
	}
}

// MessageLanguage is the language to write to a person in: the preferred
// message language, else the contact language when it is a message
// language, else Swedish.
func MessageLanguage(n *typev1.NotificationPreferences, c *typev1.Contact) string {
	if l := n.GetPreferredLanguage(); slices.Contains(MessageLanguages, l) {
		return l
	}
	if l := c.GetPreferredLanguage(); slices.Contains(MessageLanguages, l) {
		return l
	}
	return "sv"
}
