package proposal

import "time"

// A retried step stands (docs/adr/0272, 0273). A client whose answer was
// lost (the replica that wrote its step was killed before it answered)
// sends the same call again. Refusing it ("only a proposed pair can be
// approved; this one is offered") tells the client its step failed when it
// was made; writing it again publishes a second event for one step. The
// rule: the call is the same step when the record already holds what it
// would write. Then the kit answers OK with the record as it is, writes
// nothing and publishes nothing.
//
// The kit decides it inside the compare-and-set's own read (the
// transition function sees the record the write would replace), not
// after a refusal: a second read after a FailedPrecondition, as the
// programmes did by hand before, costs a read per retry, and what it
// reads may already be another writer's later state. What is not the same
// step stays refused as before: an end for another reason, an acceptance
// after the offer was declined, any step after the end.
//
// The steps the kit recognises:
//   - Approve on an offered proposal;
//   - Accept by a party whose acceptance is stored, while the offer is
//     open and not lapsed, or the proposal active;
//   - Reject, Decline and End on a proposal already rejected, declined or
//     ended, when Programme.Holds says the record holds the same reason
//     (and, for a decline, the same party);
//   - any programme's own TransitionFunc that returns Step{Kind:
//     KindStands}.

// stands is the step of a call whose step the record already holds.
var stands = Step{Kind: KindStands}

// changed reports whether step changes the record: not None, not a step
// that stands.
func changed(step Step) bool { return step.Kind != None && step.Kind != KindStands }

// holds reports whether st is at status and r holds step's programme
// fields (Programme.Holds): step stands.
func (l *Lifecycle[R]) holds(r R, st State, status Status, step Step) bool {
	return st.Status == status && l.p.Holds != nil && l.p.Holds(r, step)
}

// accepted reports whether party's acceptance stands in st at now: it is
// stored, and the offer is still open and not lapsed, or active. An
// acceptance of an offer that lapsed does not stand: the proposal will
// not become active, and the caller is told so as before.
func accepted(st State, party string, now time.Time) bool {
	if _, ok := st.Accepted[party]; !ok {
		return false
	}
	return st.Status == Active || (st.Status == Offered && !st.Expired(now))
}
