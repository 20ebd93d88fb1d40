package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// liveConsents are the purposes a newcomer has consented to and not
// withdrawn.
func liveConsents(t testing.TB, c *apiClient, id string) []eventsv1.ConsentPurpose {
	t.Helper()
	res, err := c.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
	if err != nil {
		t.Fatalf("get participant: %v", err)
	}
	var out []eventsv1.ConsentPurpose
	for _, k := range res.Msg.GetParticipant().GetParticipant().GetConsents() {
		if k.GetWithdrawnTime() == nil {
			out = append(out, k.GetPurpose())
		}
	}
	slices.Sort(out)
	return out
}

// noCodes fails when out holds an enum code or an internal word that a
// coordinator should never read (issue: SWEDISH_LEVEL_SFI_A and "running
// snapshot" in mp's output).
func noCodes(t testing.TB, what, out string) {
	t.Helper()
	for _, code := range []string{"SWEDISH_LEVEL_", "JOB_STATE_", "PAIR_STATUS_", "ROLE_", "VOLUNTEER_ROLE", "ENTITLEMENT_",
		"snapshot", "succeeded", "running", "entitled"} {
		if strings.Contains(out, code) {
			t.Errorf("%s printed %q:\n%s", what, code, out)
		}
	}
}

// TestCLIReachesEveryProgrammeInSwedish registers, from mp alone, a
// newcomer for the dinners and guides programmes (consents and the guides
// facts, as the web form has them since ADR 0099) and a volunteer who can
// host a dinner, then finds both in the dinners programme and the newcomer
// entitled to a guide. A Swedish coordinator reads Swedish words, never
// codes: the level, the roles, the job's progress, the reasons.
func TestCLIReachesEveryProgrammeInSwedish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User: &gatewayv1.User{Email: "sv@example.org", DisplayName: "Sara", Role: gatewayv1.Role_ROLE_COORDINATOR,
			OrganisationId: org, MunicipalityCodes: []string{"0880"}, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	coord := e.login("sv@example.org", password)
	dir := t.TempDir()
	mustContain(t, mp(t, dir, "login", "-server", e.base, "-email", "sv@example.org"), "inloggad som Sara (samordnare)")
	noCodes(t, "mp whoami", mp(t, dir, "whoami"))

	permit := time.Now().AddDate(0, -6, 0).Format(time.DateOnly)
	id := strings.TrimSpace(mp(t, dir, "participants", "add", "-given-name", "Amina", "-family-name", "Hassan", "-municipality", "0880",
		"-swedish-level", "sfi_b", "-languages", "ar", "-household", "2", "-consent-dinners", "-consent-guides",
		"-permit-date", permit, "-establishment", "enrolled", "-parental-leave", "none"))
	want := []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES}
	if got := liveConsents(t, coord, id); !slices.Equal(got, want) {
		t.Fatalf("consents after mp participants add: %v, want %v", got, want)
	}
	list := mp(t, dir, "participants", "list")
	mustContain(t, list, id, "Amina Hassan", "Kalmar\tSFI B")
	noCodes(t, "mp participants list", list)

	// The guides facts reach the eligibility rules: entitled, in Swedish.
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		out := mp(t, dir, "guides", "eligibility", "-entitled")
		if !strings.Contains(out, "Amina Hassan") {
			return fmt.Errorf("not entitled yet:\n%s", out)
		}
		mustContain(t, out, "1 nyanländ", "har rätt: inom etableringstiden", "deltar i etableringsprogrammet")
		noCodes(t, "mp guides eligibility", out)
		return nil
	})

	// A volunteer who can host a dinner, from mp; the background check is
	// the coordinator's, dated today.
	host := strings.TrimSpace(mp(t, dir, "volunteers", "add", "-given-name", "Karin", "-family-name", "Lindgren", "-municipality", "0880",
		"-languages", "sv,ar", "-birth-year", "1970", "-household", "2", "-dinner-host", "-background-check"))
	mustContain(t, mp(t, dir, "volunteers", "list"), host+"\tKarin Lindgren\tKalmar\tmiddagsvärd")

	// Both reach the dinners programme (its pools take only consenting
	// newcomers and hosts with a check; it learns of them from events).
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, err := mpErr(t, dir, "dinners", "offers", "add", "-host", host, "-municipality", "0880", "-seats", "3", "-dates", day, "-languages", "ar")
		return err
	})
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, err := mpErr(t, dir, "dinners", "signups", "add", "-participant", id, "-municipality", "0880", "-dates", day, "-party", "SELF:34,CHILD:8")
		return err
	})
	mustContain(t, mp(t, dir, "dinners", "signups", "list"), "Amina Hassan", "2 personer", "1 datum")
	out := mp(t, dir, "dinners", "jobs", "start", "-follow")
	mustContain(t, out, "100% klar", "föreslagna placeringar: 1")
	noCodes(t, "mp dinners jobs start -follow", out)
	out = mp(t, dir, "dinners", "proposals", "list")
	mustContain(t, out, "Amina Hassan, Kalmar (2) hos Karin Lindgren, Kalmar", "föreslagen", "p: reglerna tillåter placeringen")

	// One programme's consent withdrawn, the other kept.
	mustContain(t, mp(t, dir, "participants", "consent", "-programme", "dinners", "-withdraw", id), "samtycke till middagar återkallat")
	if got := liveConsents(t, coord, id); !slices.Equal(got, want[1:]) {
		t.Fatalf("consents after withdrawing dinners: %v, want %v", got, want[1:])
	}
	mustContain(t, mp(t, dir, "participants", "consent", "-programme", "mentoring", id), "samtycke till mentorskap registrerat")

	// The host stops hosting and mentors two; an unknown role value is
	// refused in Swedish, naming the valid ones.
	mustContain(t, mp(t, dir, "volunteers", "roles", host, "-dinner-host=false", "-mentor", "2"), host+"\tmentor (2)")
	if strings.Contains(mp(t, dir, "volunteers", "list"), "middagsvärd") {
		t.Error("still a dinner host after -dinner-host=false")
	}
	if _, err := mpErr(t, dir, "participants", "add", "-given-name", "X", "-municipality", "0880", "-establishment", "maybe"); err == nil ||
		!strings.Contains(err.Error(), "välj en av not_enrolled (inte inskriven), enrolled (inskriven) eller completed (avslutat)") {
		t.Errorf("unknown -establishment: %v", err)
	}
}
