package core

import (
	"context"
	"errors"
	"slices"
	"sync"

	"google.golang.org/grpc/status"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
)

// newcomerOnly: an unseated party's sign-up names a newcomer.
var newcomerOnly = []backend.Kind{backend.Newcomer}

// signUpReads is the most sign-ups an unseated page reads one by one
// (at once) when its parties do not name their newcomer (a dinners
// service older than ADR 0228); more are found by listing their
// municipalities' sign-ups, 500 a call: 250 parties read one by one took
// 32-57 ms, against 3 ms for the list without names (ADR 0223).
const signUpReads = 16

// unseatedNames names the newcomer of each unseated party, by sign-up
// id, and lists the newcomers named, for the audit entry. `mp dinners
// unseated` printed sign-up ids alone (ADR 0223): a coordinator could
// not tell who was left without a seat. Each party names its newcomer
// (participant_id, given only to a caller who may see its sign-up, ADR
// 0228), so the page is named with one call per service for every 200
// newcomers (Backend.PeopleNames, ADR 0222). A party without one (from a
// dinners service older than the field) has its sign-up read under the
// caller's scope as before (one removed since the job names no one), and
// its participant_id is filled in from it, so mp can mark namesakes
// alike. Returns errNoNames when a sign-up or a name cannot be read now.
func (g *Gateway) unseatedNames(ctx, sctx context.Context, d dinnersv1.DinnerServiceClient, us []*dinnersv1.UnseatedParty) (map[string]string, []string, error) {
	var unnamed []*dinnersv1.UnseatedParty
	for _, u := range us {
		if u.GetParticipantId() == "" {
			unnamed = append(unnamed, u)
		}
	}
	if len(unnamed) > 0 {
		var person []string
		var err error
		if len(unnamed) <= signUpReads {
			person, err = g.signUpsOneByOne(ctx, sctx, d, unnamed)
		} else {
			person, err = signUpsListed(sctx, d, unnamed)
		}
		if err != nil {
			return nil, nil, err
		}
		for i, u := range unnamed {
			u.ParticipantId = person[i]
		}
	}
	var asked []string
	for _, u := range us {
		if id := u.GetParticipantId(); id != "" {
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
	for _, u := range us {
		if n, ok := names[u.GetParticipantId()]; ok && n.Name != "" {
			out[u.GetSignUpId()] = n.Name
			shown = append(shown, u.GetParticipantId())
		}
	}
	return out, shown, nil
}

// signUpsOneByOne reads each party's sign-up at once, returning the
// newcomer of each ("" for a sign-up gone); errNoNames when one cannot be
// read now.
func (g *Gateway) signUpsOneByOne(ctx, sctx context.Context, d dinnersv1.DinnerServiceClient, us []*dinnersv1.UnseatedParty) ([]string, error) {
	person := make([]string, len(us))
	errs := make([]error, len(us))
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Go(func() {
			res, err := d.GetSignUp(sctx, &dinnersv1.GetSignUpRequest{Id: u.GetSignUpId()})
			var ok bool
			if ok, errs[i] = g.found(ctx, err); ok {
				person[i] = res.GetSignUp().GetParticipantId()
			}
		})
	}
	wg.Wait()
	if errors.Join(errs...) != nil {
		return nil, errNoNames
	}
	return person, nil
}

// signUpsListed finds the parties' sign-ups in the lists of their
// municipalities under the caller's scope, 500 a call, until every one
// is found or the lists end (a sign-up removed since names no one).
func signUpsListed(sctx context.Context, d dinnersv1.DinnerServiceClient, us []*dinnersv1.UnseatedParty) ([]string, error) {
	want := make(map[string]string, len(us))
	var munis []string
	for _, u := range us {
		want[u.GetSignUpId()] = ""
		if !slices.Contains(munis, u.GetMunicipalityCode()) {
			munis = append(munis, u.GetMunicipalityCode())
		}
	}
	left := len(want)
	for _, m := range munis {
		for token := ""; left > 0; {
			res, err := d.ListSignUps(sctx, &dinnersv1.ListSignUpsRequest{PageSize: 500, PageToken: token, MunicipalityCode: m})
			if err != nil {
				return nil, errNoNames
			}
			for _, s := range res.GetSignUps() {
				if p, ok := want[s.GetId()]; ok && p == "" {
					want[s.GetId()] = s.GetParticipantId()
					left--
				}
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
	}
	person := make([]string, len(us))
	for i, u := range us {
		person[i] = want[u.GetSignUpId()]
	}
	return person, nil
}
