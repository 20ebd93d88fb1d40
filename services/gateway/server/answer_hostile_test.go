package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAnswerPageHostile sends the public answer page hostile links and
// forms: over-long, invalid UTF-8, path tricks and a real link with junk
// appended; forms of a megabyte, gzip-compressed, invalid UTF-8, repeated
// and unknown actions. Each is a 4xx page (or 429 once the visitor's
// budget is spent), never a 5xx, and the real offer is still unanswered
// and answerable afterwards.
func TestAnswerPageHostile(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	_, coord, path, pairID := approvedOffer(t, e, "ar")
	v := visitor{t: t, base: e.base, accept: "sv"}
	tok := strings.TrimPrefix(path, "/a/")
	for _, p := range []string{"/a/" + strings.Repeat("A", 201), "/a/" + strings.Repeat("A", 64<<10), "/a/%ff%fe", "/a/..%2f..%2fetc",
		"/a/" + tok + "x", "/a/" + tok + "%00", "/a/" + tok[:len(tok)/2], "/a/" + url.PathEscape("<script>")} {
		res, _ := v.do(http.MethodGet, p, nil)
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("GET %s: %d, want a 4xx page", trim(p)[:min(len(p), 60)], res.StatusCode)
		}
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	}
	for name, body := range map[string][]byte{
		"a megabyte":     []byte("action=accept&reason=" + strings.Repeat("a", 1<<20)),
		"gzip":           gz([]byte("action=accept&nonce=x")),
		"invalid UTF-8":  []byte("action=\xff\xfe&nonce=\xff"),
		"repeated":       []byte(strings.Repeat("action=accept&", 5000)),
		"unknown action": []byte("action=delete_everything&nonce=x"),
	} {
		req, _ := http.NewRequest(http.MethodPost, e.base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if name == "gzip" {
			req.Header.Set("Content-Encoding", "gzip")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("POST %s: %d, want a 4xx page", name, res.StatusCode)
		}
	}
	p, err := coord.matching.GetPair(testutil.Context(t), connect.NewRequest(&gatewayv1.GetPairRequest{Id: pairID}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Msg.GetPair().GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_OFFERED || p.Msg.GetPair().GetPair().GetNewcomerAcceptTime() != nil {
		t.Errorf("the offer changed under hostile posts: %v", p.Msg.GetPair().GetPair())
	}
}
