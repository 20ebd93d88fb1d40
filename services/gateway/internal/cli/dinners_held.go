package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// recordHeld runs "mp dinners record-held [-time 18:00] SIGNUP OFFER
// DATE": an admin brings in a dinner held before Mötesplats (ADR 0269,
// 0275), from the records an organisation kept. The gateway and the
// dinners service refuse anyone else and check the date; mp checks only
// the count of arguments, so its refusals are the web's and the API's.
// The answer names the seating and, while it awaits it, the next step:
// attendance.
func recordHeld(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners record-held", flag.ContinueOnError)
	start := fs.String("time", "18:00", e.t("flag.recordHeld.time"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 3 {
		return errors.New(e.t("usage.record_held"))
	}
	res, err := d.RecordPastSeating(ctx, connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{
		SignUpId: rest[0], OfferId: rest[1], Date: rest[2], StartTime: *start}))
	if err != nil {
		return seatingErr(err)
	}
	v := res.Msg.GetSeating()
	s := v.GetSeating()
	// The hint to record attendance only while it is still to record: a
	// repeated record-held of a seating whose attendance is in answers
	// with the seating as it is (ADR 0273) and no step left to take.
	key := "dinners.held_recorded"
	if s.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		key = "dinners.held_recorded_done"
	}
	fmt.Fprintln(e.Out, e.f(key, s.GetId(), e.seatingStatus(s), v.GetParticipantName(), v.GetHostName(), s.GetDate(), s.GetStartTime()))
	return nil
}
