package core

import (
	"context"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// personSignUpPages bounds the sign-ups a newcomer's page reads for their
// dinners: 20 pages of 500 of one newcomer's, far past any real count.
// Past it the page says some may be missing rather than read on.
const personSignUpPages = 20

// PersonDinners is what the dinners programme holds of one newcomer, as
// far as the caller's scope reaches: their sign-ups and every seating of
// those sign-ups with the host's name.
type PersonDinners struct {
	// SignUps are the newcomer's sign-ups in the caller's scope.
	SignUps []*dinnersv1.SignUp
	// Seatings are the seatings of those sign-ups, in id order.
	Seatings []*gatewayv1.SeatingView
	// Partial is set when the scope held more sign-ups than were read,
	// so one of the newcomer's may be missing.
	Partial bool
}

// ParticipantDinners returns newcomer participantID's sign-ups and their
// seatings (ADR 0275), for the newcomer's page. The dinners service
// lists the newcomer's sign-ups (it read the caller's whole scope and
// kept theirs before); their seatings it asks by sign-up. The dinners service checks the scope with the caller's token,
// so a coordinator of another organisation gets nothing of it. The audit
// names only what is returned: the sign-ups read past are not shown.
func (g *Gateway) ParticipantDinners(ctx context.Context, c Caller, participantID string) (*PersonDinners, error) {
	sctx, d, err := g.dinners(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &PersonDinners{}
	token := ""
	for page := 0; ; page++ {
		if page == personSignUpPages {
			out.Partial = true
			break
		}
		res, err := d.ListSignUps(sctx, &dinnersv1.ListSignUpsRequest{PageSize: 500, PageToken: token, ParticipantId: participantID})
		if err != nil {
			return nil, g.recordList(ctx, c, "dinner_sign_up", nil, err)
		}
		for _, s := range res.GetSignUps() {
			if s.GetParticipantId() == participantID && c.Claims().CanSee(s.GetOrganisationId(), s.GetMunicipalityCode()) {
				out.SignUps = append(out.SignUps, s)
			}
		}
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	if err := g.recordList(ctx, c, "dinner_sign_up", signUpIDs(out.SignUps...), nil); err != nil {
		return nil, err
	}
	var seatings []*dinnersv1.Seating
	for _, s := range out.SignUps {
		res, err := d.ListSeatings(sctx, &dinnersv1.ListSeatingsRequest{SignUpId: s.GetId(), PageSize: 500})
		if err != nil {
			return nil, g.recordList(ctx, c, "seating", nil, err)
		}
		seatings = append(seatings, res.GetSeatings()...)
	}
	if err := g.recordList(ctx, c, "seating", seatingIDs(seatings...), nil); err != nil {
		return nil, err
	}
	for _, s := range seatings {
		v, err := g.seatingView(ctx, c, s)
		if hidden(err) {
			continue
		}
		if err := orNoNames(err); err != nil {
			return nil, err
		}
		out.Seatings = append(out.Seatings, v)
	}
	return out, nil
}

// orNoNames is written's test alone: a view without the names (the
// registers did not answer) is still shown.
func orNoNames(err error) error {
	_, err = written(struct{}{}, err)
	return err
}
