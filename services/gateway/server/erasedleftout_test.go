package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// leftOutNewcomer registers, as c, a Somali-speaking newcomer entitled to
// a guide who consents to all three programmes: no guide, mentor or host
// in the tests below speaks Somali, so every job leaves them out.
func leftOutNewcomer(t testing.TB, c *apiClient, org, given string) string {
	t.Helper()
	consent := func(p eventsv1.ConsentPurpose) *participantsv1.Consent {
		return &participantsv1.Consent{Purpose: p, TextVersion: "2026-01", Language: "sv"}
	}
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880", GivenName: given, FamilyName: "Utanförsson", Gender: typev1.Gender_GENDER_WOMAN,
		Languages:    []*typev1.LanguageSkill{{Code: "so", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, Household: &participantsv1.Household{Size: 2}, Interests: []string{"chess"},
		ResidencePermitDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly),
		EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED,
		Consents: []*participantsv1.Consent{consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES),
			consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING), consent(eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS)},
	}}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// leftOutLists is what a coordinator reads of who three jobs left out:
// the API's rows (ids and names), the web pages and mp's lines, and the
// pages (guides' and mentoring's) and commands that name people.
type leftOutLists struct {
	api, web, mp string
	named        map[string]string
	totals       [3]int32 // guides, mentoring, dinners
}

func readLeftOut(t *testing.T, e *env, c *apiClient, b *browser, dir string, guides, mentoring, dinners string) leftOutLists {
	t.Helper()
	ctx := testutil.Context(t)
	l := leftOutLists{named: map[string]string{}}
	var api strings.Builder
	g, err := c.guides.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: guides}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range g.Msg.GetUnassigned() {
		fmt.Fprintf(&api, "guides %s %s\n", u.GetParticipantId(), u.GetParticipantName())
	}
	m, err := c.matching.ListUnmatchedNewcomers(ctx, connect.NewRequest(&gatewayv1.ListUnmatchedNewcomersRequest{JobId: mentoring}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range m.Msg.GetUnmatched() {
		fmt.Fprintf(&api, "mentoring %v\n", u)
	}
	d, err := c.dinners.ListUnseatedParties(ctx, connect.NewRequest(&gatewayv1.ListUnseatedPartiesRequest{JobId: dinners}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range d.Msg.GetUnseated() {
		fmt.Fprintf(&api, "dinners %v %s\n", u, d.Msg.GetParticipantNames()[u.GetSignUpId()])
	}
	l.api, l.totals = api.String(), [3]int32{g.Msg.GetTotalSize(), m.Msg.GetTotalSize(), d.Msg.GetTotalSize()}
	var web strings.Builder
	for _, path := range []string{"/guides/jobs/" + guides + "/unassigned", "/matching/jobs/" + mentoring + "/unmatched", "/dinners?job=" + dinners} {
		code, body := b.get(path)
		if code != 200 {
			t.Fatalf("%s: %d\n%s", path, code, trim(body))
		}
		web.WriteString(body)
		if !strings.HasPrefix(path, "/dinners") { // the dinners page counts parties, naming none
			l.named[path] = body
		}
	}
	l.web = web.String()
	mg, mm := mp(t, dir, "guides", "jobs", "unassigned", guides), mp(t, dir, "jobs", "unmatched", mentoring)
	// mp dinners unseated names each party's newcomer too (ADR 0223).
	md := mp(t, dir, "dinners", "unseated", dinners)
	l.named["mp guides jobs unassigned"], l.named["mp jobs unmatched"], l.named["mp dinners unseated"] = mg, mm, md
	l.mp = mg + mm + md
	return l
}

// TestErasedNewcomerLeavesTheLeftOutLists (issue 9, finding 2: erasure
// removes a person from every stored result): a newcomer whom a guides
// job, a mentoring job and a dinners job each left out is listed by name
// in the API, the web pages and mp, and their view is in Redis. Erased
// through the gateway, they are in none of them, by id or name, nor in
// Redis, and each list's total drops by one; the newcomer left out beside
// them stays.
func TestErasedNewcomerLeavesTheLeftOutLists(t *testing.T) {
	t.Parallel()
	e, rc, _ := startWithRedis(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 2}}}}); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Röda Korset Kalmar", "0880")
	c := e.coordinator(admin, "utan@example.org", org, "0880")
	const erased, stays = "Zqraderia", "Kvarstina"
	gone, kept := leftOutNewcomer(t, c, org, erased), leftOutNewcomer(t, c, org, stays)
	mentor(t, c, org, "0880", "Erik")
	day := time.Now().AddDate(0, 0, 6).Format(time.DateOnly)
	dinnerOffer(t, c, dinnerHost(t, c, org, "0880", "Värdine"), "0880", 4, day)
	for _, id := range []string{gone, kept} {
		dinnerSignUp(t, c, id, "0880", time.Now().AddDate(0, 0, 9).Format(time.DateOnly)) // no dinner that day
	}

	// The three jobs, each leaving both newcomers out.
	gjob, mjob := leftOutJobs(t, c, "left", 2)
	djob := runDinnerJob(t, c, "left-dinners").GetId()

	b := e.browser()
	b.signIn("utan@example.org", password)
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "utan@example.org")
	before := readLeftOut(t, e, c, b, dir, gjob, mjob, djob)
	before.named["API"] = before.api
	for what, s := range before.named {
		if !strings.Contains(s, erased) || !strings.Contains(s, stays) {
			t.Fatalf("before the erasure %s does not name both left out:\n%s", what, trim(s))
		}
	}
	if found := redisHolding(t, ctx, rc, erased); len(found) == 0 {
		t.Fatal("before the erasure Redis holds no view naming the newcomer: the search cannot see one")
	}

	if _, err := admin.registry.EraseParticipant(ctx, connect.NewRequest(&gatewayv1.EraseParticipantRequest{Id: gone})); err != nil {
		t.Fatal(err)
	}
	var after leftOutLists
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		after = readLeftOut(t, e, c, b, dir, gjob, mjob, djob)
		for what, s := range map[string]string{"API": after.api, "web": after.web, "mp": after.mp} {
			for _, v := range []string{erased, gone} {
				if strings.Contains(s, v) {
					return fmt.Errorf("the %s still shows %s", what, v)
				}
			}
		}
		for k, n := range after.totals {
			if n != before.totals[k]-1 {
				return fmt.Errorf("totals %v, before %v: want each one less", after.totals, before.totals)
			}
		}
		return nil
	})
	after.named["API"] = after.api
	for what, s := range after.named {
		if !strings.Contains(s, stays) {
			t.Errorf("after the erasure %s lost the newcomer who stays:\n%s", what, trim(s))
		}
	}
	if found := redisHolding(t, ctx, rc, erased, gone); len(found) > 0 {
		t.Errorf("after the erasure Redis holds %v", found)
	}
}

// redisHolding returns the keys of Redis whose name or string value holds
// any of vs.
func redisHolding(t *testing.T, ctx context.Context, rc *redis.Client, vs ...string) []string {
	t.Helper()
	var found []string
	iter := rc.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		val, err := rc.Get(ctx, k).Result()
		if err != nil {
			val = "" // not a string, or expired meanwhile
		}
		for _, v := range vs {
			if strings.Contains(k, v) || strings.Contains(val, v) {
				found = append(found, k)
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}
