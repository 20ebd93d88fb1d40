package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// namesakeHost registers a dinner host (no mentor) of given and family
// name: a namesake in the coordinator's scope on no mentoring list.
func namesakeHost(t testing.TB, c *apiClient, org, muni, given, family string) string {
	t.Helper()
	now := time.Now()
	res, err := c.registry.CreateVolunteer(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: family,
		Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1}},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: now.AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: now.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1970, HouseholdSize: 2,
	}}))
	if err != nil {
		t.Fatalf("create %s %s: %v", given, family, err)
	}
	return res.Msg.GetVolunteer().GetId()
}

// TestFullMentorsMarkedAndAnEmptyDinnersJobSaysWhy: a newcomer left out
// because the mentor who fits is full named "Berit Andersson (… poäng)"
// on the left-out page and in mp jobs unmatched, unmarked, while another
// Berit Andersson (a host) stood in the coordinator's scope (ADR 0205's
// Left); both now mark her (ADR 0211). A dinners job that proposed
// nothing printed only its counts in mp; it now says why in the web's
// words: the parties left without a seat per reason, or that no party
// waits at all (which the web's job line now says too).
func TestFullMentorsMarkedAndAnEmptyDinnersJobSaysWhy(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Fullt", "0880")
	coord := e.coordinator(admin, "fullt@example.org", org, "0880")
	const (
		mentoring = eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
		dinners   = eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS
	)
	mentor(t, coord, org, "0880", "Berit") // Berit Andersson, two places
	namesakeHost(t, coord, org, "0880", "Berit", "Andersson")
	for _, given := range []string{"Amal", "Leila", "Nour"} {
		namedPerson(t, coord, org, "0880", given, "Hassan", "ar", mentoring)
	}
	guest := namedPerson(t, coord, org, "0880", "Selam", "Berhane", "ti", dinners)
	var job *mentoringv1.Job
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		var err error
		if job, err = finishedJob(t, coord, "fullt-"); err != nil {
			return err
		}
		if c := job.GetCounts(); c.GetNewcomers() != 3 || c.GetMentors() != 1 || c.GetProposals() != 2 {
			return fmt.Errorf("job counts %v, want 3 newcomers, 1 mentor, 2 proposals", c)
		}
		return nil
	})
	br := e.swedishBrowser("fullt@example.org")
	code, body := br.get("/matching/jobs/" + job.GetId() + "/unmatched")
	if text := visibleText(body); code != http.StatusOK || !strings.Contains(text, "poäng") || !markedRe("Berit Andersson").MatchString(text) {
		t.Errorf("left-out page: %d, want the full mentor Berit Andersson named with when registered:\n%s", code, trim(text))
	}
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "fullt@example.org")
	if out := mp(t, dir, "jobs", "unmatched", job.GetId()); !strings.Contains(out, "poäng") || !markedRe("Berit Andersson").MatchString(out) {
		t.Errorf("mp jobs unmatched: want the full mentor Berit Andersson marked:\n%s", out)
	}

	// No offer on the guest's date: the job proposes nothing, and says
	// the party got no dinner on any of its dates.
	dinnerSignUp(t, coord, guest, "0880", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	dj := runDinnerJob(t, coord, "fullt-dinners")
	if c := dj.GetCounts(); c.GetProposals() != 0 || c.GetUnseated() != 1 {
		t.Fatalf("dinners job counts %v, want 0 proposals and 1 unseated", c)
	}
	out := mp(t, dir, "dinners", "jobs", "watch", dj.GetId())
	for _, want := range []string{"Sällskap som inte fick plats:", "1 sällskap: ingen middag på någon av deras dagar"} {
		if !strings.Contains(out, want) {
			t.Errorf("mp dinners jobs watch of a job without proposals: want %q:\n%s", want, out)
		}
	}

	// Another organisation with no sign-up: no party waits.
	other := e.createOrg("Förening Tomt", "0880")
	empty := e.coordinator(admin, "tomt@example.org", other, "0880")
	ej := runDinnerJob(t, empty, "tomt-dinners")
	const none = "Inga förslag: inget sällskap väntar på en middag i kommunerna"
	ob := e.swedishBrowser("tomt@example.org")
	odir := t.TempDir()
	mp(t, odir, "login", "-server", e.base, "-email", "tomt@example.org")
	if out := mp(t, odir, "dinners", "jobs", "watch", ej.GetId()); !strings.Contains(out, none) {
		t.Errorf("mp dinners jobs watch of a job with no party: want %q:\n%s", none, out)
	}
	code, body = ob.get("/dinners")
	if text := visibleText(body); code != http.StatusOK || !strings.Contains(text, none) {
		t.Errorf("/dinners: %d, want the job line to say %q:\n%s", code, none, trim(text))
	}
}

