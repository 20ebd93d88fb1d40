package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAdminGuidesPageBeforeAnyGuidePlace: on a new system, before any
// guide organisation has a place, an administrator's guides page shows
// (with its rules form) instead of the service's refusal of an empty
// scope, "Rätta följande: Kommuner: ange minst en kommun." (found by the
// webflash round, s44: the rules form was out of reach until a guide
// organisation had capacity somewhere).
func TestAdminGuidesPageBeforeAnyGuidePlace(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	for _, path := range []string{"/guides", "/guides/equity"} {
		code, page := b.get(path)
		text := strings.Join(strings.Fields(visibleText(page)), " ")
		if code != http.StatusOK || strings.Contains(text, "ange minst en kommun") {
			t.Errorf("%s before any guide place: %d %s", path, code, trim(text))
		}
		if path == "/guides" && !strings.Contains(page, `action="/guides/rules"`) {
			t.Errorf("/guides before any guide place has no rules form:\n%s", trim(text))
		}
	}
}

// TestAdminNationalGuidesJobSaysTheNation: an administrator's guides job
// started with no municipality before any guide place has the nation as
// its scope (ADR 0249). Its progress line named all 290 municipalities,
// "Upplands Väsby, Vallentuna, ... Kiruna", a screen of names before its
// result (outside round s45). The line now says "hela landet (290
// kommuner)", and the job ends with its sentence of why it proposed no
// one (ADR 0251).
func TestAdminNationalGuidesJobSaysTheNation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	_, form := b.get("/guides/assign")
	m := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("the job form has no request id:\n%s", trim(visibleText(form)))
	}
	code, loc := b.post("/guides/jobs", url.Values{"request_id": {m[1]}, "municipality_codes": {""}, "quota": {""}})
	if code != http.StatusSeeOther {
		t.Fatalf("start a national job: %d %s", code, trim(loc))
	}
	var text string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, page := b.get(loc)
		text = strings.Join(strings.Fields(visibleText(page)), " ")
		if !strings.Contains(text, "100 % klar") {
			return fmt.Errorf("not done: %s", trim(text))
		}
		return nil
	})
	for _, want := range []string{"hela landet (290 kommuner)", "Inga förslag:"} {
		if !strings.Contains(text, want) {
			t.Errorf("the national job's line lacks %q:\n%s", want, trim(text))
		}
	}
	for _, name := range []string{"Upplands Väsby", "Kiruna", "Haparanda"} {
		if strings.Contains(text, name) {
			t.Errorf("the national job's line names %s:\n%s", name, trim(text))
		}
	}
}
