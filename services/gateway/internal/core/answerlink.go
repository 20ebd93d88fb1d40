package core

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// A newcomer or mentor may accept or decline an offer through the answer
// link in their message (services/notify), with no gateway user involved:
// notify calls the mentoring service itself, as auth.AnswerLinkSubject, and the
// gateway's audit log, which names the users of the history, has no entry
// for it. The history then said "okänd användare". It now says whose link
// answered: from the pair's newcomer_answered_by and mentor_answered_by
// (docs/adr/0094), and for answers recorded before those, from what the
// records already hold (docs/adr/0097). No name, contact or link enters
// the audit log, an event or the pair.

// answeringParty is the party whose answer step is ("newcomer", "mentor"),
// or "" for a step that is no answer of a party.
func answeringParty(p *mentoringv1.Pair, step string) string {
	switch step {
	case "accepted_newcomer":
		return "newcomer"
	case "accepted_mentor":
		return "mentor"
	case "declined":
		switch p.GetDeclinedBy() {
		case eventsv1.Party_PARTY_NEWCOMER:
			return "newcomer"
		case eventsv1.Party_PARTY_MENTOR:
			return "mentor"
		}
	}
	return ""
}

// answeredBy is who recorded party's answer, as the pair keeps it since
// 2026-12-04: auth.AnswerLinkSubject for the answer link, else a user's
// id. "" for no party, and for an answer recorded before the pair kept
// it: the history then infers it (answeredByLink).
func answeredBy(p *mentoringv1.Pair, party string) string {
	switch party {
	case "newcomer":
		return p.GetNewcomerAnsweredBy()
	case "mentor":
		return p.GetMentorAnsweredBy()
	}
	return ""
}

// answeredByLink decides whether an answer step with no user in the audit
// log came through the answer link. The pair's updated_by names who made
// its last change: for the last step that is the answer itself, and
// decides. For an earlier step it no longer does; then an answer the
// gateway did not record (the log answered and holds no entry) came
// through the link, the only other way an answer reaches the programme. A
// failed search decides nothing.
func answeredByLink(updatedBy string, isLast, searched bool) bool {
	if isLast {
		return updatedBy == auth.AnswerLinkSubject
	}
	return searched
}

// lastChange is the time of the pair's latest recorded change, the one
// its updated_by names. An acceptance that makes the pair active shares
// its time with the activation.
func lastChange(p *mentoringv1.Pair) time.Time {
	var last time.Time
	for _, ts := range []*timestamppb.Timestamp{p.GetProposeTime(), p.GetOfferTime(), p.GetNewcomerAcceptTime(),
		p.GetMentorAcceptTime(), p.GetActiveTime(), p.GetDecideTime(), p.GetEndTime()} {
		if ts != nil && ts.AsTime().After(last) {
			last = ts.AsTime()
		}
	}
	for _, ci := range p.GetCheckIns() {
		if t := ci.GetRecordTime(); t != nil && t.AsTime().After(last) {
			last = t.AsTime()
		}
	}
	return last
}
