package main

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/gatewayurl"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	gateway "github.com/motesplats/motesplats/services/gateway/server"
)

// The demo municipalities: large and small, in different counties.
var seedMunicipalities = []string{"0180", "1480", "1280", "0380", "0880", "0580", "1880", "1980", "2480", "0680"}

type seedOrg struct {
	name  string
	typ   volunteersv1.OrganisationType
	munis []string
	guide bool
}

var seedOrgs = []seedOrg{
	{"Röda Korset Kalmar", volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, []string{"0880"}, false},
	{"Invitationsdepartementet Stockholm", volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, []string{"0180", "0380"}, false},
	{"Svenska kyrkan Göteborg", volunteersv1.OrganisationType_ORGANISATION_TYPE_CHURCH, []string{"1480"}, false},
	{"ABF Malmö", volunteersv1.OrganisationType_ORGANISATION_TYPE_STUDY_ASSOCIATION, []string{"1280"}, false},
	{"Studiefrämjandet Mitt", volunteersv1.OrganisationType_ORGANISATION_TYPE_STUDY_ASSOCIATION, []string{"0580", "1880", "1980"}, false},
	{"Umeå kommun", volunteersv1.OrganisationType_ORGANISATION_TYPE_MUNICIPALITY, []string{"2480"}, false},
	{"Jönköpings Föreningsråd", volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, []string{"0680"}, false},
	{"Etableringslots Syd AB", volunteersv1.OrganisationType_ORGANISATION_TYPE_COMPANY, []string{"1280", "0880", "0680"}, true},
	{"Arbetsgivarringen Nord", volunteersv1.OrganisationType_ORGANISATION_TYPE_TRADE_BODY, []string{"2480", "1980"}, true},
	{"Flyktingguiderna Väst", volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, []string{"1480", "0180"}, true},
}

var (
	newcomerGiven = []string{"Amina", "Yonas", "Hodan", "Farid", "Olena", "Ahmad", "Selam", "Abdi", "Mariam", "Dmytro",
		"Fatima", "Tesfay", "Ayaan", "Zahra", "Iryna", "Omar", "Rahel", "Hamza", "Nasrin", "Bohdan"}
	newcomerFamily = []string{"Hassan", "Tesfaye", "Warsame", "Ahmadi", "Kovalenko", "Ali", "Gebremedhin", "Mohamed",
		"Haidari", "Shevchenko", "Yusuf", "Berhane", "Nur", "Rahimi", "Bondarenko"}
	swedeGiven     = []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Per", "Ingrid", "Nils", "Sara", "Olof"}
	swedeFamily    = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Lindqvist", "Berg"}
	newcomerLangs  = []string{"ar", "ti", "so", "prs", "uk", "en", "fa", "ps", "ku"}
	volunteerLangs = []string{"en", "ar", "de", "es", "fr", "uk", "so", "ti"}
	// interestTags are Swedish words, as a Swedish coordinator types them
	// (tags are a-z: "lasning" would be one, so the list keeps to words
	// without å, ä and ö); the matching page shows them as they are.
	interestTags = []string{"matlagning", "fotboll", "promenader", "musik", "stickning", "schack", "odling", "cykling",
		"litteratur", "hantverk", "simning", "film", "programmering", "fiske", "dans"}
)

