package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestStack_SeedHoldsDinners runs the demo seed twice: the demo
// organisation of the dinners walk-through has dinners held before today,
// some with attendance and feedback recorded and the others confirmed,
// waiting for a coordinator to record who came (ADR 0269), and the second
// seed adds none.
func TestStack_SeedHoldsDinners(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr, cfg.DinnersAddr = l.Addr("participants"), l.Addr("volunteers"), l.Addr("dinners")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	args := []string{"-participants", "300", "-volunteers", "80", "-nats", ""}
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	dc := dinnersv1.NewDinnerServiceClient(tokenConn(t, l.Addr("dinners"), strings.TrimSpace(tok.String())))
	today := time.Now().Format(time.DateOnly)
	count := func() (held, confirmed, feedback int) {
		t.Helper()
		res, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{PageSize: 500, Statuses: []eventsv1.SeatingStatus{
			eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED, eventsv1.SeatingStatus_SEATING_STATUS_HELD}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.GetSeatings() {
			if p.GetDate() >= today {
				t.Errorf("a confirmed or held seating ahead on fresh demo data: %v", p)
			}
			switch p.GetStatus() {
			case eventsv1.SeatingStatus_SEATING_STATUS_HELD:
				held++
				if p.GetGuestFeedback().GetRating() > 0 && p.GetHostFeedback().GetRating() > 0 {
					feedback++
				}
			default:
				confirmed++
			}
		}
		return held, confirmed, feedback
	}
	for run := range 2 {
		if err := seed(ctx, cfg, args, &out); err != nil {
			t.Fatalf("seed %d: %v\n%s", run, err, out.String())
		}
		if !strings.Contains(out.String(), "dinners held   5 before today in Invitationsdepartementet Stockholm: 2 with attendance recorded, 3 to record") {
			t.Errorf("seed %d: the banner does not name the held dinners:\n%s", run+1, out.String())
		}
		out.Reset()
		held, confirmed, feedback := count()
		if held != heldDinners.recorded || feedback != held || confirmed != len(heldDinners.daysAgo)-held {
			t.Errorf("after seed %d: %d held (%d with both feedbacks), %d confirmed; want %d held with feedback, %d confirmed",
				run+1, held, feedback, confirmed, heldDinners.recorded, len(heldDinners.daysAgo)-heldDinners.recorded)
		}
	}
}
