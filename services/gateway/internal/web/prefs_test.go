package web

import (
	"net/url"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func TestMessageLangName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ locale, code, want string }{
		{"sv", "ar", "arabiska (العربية)"},
		{"sv", "prs", "dari (دری)"},
		{"en", "prs", "Dari (دری)"},
		{"sv", "fa", "persiska (فارسی)"},
		{"sv", "sv", "svenska"},
		{"en", "en", "English"},
		{"sv", "ti", "tigrinja (ትግርኛ)"},
		{"en", "uk", "Ukrainian (українська)"},
		{"sv", "", ""},
	} {
		if got := messageLangName(tc.locale, tc.code); got != tc.want {
			t.Errorf("messageLangName(%s, %q) = %q, want %q", tc.locale, tc.code, got, tc.want)
		}
	}
}

// TestPrefsForm: the preference fields round-trip through the form, an
// unchanged form changes nothing, and a changed one sends the whole
// preferences under one path.
func TestPrefsForm(t *testing.T) {
	t.Parallel()
	cur := &typev1.NotificationPreferences{PreferredLanguage: "ar", PreferredChannel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS,
		OptOuts: []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_REMINDERS}}
	old := url.Values{}
	prefsToForm(old, cur)

	same := url.Values{}
	for k, v := range old {
		same[k] = append([]string(nil), v...)
	}
	var v apperr.Validator
	d := &formDiff{f: same, old: old}
	n := cur
	d.prefs(&v, &n)
	if len(d.paths) != 0 || n != cur {
		t.Fatalf("an unchanged form set %v", d.paths)
	}

	changed := url.Values{"notify_form": {"1"}, "notify_language": {"prs"}, "notify_channel": {"PREFERRED_CHANNEL_EMAIL"},
		"notify_optout": {"NOTIFICATION_TOPIC_CHECK_INS", "NOTIFICATION_TOPIC_OFFERS", "NOTIFICATION_TOPIC_CHECK_INS"}}
	d = &formDiff{f: changed, old: old}
	d.prefs(&v, &n)
	if !slices.Equal(d.paths, []string{"notifications"}) {
		t.Fatalf("paths %v", d.paths)
	}
	want := []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_CHECK_INS, typev1.NotificationTopic_NOTIFICATION_TOPIC_OFFERS}
	if n.GetPreferredLanguage() != "prs" || n.GetPreferredChannel() != typev1.PreferredChannel_PREFERRED_CHANNEL_EMAIL || !slices.Equal(n.GetOptOuts(), want) {
		t.Fatalf("preferences %v", n)
	}

	// Unticking every opt-out is a change, not an absent field.
	cleared := url.Values{"notify_form": {"1"}, "notify_language": {"ar"}, "notify_channel": {"PREFERRED_CHANNEL_SMS"}}
	d = &formDiff{f: cleared, old: old}
	n = cur
	d.prefs(&v, &n)
	if len(d.paths) != 1 || len(n.GetOptOuts()) != 0 {
		t.Fatalf("clearing opt-outs: paths %v prefs %v", d.paths, n)
	}
	// A form without the fieldset (another client) leaves them alone.
	d = &formDiff{f: url.Values{"given_name": {"X"}}, old: old}
	n = cur
	d.prefs(&v, &n)
	if len(d.paths) != 0 {
		t.Fatalf("a form without the fieldset set %v", d.paths)
	}
	if err := v.Err(); err != nil {
		t.Fatalf("known values refused: %v", err)
	}
}

// TestPrefsRefuseUnknownChoices: a channel or opt-out the form's lists do
// not offer (a tampered form) is a violation on its field, not silently
// "as the system chooses" or dropped; the system's choice itself passes.
func TestPrefsRefuseUnknownChoices(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		field, value string
		bad          bool
	}{
		{"notify_channel", "PREFERRED_CHANNEL_PIGEON", true},
		{"notify_channel", "7", true},
		{"notify_optout", "BOGUS", true},
		{"notify_optout", "NOTIFICATION_TOPIC_UNSPECIFIED", true},
		{"notify_channel", "PREFERRED_CHANNEL_UNSPECIFIED", false},
		{"notify_channel", "PREFERRED_CHANNEL_SMS", false},
		{"notify_optout", "NOTIFICATION_TOPIC_OFFERS", false},
	} {
		f := url.Values{"notify_form": {"1"}, "notify_channel": {"PREFERRED_CHANNEL_EMAIL"}}
		f.Set(tt.field, tt.value)
		var v apperr.Validator
		var n *typev1.NotificationPreferences
		(&formDiff{f: f, old: url.Values{}}).prefs(&v, &n)
		got := false
		for _, fv := range apperr.Violations(v.Err()) {
			got = got || fv.Field == tt.field
		}
		if got != tt.bad {
			t.Errorf("%s=%q: violation %t, want %t (%v)", tt.field, tt.value, got, tt.bad, v.Err())
		}
	}
}

func TestAnswerPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/a/abc_DEF-1": "/a/abc_DEF-1",
		"https://motesplats.example/a/xyz":  "/a/xyz",
		"https://evil.example/admin/users":  "",
		"/a/x/y":                            "",
		"javascript:alert(1)":               "",
		"":                                  "",
	} {
		if got := answerPath(in); got != want {
			t.Errorf("answerPath(%q) = %q, want %q", in, got, want)
		}
	}
}
