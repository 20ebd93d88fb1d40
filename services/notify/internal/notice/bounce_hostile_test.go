package notice_test

import (
	"bytes"
	"compress/gzip"
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
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestBounceHostileBodies posts hostile bodies to the bounce endpoint:
// too large, compressed, not JSON, the wrong shape, too many entries,
// invalid UTF-8 and megabyte ids, numbers where strings belong; each is a
// 4xx or counted as unknown, never a 5xx (which the provider would retry
// for ever), and no message changes.
func TestBounceHostileBodies(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	e.offerPair("ev-hostile")
	e.sendUntil(func() error {
		if n := len(e.mailbox()); n != 2 {
			return fmt.Errorf("%d of 2 offers in the mailbox", n)
		}
		return nil
	})
	before := e.mailbox()
	const secret = "bounce-secret-0123456789"
	srv := httptest.NewServer(bounce.Handler(e.svc, secret, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"bounces":[` + strings.Repeat(`{"message_id":"x","permanent":true},`, 200_000) + `{}]}`))
	_ = zw.Close()
	many := `{"bounces":[` + strings.Repeat(`{"message_id":"<`+before[0].GetId()+`@motesplats>","permanent":true},`, 100) + `{}]}`
	entries := func(id string, n int) string {
		return `{"bounces":[` + strings.TrimSuffix(strings.Repeat(fmt.Sprintf(`{"message_id":%q,"permanent":true},`, id), n), ",") + `]}`
	}
	for name, tc := range map[string]struct {
		body    string
		headers map[string]string
		status  int
		unknown int
	}{
		"a megabyte":          {body: `{"bounces":[{"message_id":"` + strings.Repeat("a", 1<<20) + `"}]}`, status: http.StatusBadRequest},
		"gzip":                {body: gz.String(), headers: map[string]string{"Content-Encoding": "gzip"}, status: http.StatusBadRequest},
		"not JSON":            {body: "\xff\xfe\x00", status: http.StatusBadRequest},
		"an array":            {body: `[1,2,3]`, status: http.StatusBadRequest},
		"null":                {body: `null`, status: http.StatusOK},
		"deeply nested":       {body: strings.Repeat(`{"bounces":`, 10_000), status: http.StatusBadRequest},
		"a number for an id":  {body: `{"bounces":[{"message_id":12,"permanent":true}]}`, status: http.StatusBadRequest},
		"101 entries":         {body: many, status: http.StatusRequestEntityTooLarge},
		"invalid UTF-8 id":    {body: `{"bounces":[{"message_id":"<m` + "\xff\xfe" + `@motesplats>","permanent":true}]}`, status: http.StatusOK, unknown: 1},
		"100 long ids":        {body: entries(strings.Repeat("m", 600), 100), status: http.StatusOK, unknown: 100},
		"a look-alike id":     {body: entries("<m"+strings.Repeat("0", 40)+"@motesplats>", 3), status: http.StatusOK, unknown: 3},
		"control characters":  {body: `{"bounces":[{"message_id":"<m\u0000\n\r@motesplats>","permanent":true}]}`, status: http.StatusOK, unknown: 1},
		"an empty list":       {body: `{"bounces":[]}`, status: http.StatusOK},
		"unknown fields only": {body: `{"recipient":"amina@example.org","diagnostic":"550 no such user"}`, status: http.StatusOK},
		// Text after the @ is the host part: the mailbox copy is named,
		// and, not being a sent e-mail, ignored.
		"an id with a newline": {body: entries("<"+before[0].GetId()+"@motesplats>\nX-Injected: 1", 1), status: http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+bounce.Path, strings.NewReader(tc.body))
		req.SetBasicAuth("provider", secret)
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d %q, want %d", name, res.StatusCode, raw, tc.status)
			continue
		}
		if res.StatusCode == http.StatusOK {
			var out map[string]int
			if err := json.Unmarshal(raw, &out); err != nil || out["unknown"] != tc.unknown || out["recorded"] != 0 {
				t.Errorf("%s: %q, want %d unknown and nothing recorded", name, raw, tc.unknown)
			}
		}
	}
	after := e.mailbox()
	for i, m := range after {
		if m.GetStatus() != before[i].GetStatus() || m.GetFailure() != pb.Failure_FAILURE_UNSPECIFIED {
			t.Errorf("message %s changed: %v %v", m.GetId(), m.GetStatus(), m.GetFailure())
		}
	}
}