// TestMpMailboxRecipientsMarked: mp mailbox list and show printed a
// message's address alone, so the admin could not tell which of two
// Amina Hassan a message went to, where the web's mailbox marks her (ADR
// 0209's Left). Both now name the recipient with the mark, and not the
// mentor Erik Andersson, who has no namesake (ADR 0211).
func TestMpMailboxRecipientsMarked(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	ctx := testutil.Context(t)
	admin, msg := mailToANamesake(t, e, "Förening Brevlåda", "brevlada@example.org")
	if _, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{Password: password, User: &gatewayv1.User{
		Email: "brevadmin@example.org", DisplayName: "Brevadmin", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"}})); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "brevadmin@example.org")
	list, err := mpLang(t, dir, "sv", "mailbox", "list")
	if err != nil || !strings.Contains(list, msg.GetId()) {
		t.Fatalf("mp mailbox list: %v, want the message %s:\n%s", err, msg.GetId(), list)
	}
	if !markedRe("Amina Hassan").MatchString(list) {
		t.Errorf("mp mailbox list names the recipient Amina Hassan without when registered:\n%s", list)
	}
	if markedRe("Erik Andersson").MatchString(list) {
		t.Errorf("mp mailbox list marks Erik Andersson, who has no namesake:\n%s", list)
	}
	show, err := mpLang(t, dir, "sv", "mailbox", "show", msg.GetId())
	if err != nil || !strings.Contains(show, "Mottagare: Amina Hassan") || !markedRe("Amina Hassan").MatchString(show) {
		t.Errorf("mp mailbox show: %v, want its recipient Amina Hassan marked:\n%s", err, show)
	}
}

// auditRowRe reads a row of the audit page: its record cell.
var auditRowRe = regexp.MustCompile(`(?s)<tr><td>[^<]*</td><td>.*?</td><td>[^<]*</td><td>(?:<a href="[^"]*">(?:<span class="sr">[^<]*</span>)?<code>([^<]*)</code></a>)?[^<]*</td>`)

// TestAuditPageNewestFirst: the audit page listed the oldest entries
// first, so an admin read a first page of old sign-ins before what just
// happened (ADR 0205's Left). It now lists the newest first by default,
// and its pages (100 each) walk every entry once: a coordinator's 130
// entries over two pages are exactly the API's time-ordered list
// reversed, the entries the admin's own searches add meanwhile never
// among them; "Äldst först" gives time order (ADR 0211).
func TestAuditPageNewestFirst(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Logg", "0880")
	coord := e.coordinator(admin, "logg@example.org", org, "0880")
	var people []string
	for _, given := range []string{"Amal", "Leila", "Nour", "Selam", "Tesfay"} {
		people = append(people, namedPerson(t, coord, org, "0880", given, "Hassan", "ar"))
	}
	for i := range 125 {
		if _, err := coord.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: people[i%5]})); err != nil {
			t.Fatal(err)
		}
	}
	users, err := admin.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	uid := ""
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "logg@example.org" {
			uid = u.GetId()
		}
	}
	res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{UserId: uid, PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, en := range res.Msg.GetEntries() {
		want = append([]string{en.GetResourceId()}, want...)
	}
	if len(want) <= 100 {
		t.Fatalf("%d entries of the coordinator's, want more than a page", len(want))
	}
	walk := func(b *browser, path string) (rows []string, pages int) {
		t.Helper()
		for path != "" && pages < 10 {
			code, body := b.get(path)
			if code != http.StatusOK {
				t.Fatalf("%s: %d\n%s", path, code, trim(visibleText(body)))
			}
			pages++
			for _, m := range auditRowRe.FindAllStringSubmatch(body, -1) {
				rows = append(rows, m[1])
			}
			path = ""
			if m := regexp.MustCompile(`<a href="(/admin/audit\?[^"]+)">Nästa`).FindStringSubmatch(body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		return rows, pages
	}
	b := e.swedishBrowserAs(adminEmail, adminPass)
	got, pages := walk(b, "/admin/audit?user_id="+uid)
	if pages != 2 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the audit page newest first: %d pages, %d rows\n%q\nwant the %d entries newest first, each once:\n%q", pages, len(got), got, len(want), want)
	}
	slices.Reverse(want)
	got, pages = walk(b, "/admin/audit?order=oldest&user_id="+uid)
	if pages != 2 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the audit page oldest first: %d pages, %d rows, want the %d entries in time order", pages, len(got), len(want))
	}
	_, body := b.get("/admin/audit")
	if !strings.Contains(body, `<option value="">Nyast först</option>`) {
		t.Errorf("the audit form does not say it lists the newest first:\n%s", trim(visibleText(body)))
	}
}
