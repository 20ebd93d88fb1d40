package notice

import (
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// TestErasureTemplate (ADR 0153): what the one left of an erased pair is
// told follows the pair's status when erased; notify's tracking only says
// whether they were offered it and whether a change told them already,
// and decides alone for an event from before that carries no status.
func TestErasureTemplate(t *testing.T) {
	t.Parallel()
	const (
		offered   = pb.TrackedState_TRACKED_STATE_OFFERED
		confirmed = pb.TrackedState_TRACKED_STATE_CONFIRMED
		done      = pb.TrackedState_TRACKED_STATE_DONE
		ended     = pb.Template_TEMPLATE_PAIR_ENDED
		cancelled = pb.Template_TEMPLATE_CANCELLATION
		nothing   = pb.Template_TEMPLATE_UNSPECIFIED
	)
	tests := []struct {
		name    string
		status  eventsv1.PairStatus
		tracked pb.TrackedState
		want    pb.Template
	}{
		{"activated, notify saw it", eventsv1.PairStatus_PAIR_STATUS_ACTIVE, confirmed, ended},
		{"activated a moment before, notify did not see it", eventsv1.PairStatus_PAIR_STATUS_ACTIVE, offered, ended},
		{"never activated", eventsv1.PairStatus_PAIR_STATUS_OFFERED, offered, cancelled},
		{"ended, its end purged unseen", eventsv1.PairStatus_PAIR_STATUS_ENDED, confirmed, ended},
		{"declined, its decline purged unseen", eventsv1.PairStatus_PAIR_STATUS_DECLINED, offered, cancelled},
		{"withdrawn, its withdrawal purged unseen", eventsv1.PairStatus_PAIR_STATUS_WITHDRAWN, offered, cancelled},
		{"expired: no one is told", eventsv1.PairStatus_PAIR_STATUS_EXPIRED, offered, nothing},
		{"ended and told", eventsv1.PairStatus_PAIR_STATUS_ENDED, done, nothing},
		{"never offered", eventsv1.PairStatus_PAIR_STATUS_PROPOSED, pb.TrackedState_TRACKED_STATE_UNSPECIFIED, nothing},
		{"old event, active as tracked", eventsv1.PairStatus_PAIR_STATUS_UNSPECIFIED, confirmed, ended},
		{"old event, offered as tracked", eventsv1.PairStatus_PAIR_STATUS_UNSPECIFIED, offered, cancelled},
		{"old event, done", eventsv1.PairStatus_PAIR_STATUS_UNSPECIFIED, done, nothing},
	}
	for _, tt := range tests {
		if got := erasureTemplate(tt.status, tt.tracked); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
