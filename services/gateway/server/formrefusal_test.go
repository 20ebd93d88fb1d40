package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFormRefusalsSayWhatToDo: a post the app cannot take (JSON, text or
// multipart; a body that is no form encoding; a form from an earlier
// sign-in) said "Begäran kunde inte genomföras. Försök igen om en stund."
// (ADR 0154), though sending it again as it is fails again. Each says what
// happened and to send the form from the page again, in the page's
// language, and nothing is registered.
func TestFormRefusalsSayWhatToDo(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	form := url.Values{"csrf": {b.csrf}, "given_name": {"Amina"}, "municipality_code": {"0880"}, "household_size": {"1"}, "swedish_level": {"SWEDISH_LEVEL_SFI_A"}}
	const (
		// Once signed in, the page speaks the account's language (this
		// coordinator's is English): a refusal read before the session
		// (the body could not be read) by the language cookie sign-in set
		// (ADR 0271), one that knows the session by the session's.
		unread = "The form could not be read: it was not encoded the way a browser sends a form."
		stale  = "The form belonged to an earlier sign-in or came from another site"
	)
	raw := func(contentType, body string) (int, string) {
		t.Helper()
		res, err := b.c.Post(e.base+"/participants", contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(out)
	}
	for _, tt := range []struct {
		name, contentType, body string
		code                    int
		want                    string
	}{
		{"JSON", "application/json", `{"csrf":"` + b.csrf + `","given_name":"Amina"}`, http.StatusUnsupportedMediaType, unread},
		{"text", "text/plain", form.Encode(), http.StatusUnsupportedMediaType, unread},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + b.csrf + "\r\n--x--\r\n", http.StatusUnsupportedMediaType, unread},
		{"bad escape", "application/x-www-form-urlencoded", form.Encode() + "&family_name=%zz", http.StatusBadRequest, unread},
		{"another sign-in's token", "application/x-www-form-urlencoded; charset=utf-8", strings.Replace(form.Encode(), url.QueryEscape(b.csrf), "an-earlier-token", 1), http.StatusForbidden, stale},
	} {
		code, body := raw(tt.contentType, tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) || strings.Contains(body, "Försök igen om en stund") || strings.Contains(body, "Try again in a moment") {
			t.Errorf("%s: %d, want %d and %q: %s", tt.name, code, tt.code, tt.want, trim(body))
		}
	}
	res, err := admin.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(res.Msg.GetParticipants()) != 0 {
		t.Fatalf("a refused post registered someone: %v %v", res, err)
	}
	// The form as the page sends it (with a charset, as some browsers
	// add) is taken.
	if code, _ := raw("application/x-www-form-urlencoded; charset=UTF-8", form.Encode()); code != http.StatusSeeOther {
		t.Fatalf("the form itself: %d, want 303", code)
	}
}
