package catalog

import (
	"strconv"
	"strings"
)

// fieldLabels maps form fields to the keys of their labels where the two
// names differ; any other field's label is "f.<field>".
var fieldLabels = map[string]string{
	"municipality_code": "f.municipality", "municipality_codes": "u.munis", "swedish_level": "f.swedish",
	"household_size": "f.household", "consent_mentoring": "f.consent", "mentor_capacity": "f.capacity",
	"background_check": "f.bgcheck", "organisation_id": "f.organisation", "email": "email", "password": "password",
	"display_name": "u.name", "languages": "f.languages", "interests": "f.interests",
	"residence_permit_date": "f.permit", "establishment_status": "f.establishment", "parental_leave": "f.leave",
	"quota": "guides.assign.quota", "reason": "pair.reason", "decline_reason": "pair.reason", "party": "pair.party", "rating": "pair.checkin.rating", "date": "pair.checkin.date",
	"activities": "pair.checkin.activities", "met": "pair.checkin.met",
	"notify_channel": "mailbox.pref.channel", "notify_optout": "mailbox.pref.optout",
	// The audit log's time filter.
	"from": "a.from", "to": "a.to",
	// Request fields whose words another area already has: a dinner's
	// attendance and feedback, the guides job's quotas, the dead letters'
	// filter, a list's statuses.
	"attendance": "dinners.f.attendance", "feedback": "dinners.f.feedback", "quotas": "guides.assign.quota",
	"consumer": "ops.dl.consumer", "stream": "ops.dl.stream", "statuses": "f.status",
	// Refused outside a labelled input: the bulk approval's lowest score
	// and choice, any list's page token (a stale or edited address), the
	// dinners report's months (its CSV route and mp; ADR 0129).
	"min_score": "bulk.min_score", "ids": "m.proposals", "page_token": "f.page_token",
	"from_month": "dinners.f.from_month", "to_month": "dinners.f.to_month",
	"min_group_size": "guides.f.min_group", // mp guides equity -min-group
	// A web-only input of the dinners forms: the party's own age. (Their
	// dates, date_0, date_1 ..., are labelled by number in FieldLabel; the
	// host or guest chosen is refused under volunteer_id or
	// participant_id, "Värd" and "Gäst" there; a confirmation box, a
	// link's token and an answer's action are "f.confirm", "f.token",
	// "f.action".)
	"age_self": "dinners.f.age_self",
	// The audit log's filters, refused when they are no id (ADR 0208).
	"user_id": "a.user", "resource_id": "a.record_id",
}

// FieldLabel is the label of a form field in locale, as the web app's
// forms and error summaries show it ("Kommun"); an unknown field is its
// name.
func FieldLabel(locale, field string) string {
	if label, ok := dateLabel(locale, field); ok {
		return label
	}
	key, ok := fieldLabels[field]
	if !ok {
		key = "f." + field
	}
	if label := Text(locale, key); label != key {
		return label
	}
	return field
}

// dateLabel names the dinners forms' numbered date inputs by their place
// ("date_0" is "Datum 1"), so a refusal of the first date does not show
// the input's name, and a form with five dates tells them apart.
func dateLabel(locale, field string) (string, bool) {
	n, ok := strings.CutPrefix(field, "date_")
	if !ok {
		return "", false
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || strconv.Itoa(i) != n {
		return "", false
	}
	return Data(locale, "f.date_n", map[string]any{"N": i + 1}, nil), true
}

// RecordField is the field of the newcomer and volunteer forms that a
// participants or volunteers violation's path names
// ("participant.household.size" is household_size): the web forms mark
// that field, and mp names it by that field's label.
func RecordField(path string) string {
	f := strings.TrimPrefix(strings.TrimPrefix(path, "participant."), "volunteer.")
	switch {
	case strings.HasPrefix(f, "contact."):
		f = strings.TrimPrefix(f, "contact.")
	case strings.HasPrefix(f, "household"):
		return "household_size"
	case strings.HasPrefix(f, "wants_same_gender"):
		return "same_gender"
	case strings.HasPrefix(f, "consents"), f == "consent", strings.HasPrefix(f, "consent."):
		return "consent_mentoring"
	case strings.HasPrefix(f, "roles"):
		return "mentor_capacity"
	case strings.HasPrefix(f, "background_check"):
		return "background_check"
	}
	f, _, _ = strings.Cut(f, "[")
	f, _, _ = strings.Cut(f, ".")
	return f
}

// PathLabel names a violation's field, given by its API path
// ("participant.municipality_code", "offer.dinners[0].date"), by the
// label the web form shows for it in locale ("Kommun", "Datum"), for
// mp, which has no form to mark. A path no form field matches is
// returned as it is, so nothing is hidden.
func PathLabel(locale, path string) string {
	head, rest, _ := strings.Cut(path, ".")
	switch head {
	case "offer", "sign_up":
		// The dinners forms label their fields from the dinners area.
		f := rest
		if i := strings.IndexAny(f, "[."); i >= 0 {
			f = f[:i]
		}
		if key := "dinners.f." + f; Text(locale, key) != key {
			return Text(locale, key)
		}
		path = rest
	case "check_in", "rules", "user", "organisation":
		path = rest
	}
	f := RecordField(path)
	if label := FieldLabel(locale, f); label != f {
		return label
	}
	return path
}
