package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// formOf parses the first form with method post in page the way a browser
// would submit it: text inputs and hidden fields with their values,
// checkboxes only when checked, selects with their selected option.
func formOf(t testing.TB, page string) (action string, form url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var found *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			if m, _ := attr(n, "method"); m == "post" {
				if a, _ := attr(n, "action"); a != "/signout" && a != "/settings/locale" {
					found = n
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if found == nil {
		t.Fatalf("no form in page:\n%s", trim(page))
	}
	action, _ = attr(found, "action")
	form = url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, _ := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				val, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				if name != "" && (typ != "checkbox" || checked) {
					form.Add(name, val)
				}
			case "select":
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if _, sel := attr(o, "selected"); o.Type == html.ElementNode && sel {
						v, _ := attr(o, "value")
						form.Add(name, v)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(found)
	return action, form
}

// ignoreVolatile leaves out what every save changes.
var ignoreVolatile = cmp.Options{protocmp.Transform(),
	protocmp.IgnoreFields(&participantsv1.Participant{}, "update_time", "etag"),
	protocmp.IgnoreFields(&volunteersv1.Volunteer{}, "update_time", "etag"),
}

// TestEditFormRoundTrip opens the edit form of a newcomer and a volunteer
// that hold more than the form shows, saves it unchanged, and checks the
// record is exactly as before; then that consent and the background check
// change only by their explicit acts.
func TestEditFormRoundTrip(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "forms@example.org", org, "0880")
	b := e.browser()
	b.signIn("forms@example.org", password)

	t.Run("newcomer", func(t *testing.T) {
		res, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
			MunicipalityCode: "0880", GivenName: "Amina", FamilyName: "Hassan",
			Contact: &typev1.Contact{Email: "amina@example.org", Phone: "+46701234567", PreferredLanguage: "ar"},
			Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE},
				{Code: "en", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_BASIC}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 3, MemberAges: []int32{34, 6}},
			Interests: []string{"cooking"}, Gender: typev1.Gender_GENDER_WOMAN, WantsSameGenderMentor: true,
			Diets:    []typev1.Diet{typev1.Diet_DIET_VEGETARIAN},
			Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-12", Language: "ar"}},
		}}))
		if err != nil {
			t.Fatal(err)
		}
		before := res.Msg.GetParticipant()
		get := func() *participantsv1.Participant {
			t.Helper()
			r, err := coord.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: before.GetId()}))
			if err != nil {
				t.Fatal(err)
			}
			return r.Msg.GetParticipant().GetParticipant()
		}
		code, page := b.get("/participants/" + before.GetId())
		if code != http.StatusOK {
			t.Fatalf("edit form: %d", code)
		}
		action, form := formOf(t, page)
		code, loc := b.post(action, form)
		if code != http.StatusSeeOther || unsealed(loc) != "/participants/"+before.GetId()+"?saved=1#flash" {
			t.Fatalf("save unchanged: %d %s, want 303 to the form saying it is saved (ADR 0236)", code, trim(loc))
		}
		_, page = b.get(loc)
		mustContain(t, page, "Saved.")
		if diff := cmp.Diff(before, get(), ignoreVolatile); diff != "" {
			t.Fatalf("saving the form unchanged changed the newcomer (-before +after):\n%s", diff)
		}

		// A changed field changes that field only; the languages keep
		// their levels and a new one is added.
		_, page = b.get("/participants/" + before.GetId())
		action, form = formOf(t, page)
		form.Set("languages", "ar, en, ti")
		form.Set("household_size", "4")
		if code, page := b.post(action, form); code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", code, trim(page))
		}
		want := proto.Clone(before).(*participantsv1.Participant)
		want.Languages = append(want.Languages, &typev1.LanguageSkill{Code: "ti", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL})
		want.Household.Size = 4
		if diff := cmp.Diff(want, get(), ignoreVolatile); diff != "" {
			t.Fatalf("edit (-want +got):\n%s", diff)
		}

		// Unticking consent withdraws it, through WithdrawConsent.
		_, page = b.get("/participants/" + before.GetId())
		action, form = formOf(t, page)
		form.Del("consent_mentoring")
		if code, page := b.post(action, form); code != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", code, trim(page))
		}
		got := get()
		if len(got.GetConsents()) != 1 || got.GetConsents()[0].GetWithdrawnTime() == nil {
			t.Fatalf("consent after unticking: %v", got.GetConsents())
		}
		_, page = b.get("/participants/" + before.GetId())
		if _, form = formOf(t, page); form.Get("consent_mentoring") != "" {
			t.Fatal("the form still shows a withdrawn consent as given")
		}
		// The overview counts her, but not as waiting for a mentor.
		_, page = b.get("/")
		mustContain(t, page, `<span class="num">1</span> Newcomers registered`, `<span class="num">0</span> Newcomers waiting for a mentor`)
		// A form posted over a record changed since it was opened is
		// refused rather than undoing the change.
		stale := form
		stale.Set("given_name", "Stale")
		stale.Set("etag", before.GetEtag())
		if code, page := b.post(action, stale); code != http.StatusUnprocessableEntity || !strings.Contains(page, "changed by someone else") {
			t.Fatalf("stale form: %d %s", code, trim(page))
		}
	})

	t.Run("volunteer", func(t *testing.T) {
		past := time.Now().AddDate(-2, 0, 0)
		res, err := coord.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
			MunicipalityCode: "0880", GivenName: "Erik", FamilyName: "Andersson",
			Contact: &typev1.Contact{Email: "erik@example.org", PreferredLanguage: "sv"},
			Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE},
				{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_BASIC}},
			Roles: []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1},
				{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2},
				{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_HOMEWORK_HELPER, Capacity: 3}},
			Interests: []string{"football"}, BirthYear: 1970, HouseholdSize: 2,
			BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: past.Format(time.DateOnly),
				ValidUntil: past.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "someone-else"},
		}}))
		if err != nil {
			t.Fatal(err)
		}
		before := res.Msg.GetVolunteer()
		get := func() *volunteersv1.Volunteer {
			t.Helper()
			r, err := coord.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: before.GetId()}))
			if err != nil {
				t.Fatal(err)
			}
			return r.Msg.GetVolunteer().GetVolunteer()
		}
		_, page := b.get("/volunteers/" + before.GetId())
		mustContain(t, page, past.AddDate(1, 0, 0).Format(time.DateOnly)) // the expired check's date is shown
		action, form := formOf(t, page)
		if code, loc := b.post(action, form); code != http.StatusSeeOther || unsealed(loc) != "/volunteers/"+before.GetId()+"?saved=1#flash" {
			t.Fatalf("save unchanged: %d %s, want 303 to the form saying it is saved (ADR 0236)", code, trim(loc))
		} else if _, page := b.get(loc); !strings.Contains(page, "Saved.") {
			t.Fatalf("the saved form does not say so: %s", trim(page))
		}
		if diff := cmp.Diff(before, get(), ignoreVolatile); diff != "" {
			t.Fatalf("saving the form unchanged changed the volunteer (-before +after):\n%s", diff)
		}

		// Changing the mentor capacity leaves the other roles alone.
		_, page = b.get("/volunteers/" + before.GetId())
		action, form = formOf(t, page)
		form.Set("mentor_capacity", "1")
		if code, page := b.post(action, form); code != http.StatusSeeOther {
			t.Fatalf("save: %d %s", code, trim(page))
		}
		if got := get().GetRoles(); len(got) != 3 || got[1].GetCapacity() != 1 || got[0].GetRole() != eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST {
			t.Fatalf("roles: %v", got)
		}

		// Unticking clears the check; ticking it again stamps it today,
		// seen by the coordinator.
		_, page = b.get("/volunteers/" + before.GetId())
		action, form = formOf(t, page)
		form.Del("background_check")
		if code, page := b.post(action, form); code != http.StatusSeeOther {
			t.Fatalf("untick: %d %s", code, trim(page))
		}
		if bc := get().GetBackgroundCheck(); bc.GetSeen() {
			t.Fatalf("check after unticking: %v", bc)
		}
		_, page = b.get("/volunteers/" + before.GetId())
		action, form = formOf(t, page)
		form.Set("background_check", "1")
		if code, page := b.post(action, form); code != http.StatusSeeOther {
			t.Fatalf("tick: %d %s", code, trim(page))
		}
		bc := get().GetBackgroundCheck()
		me, _ := coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
		if !bc.GetSeen() || bc.GetSeenDate() != calendar.Today(time.Now()) || bc.GetVerifier() != me.Msg.GetUser().GetId() {
			t.Fatalf("check after ticking: %v", bc)
		}
	})
}
