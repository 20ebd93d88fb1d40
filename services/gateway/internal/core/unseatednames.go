package core

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/grpc/status"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// newcomerOnly: an unseated party's sign-up names a newcomer.
var newcomerOnly = []backend.Kind{backend.Newcomer}

// signUpReads bounds the sign-ups an unseated page reads at once.
const signUpReads = 16

// unseatedNames names the newcomer of each unseated party, by sign-up
// id, and lists the newcomers named, for the audit entry. `mp dinners
// unseated` printed sign-up ids alone (ADR 0223): a coordinator could
// not tell who was left without a seat. A party carries its sign-up's id
// only, so each sign-up is read under the caller's scope (16 at a time;
// one removed since the job names no one), and the names in one call
// per service for every 200 newcomers (Backend.PeopleNames, ADR 0222).
// Returns errNoNames when a sign-up or a name cannot be read now.
func (g *Gateway) unseatedNames(ctx, sctx context.Context, d dinnersv1.DinnerServiceClient, us []*dinnersv1.UnseatedParty) (map[string]string, []string, error) {
	person := make([]string, len(us))
	errs := make([]error, len(us))
	var wg sync.WaitGroup
	slots := make(chan struct{}, signUpReads)
	for i, u := range us {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			res, err := d.GetSignUp(sctx, &dinnersv1.GetSignUpRequest{Id: u.GetSignUpId()})
			var ok bool
			if ok, errs[i] = g.found(ctx, err); ok {
				person[i] = res.GetSignUp().GetParticipantId()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, errNoNames
	}
	var asked []string
	for _, id := range person {
		if id != "" {
			asked = append(asked, id)
		}
	}
	names, err := g.Backend.PeopleNames(ctx, asked, func(string) []backend.Kind { return newcomerOnly })
	if err != nil {
		// The code only: the error may carry a service's message about a person.
		g.Log.WarnContext(ctx, "name lookup failed", "code", status.Code(err).String())
		return nil, nil, errNoNames
	}
	out := make(map[string]string, len(us))
	var shown []string
	for i, u := range us {
		if n, ok := names[person[i]]; ok && n.Name != "" {
			out[u.GetSignUpId()] = n.Name
			shown = append(shown, person[i])
		}
	}
	return out, shown, nil
}
