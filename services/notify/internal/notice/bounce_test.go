package notice_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/bounce"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestLateBounce: two offers go out by SMTP and are accepted by the
// server; later the provider posts its delivery reports to the bounce
// endpoint: a hard bounce for one turns it failed (bounced), shown to
// coordinators; a soft one, a Message-ID of no message of ours and a
// repeat change nothing; without the secret nothing is read.
func TestLateBounce(t *testing.T) {
	t.Parallel()
	addr, in := smtpOnLoopback(t)
	e := start(t, notice.Channels{Email: channel.NewSMTP(channel.SMTPConfig{Addr: addr, From: "noreply@motesplats.test", Mode: channel.None})})
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if n := len(in.received()); n != 2 {
			return fmt.Errorf("%d of 2 offers at the SMTP server", n)
		}
		return nil
	})
	ids := map[string]string{} // recipient -> Message-ID as received
	for _, r := range in.received() {
		ids[r.to] = r.messageID
	}
	const secret = "bounce-secret-0123456789"
	srv := httptest.NewServer(bounce.Handler(e.svc, secret, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	post := func(user, pass, body string) (int, map[string]int) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+bounce.Path, strings.NewReader(body))
		if pass != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]int
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	hard := fmt.Sprintf(`{"bounces":[{"message_id":%q,"permanent":true,"recipient":"amina@example.org"},
		{"message_id":%q,"permanent":false},{"message_id":"<m0000000000000000000000000000000000000000@motesplats>","permanent":true}]}`,
		ids["amina@example.org"], ids["erik@example.se"])
	if code, _ := post("x", "wrong-secret-0123456789", hard); code != http.StatusUnauthorized {
		t.Errorf("a wrong secret: %d, want 401", code)
	}
	if code, _ := post("", "", hard); code != http.StatusUnauthorized {
		t.Errorf("no secret: %d, want 401", code)
	}
	if d := adminDeliveries(t, e, amina); d[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT {
		t.Fatalf("an unauthorised post changed the message: %v", d[0])
	}
	code, out := post("provider", secret, hard)
	if code != http.StatusOK || out["recorded"] != 1 || out["ignored"] != 1 || out["unknown"] != 1 {
		t.Errorf("post: %d %v, want 1 recorded, 1 ignored, 1 unknown", code, out)
	}
	if d := adminDeliveries(t, e, amina); len(d) != 1 || d[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_FAILED ||
		d[0].GetFailure() != pb.Failure_FAILURE_BOUNCED {
		t.Errorf("the hard-bounced offer: %v", d)
	}
	if d := adminDeliveries(t, e, erik); len(d) != 1 || d[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT {
		t.Errorf("the soft-bounced offer: %v", d)
	}
	if code, out := post("provider", secret, hard); code != http.StatusOK || out["recorded"] != 0 || out["ignored"] != 2 {
		t.Errorf("the same post again: %d %v, want nothing recorded", code, out)
	}
	if code, _ := post("provider", secret, "not json"); code != http.StatusBadRequest {
		t.Errorf("bad JSON: %d, want 400", code)
	}
	if code, _ := post("provider", secret, `{"bounces":[`+strings.Repeat(`{"message_id":"x"},`, 100)+`{"message_id":"x"}]}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("101 bounces: %d, want 413", code)
	}
}
