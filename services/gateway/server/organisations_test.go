package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAdminRegistersTheFirstOrganisation: on a new system without the
// demo data, an administrator made through the setup link found no way
// to register an organisation in the web app (nor in mp), and every
// newcomer, volunteer and coordinator belongs to one: the forms offered
// an empty organisation list (outside round s45). The organisations page
// lists them and registers one, once for a form sent twice; its refusals
// sit beside their fields; a coordinator is refused the page and the form
// and makes nothing (ADR 0251).
func TestAdminRegistersTheFirstOrganisation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	code, page := b.get("/admin/organisations")
	if code != http.StatusOK || !strings.Contains(page, "Inga organisationer ännu.") || !strings.Contains(page, `href="/admin/organisations" aria-current="page"`) {
		t.Fatalf("the page before any organisation: %d\n%s", code, trim(visibleText(page)))
	}
	// The forms that ask an administrator for an organisation say where
	// to register one; they refused "Organisation: måste fyllas i" over
	// an empty list.
	const noneYet = "Ingen organisation finns ännu: registrera den första under Organisationer i menyn."
	pickers := []string{"/matching", "/dinners", "/admin/users", "/participants/new", "/volunteers/new"}
	for _, path := range pickers {
		if _, page := b.get(path); !strings.Contains(page, noneYet) {
			t.Errorf("%s before any organisation does not say where to register one:\n%s", path, trim(visibleText(page)))
		}
	}
	rid := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if rid == nil {
		t.Fatal("the form has no request id")
	}

	// Refused beside the fields: no name, a municipality no one has.
	code, page = b.post("/admin/organisations", url.Values{"request_id": {rid[1]}, "name": {""}, "type": {"association"}, "municipality_codes": {"Atlantis"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-municipality_codes"`) || !strings.Contains(visibleText(page), "Atlantis") {
		t.Errorf("a municipality no one has: %d\n%s", code, trim(visibleText(page)))
	}
	code, page = b.post("/admin/organisations", url.Values{"request_id": {rid[1]}, "name": {""}, "type": {""}, "municipality_codes": {"Stockholm"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-name"`) {
		t.Errorf("no name: %d\n%s", code, trim(visibleText(page)))
	}

	// Registered, and sent twice (a double click) registered once.
	form := url.Values{"request_id": {rid[1]}, "name": {"Föreningen Exempel"}, "type": {"association"}, "municipality_codes": {"Stockholm, Uppsala"}}
	for i := range 2 {
		code, loc := b.post("/admin/organisations", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/organisations?done=created&seal=") {
			t.Fatalf("post %d: %d %s", i+1, code, trim(loc))
		}
		if i == 0 {
			_, page = b.get(loc)
		}
	}
	text := strings.Join(strings.Fields(visibleText(page)), " ")
	for _, want := range []string{"Organisationen är registrerad.", "Föreningen Exempel ideell förening Stockholm, Uppsala"} {
		if !strings.Contains(text, want) {
			t.Errorf("after the form the page lacks %q:\n%s", want, trim(text))
		}
	}
	_, page = b.get("/admin/organisations")
	if n := strings.Count(page, "<td>Föreningen Exempel"); n != 1 {
		t.Errorf("the organisation is listed %d times after the form sent twice, want once", n)
	}
	// A coordinator can now be given it, and the forms offer it.
	if _, users := b.get("/admin/users"); !strings.Contains(users, ">Föreningen Exempel</option>") {
		t.Errorf("the users form does not offer the new organisation")
	}
	for _, path := range pickers {
		if _, page := b.get(path); strings.Contains(page, noneYet) {
			t.Errorf("%s still says there is no organisation", path)
		}
	}

	// A coordinator may neither see the page nor send its form.
	admin := e.login(adminEmail, adminPass)
	e.coordinator(admin, "org-coord@example.org", e.createOrg("Egen", "0180"), "0180")
	c := e.browser()
	c.signIn("org-coord@example.org", password)
	if code, _ := c.get("/admin/organisations"); code != http.StatusForbidden {
		t.Errorf("a coordinator's GET: %d, want 403", code)
	}
	if code, _ := c.post("/admin/organisations", url.Values{"request_id": {"01a24fee-0000-7000-8000-000000000001"}, "name": {"Kuppen"}, "type": {"association"}, "municipality_codes": {"Stockholm"}}); code != http.StatusForbidden {
		t.Errorf("a coordinator's POST: %d, want 403", code)
	}
	if _, page := b.get("/admin/organisations"); strings.Contains(page, "Kuppen") {
		t.Errorf("a coordinator's form registered an organisation")
	}
}
