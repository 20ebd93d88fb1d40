package people

import (
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

func TestNotifications(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *typev1.NotificationPreferences
		want []string
	}{
		{"unset", nil, nil},
		{"ok", &typev1.NotificationPreferences{PreferredLanguage: "prs", PreferredChannel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS,
			OptOuts: []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_REMINDERS}}, nil},
		{"language not a message language", &typev1.NotificationPreferences{PreferredLanguage: "de"}, []string{"n.preferred_language"}},
		{"unknown channel", &typev1.NotificationPreferences{PreferredChannel: 9}, []string{"n.preferred_channel"}},
		{"opt-outs bad", &typev1.NotificationPreferences{OptOuts: []typev1.NotificationTopic{1, 1, 0}}, []string{"n.opt_outs[1]", "n.opt_outs[2]"}},
		{"opt-outs a million", &typev1.NotificationPreferences{OptOuts: make([]typev1.NotificationTopic, 1_000_000)}, []string{"n.opt_outs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v apperr.Validator
			Notifications(&v, "n", tt.in)
			if got := fields(&v); !slices.Equal(got, tt.want) {
				t.Fatalf("violations=%v, want %v", got, tt.want)
			}
		})
	}
}

func TestMessageLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pref    string
		contact string
		want    string
	}{
		{"preferred", "ti", "ar", "ti"},
		{"contact language when a message language", "", "ar", "ar"},
		{"contact language without a catalogue", "", "ckb", "sv"},
		{"nothing", "", "", "sv"},
	}
	for _, tt := range tests {
		got := MessageLanguage(&typev1.NotificationPreferences{PreferredLanguage: tt.pref}, &typev1.Contact{PreferredLanguage: tt.contact})
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
