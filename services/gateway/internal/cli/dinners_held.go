package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// recordHeld runs "mp dinners record-held [-time 18:00] SIGNUP OFFER
// DATE": an admin brings in a dinner held before Mötesplats (ADR 0269,
// 0275), from the records an organisation kept. The gateway and the
// dinners service refuse anyone else and check the date; mp checks only
// the count of arguments, so its refusals are the web's and the API's.
// The answer names the seating and the next step, attendance.
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
	fmt.Fprintln(e.Out, e.f("dinners.held_recorded", s.GetId(), e.seatingStatus(s), v.GetParticipantName(), v.GetHostName(), s.GetDate(), s.GetStartTime()))
	return nil
}
