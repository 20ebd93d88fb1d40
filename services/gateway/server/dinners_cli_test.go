package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// mpErr runs an mp command that may fail and returns its output and error,
// with no password in the environment.
func mpErr(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	return mpAs(t, dir, "", "", args...)
}

// TestDinnersCLI seats a party with mp dinners against the real gateway
// and dinners service: an offer and a sign-up, a job followed to its end,
// the proposal with names and score parts, approval and both RSVPs, the
// waitlist, the report and its CSV.
func TestDinnersCLI(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "mp-dinners@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mp-dinners@example.org")
	// The dinners service learns of the host and the newcomer from events.
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, err := mpErr(t, dir, "dinners", "offers", "add", "-host", host, "-municipality", "0180", "-seats", "3", "-dates", day,
			"-diets", "halal", "-languages", "ar", "-composition", "COUPLE", "-postcode", "111 22", "-address", "Storgatan 1")
		return err
	})
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, err := mpErr(t, dir, "dinners", "signups", "add", "-participant", guest, "-municipality", "0180", "-dates", day,
			"-party", "SELF:34,CHILD:8", "-diets", "HALAL", "-languages", "ar", "-composition", "FAMILY", "-first-time")
		return err
	})
	offers := mp(t, dir, "dinners", "offers", "list")
	mustContain(t, offers, "Karin Lindgren", day+" 18:00 0/3")
	offerID, _, _ := strings.Cut(strings.TrimSpace(offers), "\t")
	if _, err := mpErr(t, dir, "dinners", "offers", "update", "-seats", "2", offerID); err == nil || !strings.Contains(err.Error(), "seats can only grow") {
		t.Fatalf("fewer seats: %v", err)
	}
	// The address its confirmed guests get, given at once (outside round
	// s45: only update took it).
	if res, err := coord.dinners.GetDinnerOffer(testutil.Context(t), connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: offerID})); err != nil ||
		res.Msg.GetOffer().GetOffer().GetPostcode() != "11122" || res.Msg.GetOffer().GetOffer().GetAddress() != "Storgatan 1" {
		t.Fatalf("an offer added by mp with -postcode and -address: %v %v", res, err)
	}
	mustContain(t, mp(t, dir, "dinners", "offers", "update", "-seats", "3", "-pets=false", "-postcode", "11122", offerID), offerID+" updated")
	signups := mp(t, dir, "dinners", "signups", "list")
	mustContain(t, signups, "Leila Haddad", "2 people")
	signUpID, _, _ := strings.Cut(strings.TrimSpace(signups), "\t")
	// The postcode as an address prints it: mp sends its five digits.
	mustContain(t, mp(t, dir, "dinners", "signups", "update", "-swedish-level", "SFI_D", "-postcode", "111 22", "-sfi-class", "sfi-3", signUpID),
		signUpID+" updated")
	if _, err := mpErr(t, dir, "dinners", "signups", "update", "-postcode", "1", signUpID); err == nil || !strings.Contains(err.Error(), "five digits") {
		t.Fatalf("update with a bad postcode: %v", err)
	}
	if res, err := coord.dinners.GetDinnerSignUp(testutil.Context(t), connect.NewRequest(&gatewayv1.GetDinnerSignUpRequest{Id: signUpID})); err != nil ||
		res.Msg.GetSignUp().GetSignUp().GetPostcode() != "11122" || res.Msg.GetSignUp().GetSignUp().GetSfiClass() != "sfi-3" ||
		res.Msg.GetSignUp().GetSignUp().GetSwedishLevel().String() != "SWEDISH_LEVEL_SFI_D" {
		t.Fatalf("after mp dinners signups update: %v %v", res, err)
	}

	out := mp(t, dir, "dinners", "jobs", "start", "-follow")
	mustContain(t, out, "100% finished", "seatings proposed: 1")
	proposals := mp(t, dir, "dinners", "proposals", "list")
	mustContain(t, proposals, "Leila Haddad, Stockholm (2) at Karin Lindgren, Stockholm", "proposed", "pts: the rules allow the seating")
	id, _, _ := strings.Cut(strings.TrimSpace(proposals), "\t")

	if _, err := mpErr(t, dir, "dinners", "reject", id); err == nil || !strings.Contains(err.Error(), "poor_fit, conflict_of_interest") {
		t.Fatalf("reject without a reason: %v", err)
	}
	mustContain(t, mp(t, dir, "dinners", "approve", id), id+" invited")
	// Twice: a retry, told it stands (ADR 0273).
	mustContain(t, mp(t, dir, "dinners", "approve", id), id+" invited")
	// A reject after it: the seating's words, not a pair's (ADR 0184).
	if _, err := mpErr(t, dir, "dinners", "reject", "-reason", "poor_fit", id); err == nil || !strings.Contains(err.Error(), "only a proposed seating can be rejected") {
		t.Errorf("reject after approve: %v, want the seating's words", err)
	}
	mustContain(t, mp(t, dir, "dinners", "rsvp", "-party", "guest", id), "invited")
	mustContain(t, mp(t, dir, "dinners", "rsvp", "-party", "HOST", id), id+" confirmed")
	mustContain(t, mp(t, dir, "dinners", "offers", "list"), day+" 18:00 2/3")
	if _, err := mpErr(t, dir, "dinners", "attendance", id, "CAME,CAME"); err == nil {
		t.Fatal("attendance before the dinner was accepted")
	}
	mustContain(t, mp(t, dir, "dinners", "waitlist"), "Stockholm\t")
	// A municipality outside the coordinator's own is refused with the
	// guides service's refusal (mp prints the catalogue's Swedish for it:
	// "en av kommunerna är inte någon av dina kommuner"), not shown as a
	// row of zeros.
	if out, err := mpErr(t, dir, "dinners", "waitlist", "-municipalities", "0880"); err == nil || strings.Contains(out, "0880") ||
		!strings.Contains(err.Error(), "a municipality is outside your scope") {
		t.Errorf("waitlist of 0880 as a coordinator of 0180: %q, %v", out, err)
	}
	mustContain(t, mp(t, dir, "dinners", "jobs", "list"), "finished", "1 proposed")
	mustContain(t, mp(t, dir, "dinners", "report"), "month\tmunicipality", fmt.Sprintf("%s\t0180\t", day[:7]))
}
