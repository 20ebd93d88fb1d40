package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOrganisationNameTakenInSwedish: "Röda Korset Kalmar" registered a
// second time from the organisations page, as " röda korset kalmar "
// (outside round s46, ADR 0256), was registered without a word and the
// pickers then showed two alike. The volunteers service refuses it (ADR
// 0258) and the page says why in Swedish, keeping what was typed; the
// list still has the name once.
func TestOrganisationNameTakenInSwedish(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	e.createOrg("Röda Korset Kalmar", "0880")
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	_, page := b.get("/admin/organisations")
	rid := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if rid == nil {
		t.Fatal("the form has no request id")
	}
	for _, name := range []string{" röda korset kalmar ", "RÖDA  KORSET KALMAR"} {
		code, page := b.post("/admin/organisations", url.Values{"request_id": {rid[1]}, "name": {name}, "type": {"association"}, "municipality_codes": {"Kalmar"}})
		text := strings.Join(strings.Fields(visibleText(page)), " ")
		if code != http.StatusUnprocessableEntity || !strings.Contains(text, "det finns redan en organisation med det namnet") {
			t.Errorf("%q: %d\n%s", name, code, trim(text))
		}
	}
	_, page = b.get("/admin/organisations")
	if n := strings.Count(strings.ToLower(page), "<td>röda korset kalmar"); n != 1 {
		t.Errorf("the name is listed %d times, want once", n)
	}
	// Another name, Malmo beside Malmö, registers.
	for i, name := range []string{"Röda Korset Malmö", "Röda Korset Malmo"} {
		if code, loc := b.post("/admin/organisations", url.Values{"request_id": {"malmo-" + string(rune('a'+i))}, "name": {name}, "type": {"association"}, "municipality_codes": {"Malmö"}}); code != http.StatusSeeOther {
			t.Errorf("%q: %d %s", name, code, trim(loc))
		}
	}
}

// TestMpOrganisationNameTaken: mp organisations add of a name a live
// organisation has, in another case, is refused in Swedish (ADR 0258).
func TestMpOrganisationNameTaken(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	e.createOrg("Röda Korset Kalmar", "0880")
	dir := t.TempDir()
	if out, err := mpAs(t, dir, adminPass, "", "login", "-server", e.base, "-email", adminEmail); err != nil {
		t.Fatalf("mp login: %v %s", err, out)
	}
	out, err := mpAs(t, dir, adminPass, "", "organisations", "add", "-name", "röda  korset kalmar", "-type", "association", "-municipalities", "Kalmar")
	if err == nil || !strings.Contains(err.Error(), "det finns redan en organisation med det namnet") {
		t.Errorf("mp organisations add of a taken name: %v %s", err, out)
	}
	if out, err := mpAs(t, dir, adminPass, "", "organisations", "add", "-name", "Röda Korset Malmo", "-type", "association", "-municipalities", "Malmö"); err != nil {
		t.Errorf("mp organisations add of another name: %v %s", err, out)
	}
}
