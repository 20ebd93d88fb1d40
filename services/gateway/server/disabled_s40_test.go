package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDisabledUserIsToldSo: a coordinator an administrator disabled was
// told her session expired ("Din inloggning har gått ut"), then, with the
// right password, "Fel e-postadress eller lösenord", on the web and in mp
// alike (ADR 0223, found from outside): nothing said to ask an
// administrator. Now her open session, her saved mp sign-in and a sign-in
// with the right password say the account is turned off, in her language;
// a wrong password is still "wrong e-mail or password", as for an address
// no account has, so a guesser learns nothing new.
func TestDisabledUserIsToldSo(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Spärrad", "0880")
	const email = "sparrad@example.org"
	coord := e.coordinator(admin, email, org, "0880")
	b := e.swedishBrowser(email)
	dir := t.TempDir()
	if out, err := mpAs(t, dir, password, "sv", "login", "-server", e.base, "-email", email); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	me, err := coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{
		User: &gatewayv1.User{Id: me.Msg.GetUser().GetId(), Disabled: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}})); err != nil {
		t.Fatal(err)
	}
	const (
		svOff   = "Ditt konto är spärrat. Be en administratör att häva spärren."
		enOff   = "Your account is turned off. Ask an administrator to turn it on again."
		svWrong = "Fel e-postadress eller lösenord."
	)
	text := func(body string) string { return strings.Join(strings.Fields(visibleText(body)), " ") }

	// Her open session: sent to the sign-in page, told why.
	res, err := b.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "expired=disabled") {
		t.Errorf("her session after the disable: %d to %q, want a redirect to the sign-in page saying disabled", res.StatusCode, loc)
	}
	if _, body := b.get(loc); !strings.Contains(text(body), "Du loggades ut eftersom ditt konto är spärrat. Be en administratör") ||
		strings.Contains(text(body), "har gått ut") {
		t.Errorf("the sign-in page after her session ended: want it to say the account is turned off, not expired:\n%s", trim(text(body)))
	}

	// Signing in: the right password is told the account is off, a wrong
	// one is the wrong password, as an unknown address is.
	for _, tt := range []struct {
		name, email, pass, want, not string
	}{
		{"the right password", email, password, svOff, svWrong},
		{"a wrong password", email, "inte mitt lösenord", svWrong, "spärrat"},
		{"an unknown address", "ingen@example.org", password, svWrong, "spärrat"},
	} {
		nb := e.browser()
		nb.get("/signin")
		code, body := nb.post("/signin", url.Values{"email": {tt.email}, "password": {tt.pass}})
		if got := text(body); code != http.StatusUnauthorized || !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) {
			t.Errorf("web sign-in, %s: %d, want 401 saying %q, not %q:\n%s", tt.name, code, tt.want, tt.not, trim(got))
		}
		out, err := mpAs(t, t.TempDir(), tt.pass, "sv", "login", "-server", e.base, "-email", tt.email)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), tt.not) {
			t.Errorf("mp login, %s: %v (%s), want %q, not %q", tt.name, err, out, tt.want, tt.not)
		}
	}

	// Her saved mp sign-in, in Swedish and in English.
	for lang, want := range map[string]string{"sv": svOff, "en": enOff} {
		if out, err := mpAs(t, dir, "", lang, "whoami"); err == nil || err.Error() != want {
			t.Errorf("mp whoami (%s) with her saved sign-in: %v (%s), want %q", lang, err, out, want)
		}
	}
}
