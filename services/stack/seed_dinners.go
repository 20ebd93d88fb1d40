package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/lang"
)

// dinnerSeed collects the seeded dinner hosts and the newcomers who
// consented to dinners, and then gives them offers over the next eight
// weeks and sign-ups, through the dinners API.
type dinnerSeed struct {
	mu     sync.Mutex
	hosts  map[int]*volunteersv1.Volunteer
	guests map[int]*participantsv1.Participant
	// heldOrg is the organisation whose dinners include some held in the
	// past (seedHeld); offers and signUps are the ids made, by item.
	heldOrg string
	offers  map[int]string
	signUps map[int]string
	// held and toRecord count heldOrg's dinners before today, with
	// attendance and still without, for the banner.
	held, toRecord int
}

func (d *dinnerSeed) host(i int, v *volunteersv1.Volunteer) {
	if !slices.ContainsFunc(v.GetRoles(), func(r *eventsv1.RoleCapacity) bool {
		return r.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST
	}) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.hosts == nil {
		d.hosts = map[int]*volunteersv1.Volunteer{}
	}
	d.hosts[i] = v
}

func (d *dinnerSeed) guest(i int, p *participantsv1.Participant) {
	if !slices.ContainsFunc(p.GetConsents(), func(c *participantsv1.Consent) bool {
		return c.GetPurpose() == eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS
	}) || i%2 == 1 { // half of them sign up
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.guests == nil {
		d.guests = map[int]*participantsv1.Participant{}
	}
	d.guests[i] = p
}

// seed creates the offers and sign-ups. The dinners service learns of the
// people from their events, so a create may be refused until it has;
// such calls are retried for a while.
// It returns how many offers and sign-ups there are, for the banner.
func (d *dinnerSeed) seed(ctx context.Context, addr string, creds credentials.PerRPCCredentials, workers int) (offers, signUps int, err error) {
	conn, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	dc := dinnersv1.NewDinnerServiceClient(conn)
	today := time.Now()
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, v := range d.hosts {
		g.Go(func() error {
			r := rand.New(rand.NewPCG(3, uint64(i)))
			o := &dinnersv1.Offer{OrganisationId: v.GetOrganisationId(), MunicipalityCode: v.GetMunicipalityCode(), VolunteerId: v.GetId(),
				Seats: int32(2 + r.IntN(5)), Pets: r.IntN(4) == 0,
				Kitchen:     &dinnersv1.Kitchen{Diets: v.GetDietsServed(), AllergensHandled: []dinnersv1.Allergen{dinnersv1.Allergen_ALLERGEN_NUTS}},
				Composition: dinnersv1.Composition(3 + r.IntN(3))}
			if r.IntN(2) == 0 {
				o.Kitchen.Diets = append(o.Kitchen.Diets, typev1.Diet_DIET_HALAL)
			}
			for _, l := range v.GetLanguages() {
				if lang.Valid(l.GetCode()) && len(o.Languages) < 8 {
					o.Languages = append(o.Languages, l.GetCode())
				}
			}
			first := 2 + r.IntN(7)
			for k := 0; k < 1+r.IntN(4); k++ {
				o.Dinners = append(o.Dinners, &dinnersv1.Dinner{Date: day(first + 14*k), StartTime: "18:00"})
			}
			return retry(gctx, func() error {
				res, err := dc.CreateOffer(gctx, &dinnersv1.CreateOfferRequest{RequestId: fmt.Sprintf("seed-o-%05d", i), Offer: o})
				if err == nil {
					d.made(&d.offers, i, res.GetOffer().GetId())
				}
				return err
			})
		})
	}
	for i, p := range d.guests {
		g.Go(func() error {
			r := rand.New(rand.NewPCG(4, uint64(i)))
			s := &dinnersv1.SignUp{OrganisationId: p.GetOrganisationId(), MunicipalityCode: p.GetMunicipalityCode(), ParticipantId: p.GetId(),
				Party: []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}}, Diets: p.GetDiets(),
				SwedishLevel: p.GetSwedishLevel(), FirstTime: r.IntN(2) == 0, Composition: dinnersv1.Composition(1 + r.IntN(5)),
				SfiClass: fmt.Sprintf("sfi-%s-%d", p.GetMunicipalityCode(), r.IntN(6))}
			for _, a := range p.GetHousehold().GetMemberAges() {
				if len(s.Party) < 5 {
					s.Party = append(s.Party, &dinnersv1.PartyMember{Age: a, Relation: dinnersv1.Relation_RELATION_RELATIVE})
				}
			}
			for _, l := range p.GetLanguages() {
				if lang.Valid(l.GetCode()) && len(s.Languages) < 8 {
					s.Languages = append(s.Languages, l.GetCode())
				}
			}
			for _, k := range r.Perm(54)[:3+r.IntN(8)] {
				s.Dates = append(s.Dates, day(2+k))
			}
			return retry(gctx, func() error {
				res, err := dc.CreateSignUp(gctx, &dinnersv1.CreateSignUpRequest{RequestId: fmt.Sprintf("seed-s-%05d", i), SignUp: s})
				if err == nil {
					d.made(&d.signUps, i, res.GetSignUp().GetId())
				}
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return 0, 0, fmt.Errorf("dinners: %w", err)
	}
	if err := d.seedHeld(ctx, dc, today); err != nil {
		return 0, 0, fmt.Errorf("dinners held: %w", err)
	}
	return len(d.hosts), len(d.guests), nil
}

// made notes the id of item i's offer or sign-up.
func (d *dinnerSeed) made(m *map[int]string, i int, id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if *m == nil {
		*m = map[int]string{}
	}
	(*m)[i] = id
}

// retry repeats a create the dinners service refuses because it has not
// seen the person's event yet (InvalidArgument on the person's id), for up
// to a minute.
func retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if removedSince(err) {
			return nil // an offer or sign-up removed since an earlier seed stays removed
		}
		if err == nil || status.Code(err) != codes.InvalidArgument || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
