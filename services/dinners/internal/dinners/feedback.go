package dinners

import (
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// replacedKept is how many replaced feedback request ids a seating keeps
// per side: enough for the retries a client makes of a few calls, and
// the record stays small.
const replacedKept = 20

// sideFeedback is one side's feedback on a seating: the stored one and
// the request ids of those a newer one replaced.
type sideFeedback struct {
	stored   **pb.Feedback
	replaced *[]string
}

// feedbackOf is party's feedback on p, to read and change in place.
func feedbackOf(p *pb.Seating, party eventsv1.DinnerParty) sideFeedback {
	if party == eventsv1.DinnerParty_DINNER_PARTY_HOST {
		return sideFeedback{stored: &p.HostFeedback, replaced: &p.ReplacedHostFeedbackRequests}
	}
	return sideFeedback{stored: &p.GuestFeedback, replaced: &p.ReplacedGuestFeedbackRequests}
}

// stands reports whether fb is a retry of a feedback the side already
// gave (ADR 0273). With a request id the id decides: one a newer feedback
// replaced (a late retry: the older opinion must not come back over the
// newer, and the server cannot tell a late retry from a changed mind by
// the content), or the stored feedback's when fb says the same: a retry
// sends what it sent, so the stored id with another opinion is that
// opinion (a page sent again after a change, ADR 0281's finding) and is
// stored (ADR 0280). Without one, only the same feedback as the stored
// one is recognised (ADR 0272): feedback A, then B, then A's late retry
// stores A again.
func (f sideFeedback) stands(fb *pb.Feedback) bool {
	if rid := fb.GetRequestId(); rid != "" {
		if (*f.stored).GetRequestId() == rid {
			return proto.Equal(*f.stored, fb)
		}
		return slices.Contains(*f.replaced, rid)
	}
	return proto.Equal(*f.stored, fb)
}

// store makes fb the side's feedback; the request id of the one it
// replaces is kept, the last replacedKept of them, unless fb has the same
// id (a changed opinion under it stays recognisable by its content).
func (f sideFeedback) store(fb *pb.Feedback) {
	if old := (*f.stored).GetRequestId(); old != "" && old != fb.GetRequestId() && !slices.Contains(*f.replaced, old) {
		*f.replaced = append(*f.replaced, old)
		if n := len(*f.replaced); n > replacedKept {
			*f.replaced = slices.Clone((*f.replaced)[n-replacedKept:])
		}
	}
	*f.stored = fb
}
