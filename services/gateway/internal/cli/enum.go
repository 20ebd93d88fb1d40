package cli

import (
	"errors"
	"sort"
	"strings"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// choice is the values a choice flag takes: a proto enum's names after
// prefix, typed in any case ("not_enrolled", "NOT_ENROLLED"), each with
// the web app's word for it. -h and the refusal of an unknown value both
// list them from here, so they cannot differ (a new user read lower-case
// words in -h and NOT_ENROLLED, ... in the refusal).
type choice struct {
	prefix string
	values map[string]int32
	// label is the catalogue key of a value's word: label + the value in
	// lower case, or label + the enum's full name when full is set.
	label string
	full  bool
	// zero, when set, is what the user types for the enum's zero value
	// ("any" channel); otherwise the zero value is never accepted.
	zero string
}

// mp's choice flags.
var (
	levelChoice         = choice{prefix: "SWEDISH_LEVEL_", values: typev1.SwedishLevel_value, label: "label."}
	establishmentChoice = choice{prefix: "ESTABLISHMENT_STATUS_", values: eventsv1.EstablishmentStatus_value, label: "f.establishment."}
	leaveChoice         = choice{prefix: "PARENTAL_LEAVE_", values: eventsv1.ParentalLeave_value, label: "f.leave."}
	genderChoice        = choice{prefix: "GENDER_", values: typev1.Gender_value, label: "g."}
	// programmeChoice is the programmes with consent texts (consent.Purposes):
	// a consent is recorded, and a text shown, for those only. The enum's
	// follow-up has no text, and offering it ended in "samtyckestexten för
	// programme. (version ) finns inte" (the s24 outside round, ADR 0126);
	// anyProgramme still lets mp withdraw such a consent given earlier.
	programmeChoice     = choice{prefix: "CONSENT_PURPOSE_", values: purposeValues(), label: "programme."}
	anyProgramme        = choice{prefix: "CONSENT_PURPOSE_", values: eventsv1.ConsentPurpose_value, label: "programme."}
	channelChoice       = choice{prefix: "PREFERRED_CHANNEL_", values: typev1.PreferredChannel_value, label: "mailbox.pch.", full: true, zero: "any"}
	topicChoice         = choice{prefix: "NOTIFICATION_TOPIC_", values: typev1.NotificationTopic_value, label: "mailbox.topic.", full: true}
	pairRejectChoice    = choice{prefix: "REJECT_REASON_", values: eventsv1.RejectReason_value, label: "reason.reject."}
	seatingStatusChoice = choice{prefix: "SEATING_STATUS_", values: eventsv1.SeatingStatus_value, label: "dinners.status."}
	dinnerRejectChoice  = choice{prefix: "REJECT_REASON_", values: proposalv1.RejectReason_value, label: "dinners.reject."}
	dinnerPartyChoice   = choice{prefix: "DINNER_PARTY_", values: eventsv1.DinnerParty_value, label: "dinners."}
	rsvpDeclineChoice   = choice{prefix: "RSVP_DECLINE_REASON_", values: eventsv1.RsvpDeclineReason_value, label: "dinners.decline."}
	compositionChoice   = choice{prefix: "COMPOSITION_", values: dinnersv1.Composition_value, label: "dinners.composition."}
	dietChoice          = choice{prefix: "DIET_", values: typev1.Diet_value, label: "dinners.diet."}
	allergenChoice      = choice{prefix: "ALLERGEN_", values: dinnersv1.Allergen_value, label: "dinners.allergen."}
	relationChoice      = choice{prefix: "RELATION_", values: dinnersv1.Relation_value, label: "dinners.relation."}
	attendanceChoice    = choice{prefix: "ATTENDANCE_", values: eventsv1.Attendance_value, label: "dinners.attendance."}
	quotaChoice         = choice{prefix: "QUOTA_KIND_", values: guidesv1.QuotaKind_value, label: "guides.quota."}
	assignStatusChoice  = choice{prefix: "ASSIGNMENT_STATUS_", values: eventsv1.AssignmentStatus_value, label: "guides.status."}
	guidePartyChoice    = choice{prefix: "ACCEPTING_PARTY_", values: guidesv1.AcceptingParty_value, label: "guides.party."}
	guideRejectChoice   = choice{prefix: "REJECT_REASON_", values: proposalv1.RejectReason_value, label: "guides.reject."}
	guideDeclineChoice  = choice{prefix: "DECLINE_REASON_", values: proposalv1.DeclineReason_value, label: "guides.decline."}
	guideEndChoice      = choice{prefix: "ASSIGNMENT_END_REASON_", values: eventsv1.AssignmentEndReason_value, label: "guides.end."}
)

// purposeValues is ConsentPurpose_value narrowed to the purposes with
// consent texts.
func purposeValues() map[string]int32 {
	out := map[string]int32{}
	for _, p := range consent.Purposes {
		out[p.String()] = int32(p)
	}
	return out
}

// names are c's accepted values as typed, in the enum's order.
func (c choice) names() []string {
	var out []string
	for name, v := range c.values {
		if v != 0 || c.zero != "" {
			out = append(out, name)
		}
	}
	sort.Slice(out, func(i, j int) bool { return c.values[out[i]] < c.values[out[j]] })
	for i, name := range out {
		if c.values[name] == 0 {
			out[i] = c.zero
		} else {
			out[i] = strings.ToLower(strings.TrimPrefix(name, c.prefix))
		}
	}
	return out
}

// list is c's values as -h shows them and a refusal repeats them:
// "not_enrolled (inte inskriven), enrolled (inskriven) eller completed
// (avslutat)"; a value whose word is itself ("woman" in English, "SFI A")
// is not repeated.
func (e Env) list(c choice) string {
	names := c.names()
	items := make([]string, len(names))
	for i, n := range names {
		name := c.prefix + strings.ToUpper(n)
		if n == c.zero {
			name = c.prefix + "UNSPECIFIED"
		}
		key := c.label + n
		if c.full {
			key = c.label + name
		}
		items[i] = n
		word := e.t(key)
		same := strings.NewReplacer("_", "", " ", "", "-", "").Replace(strings.ToLower(word)) == strings.ReplaceAll(n, "_", "")
		if word != key && !same {
			items[i] += " (" + lowerFirst(word) + ")"
		}
	}
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + e.t("usage.or") + " " + items[len(items)-1]
}

// usage is a choice flag's help: its own words (key), then every value.
func (e Env) usage(key string, c choice) string { return e.t(key) + ": " + e.list(c) }

// enumFlag turns a flag's value into the enum value named prefix+VALUE
// (case-insensitive, "-" for "_"), and refuses any other value with a
// message listing the valid ones as -h does: a mistyped level must not be
// stored as "unspecified" (issue 12: `-swedish-level SFI_X` was stored
// silently).
func (e Env) enumFlag(flagName, value string, c choice) (int32, error) {
	name := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(value), "-", "_"))
	if c.zero != "" && strings.EqualFold(name, c.zero) {
		return 0, nil
	}
	if v, ok := c.values[c.prefix+name]; ok && v != 0 {
		return v, nil
	}
	if name == "" {
		// A required choice left out: "-reason \"\" finns inte" read as
		// if something had been typed.
		return 0, errors.New(e.f("err.enum_needed", flagName, e.list(c)))
	}
	return 0, errors.New(e.f("err.enum", flagName, value, e.list(c)))
}

// enumList is enumFlag for a comma-separated list.
func (e Env) enumList(flagName, value string, c choice) ([]int32, error) {
	var out []int32
	for _, v := range splitCSV(value) {
		n, err := e.enumFlag(flagName, v, c)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
