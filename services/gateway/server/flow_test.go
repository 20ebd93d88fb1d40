package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/cli"
)

// mentor registers a volunteer mentor through the gateway API.
func mentor(t testing.TB, c *apiClient, org, muni, given string) string {
	t.Helper()
	res, err := c.registry.CreateVolunteer(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Andersson",
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}, {Code: "en", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2}},
		Interests: []string{"cooking", "football"},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear:     1975,
		HouseholdSize: 1,
	}}))
	if err != nil {
		t.Fatalf("create mentor: %v", err)
	}
	return res.Msg.GetVolunteer().GetId()
}

// mp runs an mp command in process with its config in dir and fails the
// test when it fails (mpRun gives the error, for refusals).
func mp(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := mpRun(t, dir, args...)
	if err != nil {
		t.Fatalf("mp %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestCLIFlow drives the Done-when path through the mp client: sign in,
// register a newcomer, run a matching job and follow it, approve a
// proposal with its explanation, export the report.
func TestCLIFlow(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	coord := e.coordinator(admin, "anna@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")

	dir := t.TempDir()
	out := mp(t, dir, "login", "-server", e.base, "-email", "anna@example.org")
	mustContain(t, out, "signed in as")
	mustContain(t, mp(t, dir, "whoami"), "anna@example.org", "coordinator")
	id := strings.TrimSpace(mp(t, dir, "participants", "add", "-given-name", "Amina", "-family-name", "Hassan",
		"-municipality", "0880", "-swedish-level", "SFI_B", "-languages", "ar", "-interests", "cooking", "-consent"))
	mustContain(t, mp(t, dir, "participants", "list"), id, "Amina Hassan")

	// The mentoring service learns of the newcomer from events: wait for
	// a job to propose her.
	var proposals string
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		out := mp(t, dir, "jobs", "start", "-follow")
		if !strings.Contains(out, "100%") {
			return fmt.Errorf("job did not finish: %s", out)
		}
		proposals = mp(t, dir, "proposals", "list")
		if !strings.Contains(proposals, "Amina Hassan, Kalmar + Erik Andersson, Kalmar") {
			return fmt.Errorf("no proposal yet: %q", proposals)
		}
		return nil
	})
	mustContain(t, proposals, "score", "shared language +")
	pairID, _, _ := strings.Cut(strings.TrimSpace(strings.Split(proposals, "\n")[0]), "\t")
	mustContain(t, mp(t, dir, "proposals", "approve", pairID), "offered")
	// A job now finds nobody to propose, and says why rather than a bare
	// "proposals: 0".
	mustContain(t, mp(t, dir, "jobs", "start", "-follow"), "proposals: 0",
		"no proposals: the only newcomer in scope already has a proposal or a pair that is not over")
	csv := mp(t, dir, "report", "export", "-machine")
	mustContain(t, csv, "section,label,count", "total,participants,1", "municipality,0880,1")
	// Without -machine mp saves the file the web's Reports page
	// downloads: byte-order mark, ';', words (ADR 0109), not the machine
	// CSV.
	mp(t, dir, "report", "export", "-o", filepath.Join(dir, "report.csv"))
	file, err := os.ReadFile(filepath.Join(dir, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(file), "\ufeff", "Section;What;Count", ";Kalmar;1")

	saved, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	mp(t, dir, "logout")

	// The revoked token: the export route answers 401, not a redirect to
	// the sign-in page, and mp fails instead of saving that page.
	if err := os.WriteFile(filepath.Join(dir, "config.json"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	var csvOut bytes.Buffer
	err = cli.Run(testutil.Context(t), []string{"report", "export"}, cli.Env{Out: &csvOut, HTTP: http.DefaultClient,
		Getenv: func(k string) string {
			if k == "MP_CONFIG_DIR" {
				return dir
			}
			return ""
		}})
	if err == nil || !strings.Contains(err.Error(), "mp login") || csvOut.Len() != 0 {
		t.Fatalf("export with a revoked token: %v, wrote %q", err, csvOut.String())
	}
	req, _ := http.NewRequest(http.MethodGet, e.base+"/reports/export.csv", nil)
	req.Header.Set("Authorization", "Bearer revoked-or-made-up")
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token route with a bad token: %d, want 401", res.StatusCode)
	}

	var out2 bytes.Buffer
	err = cli.Run(testutil.Context(t), []string{"whoami"}, cli.Env{Out: &out2, HTTP: http.DefaultClient,
		Getenv: func(k string) string {
			if k == "MP_CONFIG_DIR" {
				return dir
			}
			return ""
		}})
	if err == nil {
		t.Fatal("whoami after logout succeeded")
	}
}
