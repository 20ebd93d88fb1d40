package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/cli"
)

// mpAs is mp with its error, signed in with pass (MP_PASSWORD) and in
// MP_LANG lang ("" the default): mpRun and mpLang are it with the harness's
// password.
func mpAs(t testing.TB, dir, pass, lang string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	env := cli.Env{In: strings.NewReader(""), Out: &out, HTTP: &http.Client{Timeout: time.Minute},
		Getenv: func(k string) string {
			switch k {
			case "MP_CONFIG_DIR":
				return dir
			case "MP_PASSWORD":
				return pass
			case "MP_LANG":
				return lang
			}
			return ""
		}}
	err := cli.Run(testutil.Context(t), args, env)
	return out.String(), err
}

// TestOneNameInTwoMunicipalitiesToldApart is the outside round's case
// (ADR 0219 finding 3, ADR 0220) as the demo seed has it: Studiefrämjandet
// Mitt in Linköping, Örebro and Västerås, an administrator's
// `mp jobs start -organisation ... -municipalities 'Linköping, Örebro,
// Västerås'`, and two Ayaan Yusuf (Västerås, Linköping) and two Omar
// Mohamed (Linköping, Örebro) among the proposals. They are no namesakes
// (ADR 0196: one name in one municipality), so nothing marked them, and
// `mp proposals list` and the proposals page named two people as one.
// Each is now named with their municipality, on the web and in mp, in the
// mentoring proposals and in the dinners proposals (guest and host), and
// still carries no registration mark. The administrator's help for
// -municipalities says an administrator gives them.
func TestOneNameInTwoMunicipalitiesToldApart(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Studiefrämjandet Mitt", "0580", "1880", "1980")
	c := e.coordinator(admin, "mitt@example.org", org, "0580", "1880", "1980")
	const (
		mentoring = eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
		dinners   = eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS
	)
	ayaanV := namedPerson(t, c, org, "1980", "Ayaan", "Yusuf", "ar", mentoring, dinners)
	ayaanL := namedPerson(t, c, org, "0580", "Ayaan", "Yusuf", "ar", mentoring, dinners)
	namedPerson(t, c, org, "0580", "Omar", "Mohamed", "ar", mentoring)
	namedPerson(t, c, org, "1880", "Omar", "Mohamed", "ar", mentoring)
	mentor(t, c, org, "1980", "Berit")
	mentor(t, c, org, "0580", "Berit")
	mentor(t, c, org, "1880", "Erik")

	dir := t.TempDir()
	if out, err := mpAs(t, dir, adminPass, "sv", "login", "-server", e.base, "-email", adminEmail); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	// An administrator has no municipalities of their own: the help says
	// what one gives instead of "utan flaggan: alla dina".
	help, _ := mpAs(t, dir, adminPass, "sv", "jobs", "start", "-h")
	if strings.Contains(help, "alla dina)") || !strings.Contains(help, "en administratör har inga egna och anger dem") {
		t.Errorf("mp jobs start -h, -municipalities, does not say what an administrator gives:\n%s", help)
	}

	// The mentoring service learns of the people from events: start jobs
	// until one proposes all four.
	var job, proposals string
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		out, err := mpAs(t, dir, adminPass, "sv", "jobs", "start", "-organisation", org, "-municipalities", "Linköping, Örebro, Västerås", "-follow")
		if err != nil {
			return fmt.Errorf("mp jobs start: %v\n%s", err, out)
		}
		job, _, _ = strings.Cut(out, "\n")
		if proposals, err = mpAs(t, dir, adminPass, "sv", "proposals", "list", "-job", job); err != nil {
			return err
		}
		if n := strings.Count(proposals, "\n"); n != 4 {
			return fmt.Errorf("%d proposals, want 4:\n%s", n, proposals)
		}
		return nil
	})
	want := []string{"Ayaan Yusuf, Västerås + Berit Andersson, Västerås", "Ayaan Yusuf, Linköping + Berit Andersson, Linköping",
		"Omar Mohamed, Linköping + Berit Andersson, Linköping", "Omar Mohamed, Örebro + Erik Andersson, Örebro"}
	for _, w := range want {
		if !strings.Contains(proposals, w) {
			t.Errorf("mp proposals list -job %s lacks %q:\n%s", job, w, proposals)
		}
	}
	if strings.Contains(proposals, "registrerad") {
		t.Errorf("mp proposals list marks people of one name in two municipalities as namesakes:\n%s", proposals)
	}

	b := e.swedishBrowserAs(adminEmail, adminPass)
	code, body := b.get("/matching?job=" + job)
	text := strings.Join(strings.Fields(visibleText(body)), " ")
	if code != http.StatusOK {
		t.Fatalf("/matching?job=: %d", code)
	}
	for _, w := range []string{"Ayaan Yusuf, Västerås", "Ayaan Yusuf, Linköping", "Omar Mohamed, Linköping", "Omar Mohamed, Örebro",
		"Berit Andersson, Västerås", "Berit Andersson, Linköping", "Erik Andersson, Örebro"} {
		if !strings.Contains(text, w) {
			t.Errorf("/matching?job= lacks %q:\n%s", w, trim(text))
		}
	}
	if !strings.Contains(body, "Godkänn<span class=\"sr\">: Ayaan Yusuf, Västerås + Berit Andersson, Västerås</span>") {
		t.Errorf("/matching?job=: the approve button does not name which Ayaan Yusuf:\n%s", trim(body))
	}
	if strings.Contains(text, "registrerad") {
		t.Errorf("/matching?job= marks people of one name in two municipalities as namesakes:\n%s", trim(text))
	}

	// The dinners: each Ayaan Yusuf with a Karin Lindgren in her own
	// municipality.
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, c, dinnerHost(t, c, org, "1980", "Karin"), "1980", 4, day)
	dinnerOffer(t, c, dinnerHost(t, c, org, "0580", "Karin"), "0580", 4, day)
	dinnerSignUp(t, c, ayaanV, "1980", day)
	dinnerSignUp(t, c, ayaanL, "0580", day)
	dj := runDinnerJob(t, c, "mitt-dinners")
	if n := dj.GetCounts().GetProposals(); n != 2 {
		t.Fatalf("dinners job proposed %d seatings, want 2", n)
	}
	out, err := mpAs(t, dir, adminPass, "sv", "dinners", "proposals", "list", "-job", dj.GetId())
	if err != nil {
		t.Fatalf("mp dinners proposals list: %v\n%s", err, out)
	}
	for _, w := range []string{"Ayaan Yusuf, Västerås (2) hos Karin Lindgren, Västerås", "Ayaan Yusuf, Linköping (2) hos Karin Lindgren, Linköping"} {
		if !strings.Contains(out, w) {
			t.Errorf("mp dinners proposals list lacks %q:\n%s", w, out)
		}
	}
	code, body = b.get("/dinners?job=" + dj.GetId())
	text = strings.Join(strings.Fields(visibleText(body)), " ")
	for _, w := range []string{"Ayaan Yusuf, Västerås (2 personer) Karin Lindgren, Västerås", "Ayaan Yusuf, Linköping (2 personer) Karin Lindgren, Linköping"} {
		if code != http.StatusOK || !strings.Contains(text, w) {
			t.Errorf("/dinners?job=: %d, lacks %q:\n%s", code, w, trim(text))
		}
	}
	if !strings.Contains(body, "Godkänn<span class=\"sr\">: Ayaan Yusuf, Västerås + Karin Lindgren, Västerås</span>") {
		t.Errorf("/dinners?job=: the approve button does not name which Ayaan Yusuf:\n%s", trim(body))
	}
}
