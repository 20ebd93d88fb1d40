package core

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestAnsweredByLink: an answer no gateway user gave is put down to the
// answer link when the pair's updated_by says so (its last change) or,
// for an earlier answer, when the audit log answered and names nobody; a
// failed search or a user as updated_by never is.
func TestAnsweredByLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		updatedBy        string
		isLast, searched bool
		want             bool
	}{
		{"last change, by the link", auth.AnswerLinkSubject, true, true, true},
		{"last change, by the link, log down", auth.AnswerLinkSubject, true, false, true},
		{"last change, by a user the log lost", "u-coord", true, true, false},
		{"earlier answer the gateway never saw", "u-coord", false, true, true},
		{"earlier answer, log down", auth.AnswerLinkSubject, false, false, false},
	}
	for _, tt := range tests {
		if got := answeredByLink(tt.updatedBy, tt.isLast, tt.searched); got != tt.want {
			t.Errorf("%s: answeredByLink = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAnsweringPartyAndLastChange: the party of each answer step, and the
// last change of a pair that both accepted by link (the second acceptance
// made it active at the same moment), which updated_by names.
func TestAnsweringPartyAndLastChange(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(t0.Add(d)) }
	p := &mentoringv1.Pair{ProposeTime: ts(0), OfferTime: ts(time.Hour), DecideTime: ts(time.Hour),
		NewcomerAcceptTime: ts(2 * time.Hour), MentorAcceptTime: ts(3 * time.Hour), ActiveTime: ts(3 * time.Hour),
		UpdatedBy: auth.AnswerLinkSubject}
	if got, want := lastChange(p), t0.Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("lastChange = %v, want %v", got, want)
	}
	p.CheckIns = []*mentoringv1.CheckIn{{RecordTime: ts(48 * time.Hour)}}
	if got, want := lastChange(p), t0.Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("lastChange with a check-in = %v, want %v", got, want)
	}
	for step, want := range map[string]string{"accepted_newcomer": "newcomer", "accepted_mentor": "mentor", "offered": "", "ended": ""} {
		if got := answeringParty(p, step); got != want {
			t.Errorf("answeringParty(%s) = %q, want %q", step, got, want)
		}
	}
	p.DeclinedBy = eventsv1.Party_PARTY_MENTOR
	if got := answeringParty(p, "declined"); got != "mentor" {
		t.Errorf("answeringParty(declined by mentor) = %q", got)
	}
}

// TestAnsweredByFromThePair: the pair's own record of who answered is
// read per party; a pair stored before it keeps none, and only then is
// the link inferred (answeredByLink).
func TestAnsweredByFromThePair(t *testing.T) {
	t.Parallel()
	p := &mentoringv1.Pair{NewcomerAnsweredBy: auth.AnswerLinkSubject, MentorAnsweredBy: "u-coord"}
	for party, want := range map[string]string{"newcomer": auth.AnswerLinkSubject, "mentor": "u-coord", "": ""} {
		if got := answeredBy(p, party); got != want {
			t.Errorf("answeredBy(%q) = %q, want %q", party, got, want)
		}
	}
	if got := answeredBy(&mentoringv1.Pair{}, "newcomer"); got != "" {
		t.Errorf("answeredBy on a pair stored before the field = %q, want none", got)
	}
}
