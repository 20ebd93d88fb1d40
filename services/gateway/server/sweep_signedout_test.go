package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// TestAccessSweepSignedOut calls every gateway method (sign-in aside)
// without a token, with malformed ones, with a revoked one and with one
// past its end, and every web route that needs a session without one and
// with an expired one: Unauthenticated, a redirect to sign in, or 401 for
// a program; never data, never another answer.
func TestAccessSweepSignedOut(t *testing.T) {
	t.Parallel()
	clk := &clock{} // the wall clock, moved forward below
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	newcomer(t, admin, org, "0880", "Signedoutia")
	revoked := e.login(adminEmail, adminPass)
	if _, err := revoked.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{Id: "current"})); err != nil {
		t.Fatal(err)
	}
	expiring := e.browser()
	expiring.signIn(adminEmail, adminPass)
	clk.Advance(91 * 24 * time.Hour) // past a session's and an API token's life

	tokens := map[string]string{"none": "", "garbage": "garbage", "malformed": "mpt_nope_nope", "revoked": revoked.token,
		"expired": admin.token, "prefix only": "mpt_", "huge": "mpt_" + strings.Repeat("a", 8<<10)}
	n := 0
	for _, m := range gatewayMethods() {
		sd, md := m.sd, m.md
		if md.Name() == "CreateApiToken" {
			continue // signing in needs no token
		}
		for name, tok := range tokens {
			n++
			code, body := connectCall(t, e, tok, sd, md, validFill(md.Input().Fields()))
			if code != "unauthenticated" {
				t.Errorf("%s/%s with %s token: %s %s, want unauthenticated", sd.Name(), md.Name(), name, code, trim(body))
			}
			if strings.Contains(body, "Signedoutia") {
				t.Errorf("%s/%s with %s token leaked a name", sd.Name(), md.Name(), name)
			}
		}
	}
	if n < 80*len(tokens) {
		t.Fatalf("swept only %d calls", n)
	}

	anon := e.browser()
	pages := 0
	for _, rt := range (&web.Web{}).Routes() {
		if rt.Public {
			continue
		}
		path := strings.NewReplacer("{$}", "", "{id}", unknownID, "{action}", "approve").Replace(rt.Pattern)
		for name, b := range map[string]*browser{"signed out": anon, "expired session": expiring} {
			pages++
			var code int
			var loc string
			if rt.Method == http.MethodGet {
				res, err := b.c.Get(e.base + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				code, loc = res.StatusCode, res.Header.Get("Location")
			} else {
				code, loc = b.post(path, url.Values{"csrf": {"x"}, "confirm": {"yes"}})
			}
			// The sign-in page is told why when the user had been
			// signed in: a form sent without a session was not saved,
			// a session the gateway no longer knows has expired (ADR
			// 0178); and where to go back to: a page its own address, a
			// form the page it is on, a download or the overview
			// nowhere (ADR 0185).
			q := url.Values{}
			switch {
			case rt.Method == http.MethodPost:
				q.Set("expired", "form")
			case name == "expired session":
				q.Set("expired", "1")
			}
			if rt.Method == http.MethodGet && !rt.Token && path != "/" {
				q.Set("next", path)
			}
			if u, err := url.Parse(loc); err == nil && rt.Method == http.MethodPost && rt.Pattern != "/signout" {
				// A form's page: checked below to be a page that
				// needs a session, like every other.
				if next := u.Query().Get("next"); strings.HasPrefix(next, "/") {
					q.Set("next", next)
					res, err := anon.c.Get(e.base + next)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if l := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(l, "/signin?next=") {
						t.Errorf("%s %s goes back to %s, which answers %d %s, not a page that needs a session", rt.Method, path, next, res.StatusCode, l)
					}
				} else {
					t.Errorf("%s %s: %s names no form page to go back to", rt.Method, path, trim(loc))
				}
			}
			want := "/signin"
			if len(q) > 0 {
				want += "?" + q.Encode()
			}
			got := loc
			if q.Get("expired") != "" {
				// The notice is sealed for this browser (ADR 0251): the
				// seal and the flash's fragment follow what it says.
				if u, err := url.Parse(loc); err != nil || u.Fragment != "flash" || u.Query().Get("seal") == "" {
					t.Errorf("%s %s %s: %s carries its notice unsealed", name, rt.Method, path, trim(loc))
				} else {
					uq := u.Query()
					uq.Del("seal")
					u.RawQuery, u.Fragment = uq.Encode(), ""
					got = u.String()
				}
			}
			if code != http.StatusSeeOther || got != want {
				t.Errorf("%s %s %s: %d %s, want a redirect to %s", name, rt.Method, path, code, trim(loc), want)
			}
		}
		if rt.Token {
			for name, tok := range tokens {
				if tok == "" {
					continue
				}
				req, _ := http.NewRequest(rt.Method, e.base+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s with %s token: %d, want 401", path, name, res.StatusCode)
				}
			}
		}
	}
	if pages < 100 {
		t.Fatalf("tried only %d pages", pages)
	}
}
