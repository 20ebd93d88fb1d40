package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// flashRe is the page's message after a form: the layout's flash line.
var flashRe = regexp.MustCompile(`<p class="flash"[^>]*>([^<]*)</p>`)

// redirected posts form to path as a plain form (no htmx), wants 303 See
// Other to want, follows it and returns the flash that page shows: a
// form's post is answered with the address of a page that says what was
// done, so the browser's back button and a reload never ask to send the
// form again (ADR 0236).
func (b *browser) redirected(path string, form url.Values, want string) string {
	b.t.Helper()
	code, loc := b.post(path, form)
	if code != http.StatusSeeOther || unsealed(loc) != want {
		b.t.Fatalf("POST %s: %d %s, want 303 to %s", path, code, trim(loc), want)
	}
	code, page := b.get(loc)
	m := flashRe.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s after POST %s: %d, no flash:\n%s", loc, path, code, trim(page))
	}
	return m[1]
}

// unsealed is loc without its flash's seal (ADR 0246), which differs
// with the session and the clock: what a test compares with the address
// it wants.
func unsealed(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	q := u.Query()
	q.Del("seal")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostRedirectsMentoringProposals: a proposal approved or rejected
// by its row's plain form, and bulk approval, answered with the matching
// page's address without a word of what was done (approve and reject) or
// with the whole page rendered (bulk, whose back button offered to
// approve again); each is a 303 to the matching page with its flash.
func TestPostRedirectsMentoringProposals(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "prg@example.org", org, "0880")
	for _, name := range []string{"Erik", "Eva", "Olle"} {
		mentor(t, coord, org, "0880", name)
	}
	for _, name := range []string{"Amina", "Bashir", "Dalia"} {
		newcomer(t, coord, org, "0880", name)
	}
	ctx := testutil.Context(t)
	var pairs []*gatewayv1.PairView
	testutil.CheckFor(t, 30*time.Second, 300*time.Millisecond, func() error {
		proposal(t, coord)
		ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}}))
		if err != nil {
			return err
		}
		if pairs = ps.Msg.GetPairs(); len(pairs) < 3 {
			return fmt.Errorf("%d proposals", len(pairs))
		}
		return nil
	})
	b := e.browser()
	b.signIn("prg@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/matching")
	id := func(i int) string { return pairs[i].GetPair().GetId() }
	if got := b.redirected("/matching/pairs/"+id(0)+"/approve", url.Values{}, "/matching?done=approve#flash"); got != "Godkänt och erbjudet båda." {
		t.Errorf("approve's flash %q", got)
	}
	if got := b.redirected("/matching/pairs/"+id(1)+"/reject", url.Values{"reason": {"REJECT_REASON_POOR_FIT"}}, "/matching?done=reject#flash"); got != "Avvisat." {
		t.Errorf("reject's flash %q", got)
	}
	// id(1) is rejected: its approval fails (id(0)'s, offered, would stand, ADR 0273).
	if got := b.redirected("/matching/bulk", url.Values{"ids": {id(2), id(1)}}, "/matching?approved=1&done=bulk&failed=1#flash"); got != "1 förslag godkändes och erbjöds båda. 1 gick inte att godkänna (det kan redan ha behandlats)." {
		t.Errorf("bulk's flash %q", got)
	}
}

// TestPostRedirectsDinnersForms: a seating approved from the dinners
// page's plain form, or answered from the seatings page, went back to
// the page without a word; an offer or a sign-up removed went back to
// its list without one. Each is now a 303 to the page with its flash.
func TestPostRedirectsDinnersForms(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "prd@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)
	job := runDinnerJob(t, coord, "post-redirect")
	seats, err := coord.dinners.ListSeatings(testutil.Context(t), connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the job's seatings: %v %v", seats, err)
	}
	id := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	b := e.browser()
	b.signIn("prd@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/dinners")
	if got := b.redirected("/dinners/seatings/"+id+"/approve", url.Values{"back": {"/dinners#proposals"}}, "/dinners?done=approve#flash"); got != "Godkänt: gäst och värd är inbjudna." {
		t.Errorf("approve's flash %q", got)
	}
	if got := b.redirected("/dinners/seatings/"+id+"/rsvp", url.Values{"back": {"/dinners/seatings"}, "party": {"DINNER_PARTY_GUEST"}, "answer": {"yes"}},
		"/dinners/seatings?done=rsvp#flash"); got != "Sparat." {
		t.Errorf("RSVP's flash %q", got)
	}
	other := dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Nils"), "0180", 2, day)
	if got := b.redirected("/dinners/offers/"+other.GetOffer().GetId()+"/delete", url.Values{}, "/dinners/offers?done=removed#flash"); got != "Borttagen." {
		t.Errorf("the offer's removal's flash %q", got)
	}
	s := dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Omar"), "0180", day)
	if got := b.redirected("/dinners/signups/"+s.GetSignUp().GetId()+"/delete", url.Values{}, "/dinners/signups?done=removed#flash"); got != "Borttagen." {
		t.Errorf("the sign-up's removal's flash %q", got)
	}
}

// TestPostRedirectsUserForms: the users page's forms (add, disable,
// enable, change the e-mail) went back to the list without a word of
// what was done; each is now a 303 to the list with its flash.
func TestPostRedirectsUserForms(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/admin/users")
	form := url.Values{"display_name": {"Sara"}, "email": {"sara@example.org"}, "password": {password},
		"role": {"coordinator"}, "organisation_id": {org}, "municipality_codes": {"Kalmar"}}
	if got := b.redirected("/admin/users", form, "/admin/users?done=created#flash"); got != "Användaren är tillagd." {
		t.Errorf("add's flash %q", got)
	}
	users, err := admin.users.ListUsers(testutil.Context(t), connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	var sara string
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "sara@example.org" {
			sara = u.GetId()
		}
	}
	for _, c := range []struct{ action, want string }{{"disable", "Användaren är spärrad."}, {"enable", "Användaren är återaktiverad."}} {
		if got := b.redirected("/admin/users/"+sara+"/"+c.action, url.Values{}, "/admin/users?done="+c.action+"d#flash"); got != c.want {
			t.Errorf("%s's flash %q, want %q", c.action, got, c.want)
		}
	}
	b.get("/admin/users/" + sara + "/email")
	if got := b.redirected("/admin/users/"+sara+"/email", url.Values{"email": {"sara.lind@example.org"}}, "/admin/users?done=email#flash"); got != "E-postadressen är ändrad." {
		t.Errorf("the e-mail's flash %q", got)
	}
}