// seed loads the demo data set through the public gRPC APIs, as a
// coordinator tool would. Request ids derive from the item number, so
// running it twice creates nothing new.
func seed(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	nParticipants := fs.Int("participants", 2000, "newcomers to register")
	nVolunteers := fs.Int("volunteers", 600, "volunteers to register")
	workers := fs.Int("workers", 16, "concurrent calls")
	natsURL := fs.String("nats", fmt.Sprintf("nats://%s:%d", cfg.NATSHost, cfg.NATSPort),
		"NATS of the running stack, for the demo web app users (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, kid, err := operatorKey(cfg)
	if err != nil {
		return err
	}
	// What the users' step, the last one, needs is checked before the
	// first call: under make up, a seed without keys.env's NATS user made
	// every person and printed the banner, then failed there (found from
	// outside, ADR 0227).
	var users *usersStep
	if *natsURL != "" {
		if users, err = openUsersStep(ctx, cfg, *natsURL); err != nil {
			return err
		}
		defer users.close()
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(key, kid, time.Now),
		auth.Claims{Subject: "seed", Role: auth.RoleAdmin}, 10*time.Minute))
	pconn, err := grpcx.Dial(cfg.ParticipantsAddr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return err
	}
	defer pconn.Close()
	vconn, err := grpcx.Dial(cfg.VolunteersAddr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return err
	}
	defer vconn.Close()
	pc := participantsv1.NewParticipantServiceClient(pconn)
	vc := volunteersv1.NewVolunteerServiceClient(vconn)
	start := time.Now()

	orgs := make([]*volunteersv1.Organisation, len(seedOrgs))
	for i, o := range seedOrgs {
		org := demoOrganisation(o)
		res, err := vc.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: org, RequestId: fmt.Sprintf("seed-org-%02d", i)})
		if err != nil {
			return seedCallFailed(cfg, kid, fmt.Sprintf("organisation %q", o.name), "VOLUNTEERS_ADDR", cfg.VolunteersAddr, err)
		}
		orgs[i] = res.GetOrganisation()
	}
	// Participants and volunteers belong to an organisation serving their
	// municipality, so coordinators' scopes see realistic slices.
	orgFor := func(r *rand.Rand, muni string, guide bool) string {
		var fit []string
		for _, o := range orgs {
			if o.GetIsGuideOrganisation() != guide {
				continue
			}
			for _, m := range o.GetMunicipalityCodes() {
				if m == muni {
					fit = append(fit, o.GetId())
				}
			}
		}
		return fit[r.IntN(len(fit))]
	}

	var dinner dinnerSeed
	for k, o := range seedOrgs {
		if o.name == heldDinnersOrg {
			dinner.heldOrg = orgs[k].GetId()
		}
	}
	var done, removed atomic.Int64
	total := int64(*nParticipants + *nVolunteers)
	progress := func() {
		if n := done.Add(1); n%200 == 0 || n == total {
			fmt.Fprintf(out, "seeded %d/%d\n", n, total)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(*workers)
	for i := range *nParticipants {
		g.Go(func() error {
			r := rand.New(rand.NewPCG(1, uint64(i)))
			p := demoParticipant(r)
			p.OrganisationId = orgFor(r, p.GetMunicipalityCode(), false)
			res, err := pc.CreateParticipant(gctx, &participantsv1.CreateParticipantRequest{Participant: p, RequestId: fmt.Sprintf("seed-p-%05d", i)})
			if removedSince(err) {
				removed.Add(1)
				progress()
				return nil
			}
			if err != nil {
				return seedCallFailed(cfg, kid, fmt.Sprintf("participant %d", i), "PARTICIPANTS_ADDR", cfg.ParticipantsAddr, err)
			}
			dinner.guest(i, res.GetParticipant())
			progress()
			return nil
		})
	}
	for i := range *nVolunteers {
		g.Go(func() error {
			r := rand.New(rand.NewPCG(2, uint64(i)))
			v := demoVolunteer(r)
			v.OrganisationId = orgFor(r, v.GetMunicipalityCode(), false)
			res, err := vc.CreateVolunteer(gctx, &volunteersv1.CreateVolunteerRequest{Volunteer: v, RequestId: fmt.Sprintf("seed-v-%05d", i)})
			if removedSince(err) {
				removed.Add(1)
				progress()
				return nil
			}
			if err != nil {
				return seedCallFailed(cfg, kid, fmt.Sprintf("volunteer %d", i), "VOLUNTEERS_ADDR", cfg.VolunteersAddr, err)
			}
			dinner.host(i, res.GetVolunteer())
			progress()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	offers, signUps, err := dinner.seed(ctx, cfg.DinnersAddr, creds, *workers)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded in %v\n", time.Since(start).Round(time.Millisecond))
	writeSeedBanner(out, seedMade{participants: *nParticipants, volunteers: *nVolunteers, orgs: orgs, offers: offers, signUps: signUps, held: dinner.held, toRecord: dinner.toRecord,
		removed: int(removed.Load())})
	if users == nil {
		fmt.Fprintln(out, "  users          none (-nats is empty)")
		return nil
	}
	return seedUsers(ctx, users, key, orgs, gatewayurl.For(cfg.Gateway.Addr, cfg.Gateway.PublicURL), out)
}

// removedSince reports whether err refuses a create because the record the
// same request made on an earlier seed has been deleted or erased since:
// a second make seed after a coordinator removed someone stopped with
// "participant 18: ... has been removed" (ADR 0137); it leaves them
// removed instead.
func removedSince(err error) bool {
	s, ok := status.FromError(err)
	return err != nil && ok && s.Code() == codes.FailedPrecondition && s.Message() == store.CreatedRecordRemoved
}

// demoOrganisation is a seed organisation as it is created: a guide
// organisation gets places in Arabic, Tigrinya and Somali (10 each) and a
// few in Swedish (3) in each of its municipalities.
func demoOrganisation(o seedOrg) *volunteersv1.Organisation {
	org := &volunteersv1.Organisation{Name: o.name, Type: o.typ, MunicipalityCodes: o.munis, IsGuideOrganisation: o.guide}
	if o.guide {
		for _, m := range o.munis {
			for _, l := range []string{"ar", "ti", "so"} {
				org.GuideCapacities = append(org.GuideCapacities, &eventsv1.GuideCapacity{MunicipalityCode: m, Language: l, Capacity: 10})
			}
			// The planted gap for the guides' equity page: few places
			// in Swedish and none in other languages, so newcomers
			// whose first language is not Arabic, Tigrinya or Somali
			// get a guide far less often and are flagged.
			org.GuideCapacities = append(org.GuideCapacities, &eventsv1.GuideCapacity{MunicipalityCode: m, Language: "sv", Capacity: 3})
		}
	}
	return org
}

// seedUsers creates the demo sign-ins for the web app: an admin and a
// coordinator for two of the organisations. Their passwords derive from
// the operators' key the seed signs with (ADR 0217; before it, the
// gateway's), so they are stable across seeds of one data directory and
// unknown to anyone without the key. An account already there keeps the
// password it was made with; when that is not this key's, it is not
// printed.
func seedUsers(ctx context.Context, step *usersStep, key ed25519.PrivateKey, orgs []*volunteersv1.Organisation, webURL string, out io.Writer) error {
	js := step.js
	password := func(email string) string {
		m := hmac.New(sha256.New, key.Seed())
		m.Write([]byte("demo-password:" + email))
		// Letters and digits only: easy to type, never mistaken for a flag.
		return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)))[:16]
	}
	type demo struct {
		email, name string
		role        gatewayv1.Role
		org         *volunteersv1.Organisation
	}
	demos := []demo{
		{"admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN, nil},
		{"anna@example.org", "Anna Lindqvist", gatewayv1.Role_ROLE_COORDINATOR, orgs[1]}, // Invitationsdepartementet: 0180, 0380
		{"erik@example.org", "Erik Berg", gatewayv1.Role_ROLE_COORDINATOR, orgs[0]},      // Röda Korset Kalmar: 0880
	}
	var users []gateway.NewUser
	for _, d := range demos {
		u := &gatewayv1.User{Email: d.email, DisplayName: d.name, Role: d.role, Locale: "sv"}
		if d.org != nil {
			u.OrganisationId, u.MunicipalityCodes = d.org.GetId(), d.org.GetMunicipalityCodes()
		}
		users = append(users, gateway.NewUser{User: u, Password: password(d.email)})
	}
	// The accounts are sealed with the stack's data key, as the gateway
	// seals them (ADR 0201): the seed needs the key the stack runs with,
	// and opens its keyring as the gateway does (seedKeyring).
	var keyring *seal.Keyring
	if step.keks != nil {
		var err error
		if keyring, err = seedKeyring(ctx, step); err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
		defer keyring.Close()
	}
	n, other, err := gateway.EnsureUsers(ctx, js, keyring, users)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  users          %d web app sign-ins (%d new), at %s:\n", len(demos), n, webURL)
	for _, d := range demos {
		scope := "all organisations"
		if d.org != nil {
			scope = fmt.Sprintf("%s, municipalities %v", d.org.GetName(), d.org.GetMunicipalityCodes())
		}
		pw := password(d.email)
		if other[d.email] {
			// Made by an earlier seed with another key (before ADR 0217, the
			// gateway's), changed or disabled since: printing this key's
			// password would send the reader to a sign-in that fails.
			pw = "(unchanged: set before this seed, not printed)"
		}
		fmt.Fprintf(out, "    %-20s password %s  (%s; %s)\n", d.email, pw, d.role, scope)
	}
	return nil
}

// zipfMunicipality concentrates people in the big cities, as in reality.
func zipfMunicipality(r *rand.Rand) string {
	for {
		i := int(float64(len(seedMunicipalities)) * r.Float64() * r.Float64())
		if i < len(seedMunicipalities) {
			return seedMunicipalities[i]
		}
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func someInterests(r *rand.Rand) []string {
	n := 1 + r.IntN(4)
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		t := pick(r, interestTags)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func someAvailability(r *rand.Rand) []*typev1.Availability {
	var out []*typev1.Availability
	for d := typev1.Weekday_WEEKDAY_MONDAY; d <= typev1.Weekday_WEEKDAY_SUNDAY; d++ {
		if r.IntN(3) == 0 {
			out = append(out, &typev1.Availability{Weekday: d, DayPart: typev1.DayPart(1 + r.IntN(3))})
		}
	}
	return out
}

func demoParticipant(r *rand.Rand) *participantsv1.Participant {
	given, family := pick(r, newcomerGiven), pick(r, newcomerFamily)
	mother := pick(r, newcomerLangs)
	langs := []*typev1.LanguageSkill{{Code: mother, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
	if mother != "en" && r.IntN(3) == 0 {
		langs = append(langs, &typev1.LanguageSkill{Code: "en", Level: typev1.LanguageLevel(1 + r.IntN(3))})
	}
	size := int32(1)
	if r.IntN(3) == 0 {
		size = int32(2 + r.IntN(4))
	}
	var ages []int32
	for range size - 1 {
		ages = append(ages, int32(r.IntN(60)))
	}
	permit := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(900))
	p := &participantsv1.Participant{
		MunicipalityCode:    zipfMunicipality(r),
		GivenName:           given,
		FamilyName:          family,
		Contact:             &typev1.Contact{Email: fmt.Sprintf("%s.%s.%d@example.org", lower(given), lower(family), r.IntN(10000)), PreferredLanguage: mother},
		Languages:           langs,
		SwedishLevel:        typev1.SwedishLevel(1 + r.IntN(7)),
		Household:           &participantsv1.Household{Size: size, MemberAges: ages},
		Interests:           someInterests(r),
		Gender:              typev1.Gender(r.IntN(3)),
		Availability:        someAvailability(r),
		ResidencePermitDate: permit.Format(time.DateOnly),
		BirthYear:           int32(1960 + r.IntN(46)),
		EstablishmentStatus: eventsv1.EstablishmentStatus(1 + r.IntN(3)),
		ParentalLeave:       eventsv1.ParentalLeave(1 + r.IntN(3)),
	}
	if r.IntN(5) == 0 {
		p.Diets = []typev1.Diet{pick(r, []typev1.Diet{typev1.Diet_DIET_HALAL, typev1.Diet_DIET_VEGETARIAN, typev1.Diet_DIET_NO_PORK})}
	}
	for _, purpose := range []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING,
		eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES} {
		if r.IntN(10) < 7 {
			// The current text in the newcomer's message language, so the
			// consent link on their page opens what they agreed to.
			p.Consents = append(p.Consents, consentTo(purpose, p.GetContact().GetPreferredLanguage()))
		}
	}
	return p
}

func demoVolunteer(r *rand.Rand) *volunteersv1.Volunteer {
	given, family := pick(r, swedeGiven), pick(r, swedeFamily)
	var langs []*typev1.LanguageSkill
	for _, l := range volunteerLangs {
		if r.IntN(4) == 0 {
			langs = append(langs, &typev1.LanguageSkill{Code: l, Level: typev1.LanguageLevel(1 + r.IntN(4))})
		}
	}
	var roles []*eventsv1.RoleCapacity
	if r.IntN(10) < 6 {
		roles = append(roles, &eventsv1.RoleCapacity{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: int32(1 + r.IntN(3))})
	}
	if r.IntN(10) < 4 || len(roles) == 0 {
		roles = append(roles, &eventsv1.RoleCapacity{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: int32(2 + r.IntN(5))})
	}
	if r.IntN(10) == 0 {
		roles = append(roles, &eventsv1.RoleCapacity{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_HOMEWORK_HELPER, Capacity: 2})
	}
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(300))
	return &volunteersv1.Volunteer{
		MunicipalityCode: zipfMunicipality(r),
		GivenName:        given,
		FamilyName:       family,
		Contact:          &typev1.Contact{Email: fmt.Sprintf("%s.%s.%d@example.se", lower(given), lower(family), r.IntN(10000))},
		Languages:        langs,
		Roles:            roles,
		Interests:        someInterests(r),
		Gender:           typev1.Gender(r.IntN(3)),
		Availability:     someAvailability(r),
		DietsServed:      []typev1.Diet{typev1.Diet_DIET_VEGETARIAN},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: seen.Format(time.DateOnly),
			Verifier: "seed", ValidUntil: seen.AddDate(1, 0, 0).Format(time.DateOnly)},
		HouseholdSize: int32(1 + r.IntN(4)),
		BirthYear:     int32(1950 + r.IntN(55)),
	}
}

func lower(s string) string {
	b := []rune(s)
	out := make([]rune, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		case c >= 'a' && c <= 'z':
			out = append(out, c)
		}
	}
	return string(out)
}

// seedKEKs returns the data keys of the running stack: MP_DATA_KEY, or the
// embedded stack's key file. Unlike the stack's own start it never makes a
// key: one made here would not open the stack's data.
func seedKEKs(cfg Config) ([]seal.KEK, error) {
	text := cfg.DataKey
	if text == "" {
		var err error
		if text, err = seal.ReadKeyFile(cfg.DataKeyPath()); err != nil {
			return nil, fmt.Errorf("seed users: no data key at %s: start the stack once with `make run`, or set MP_DATA_KEY: %w", cfg.DataKeyPath(), err)
		}
	}
	cur, err := seal.ParseKEK(text)
	if err != nil {
		return nil, fmt.Errorf("seed users: data key: %w", err)
	}
	old, err := seal.OldKEKs(cfg.DataKeyOld)
	if err != nil {
		return nil, err
	}
	return append([]seal.KEK{cur}, old...), nil
}
