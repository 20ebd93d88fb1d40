package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// fakePairs is the gateway's matching API answering a rejection, which
// it records.
type fakePairs struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
	rejected []*gatewayv1.RejectPairRequest
}

func (f *fakePairs) RejectPair(_ context.Context, r *connect.Request[gatewayv1.RejectPairRequest]) (*connect.Response[gatewayv1.RejectPairResponse], error) {
	f.rejected = append(f.rejected, r.Msg)
	return connect.NewResponse(&gatewayv1.RejectPairResponse{Pair: &gatewayv1.PairView{Pair: &mentoringv1.Pair{Id: r.Msg.GetId(),
		Status: eventsv1.PairStatus_PAIR_STATUS_REJECTED}}}), nil
}

// runMatching runs one mp command against the matching API h over
// loopback HTTP and returns what it printed and its error.
func runMatching(t *testing.T, h gatewayv1connect.MatchingServiceHandler, args ...string) (string, error) {
	t.Helper()
	return runServices(t, "", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(h)) }, args...)
}

// runServices runs one mp command, with MP_LANG set to lang, against the
// handlers serve adds, over loopback HTTP, and returns what it printed
// and its error.
func runServices(t *testing.T, lang string, serve func(*http.ServeMux), args ...string) (string, error) {
	t.Helper()
	mux := http.NewServeMux()
	serve(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	var out bytes.Buffer
	e := Env{Out: &out, HTTP: srv.Client(), Getenv: func(k string) string {
		switch k {
		case "MP_CONFIG_DIR":
			return dir
		case "MP_LANG":
			return lang
		}
		return ""
	}}
	if err := saveConfig(e, config{Server: srv.URL, Token: "t"}); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), args, e)
	return out.String(), err
}

// TestProposalRejectTakesTheWebsReason: mp proposals reject asks for the
// reason the web's form asks for ("Skäl", required there): -h lists them
// in lower case with the web's words, the chosen one is sent, and
// without one nothing is sent. "-reason OTHER ID" was taken as the id.
func TestProposalRejectTakesTheWebsReason(t *testing.T) {
	t.Parallel()
	f := &fakePairs{}
	help, err := runMatching(t, f, "proposals", "reject", "-h")
	if err != nil || !strings.Contains(help, "-reason") || !strings.Contains(help, "poor_fit (passar inte ihop)") || !strings.Contains(help, "other (annat skäl)") {
		t.Fatalf("proposals reject -h: %v\n%s", err, help)
	}
	out, err := runMatching(t, f, "proposals", "reject", "-reason", "OTHER", "p1")
	if err != nil || len(f.rejected) != 1 || f.rejected[0].GetId() != "p1" || f.rejected[0].GetReason() != eventsv1.RejectReason_REJECT_REASON_OTHER {
		t.Fatalf("proposals reject -reason OTHER p1: %v, sent %v", err, f.rejected)
	}
	if out != "p1 avvisad\n" {
		t.Errorf("printed %q", out)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"p2"}, "-reason behövs: välj en av poor_fit (passar inte ihop)"},
		{[]string{"-reason", "bored", "p2"}, `-reason "bored" finns inte; välj en av poor_fit (passar inte ihop)`},
	} {
		if _, err := runMatching(t, f, append([]string{"proposals", "reject"}, tt.args...)...); err == nil || !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "logistics (praktiska hinder)") {
			t.Errorf("proposals reject %v: %v, want %q and the reasons listed", tt.args, err, tt.want)
		}
	}
	if len(f.rejected) != 1 {
		t.Errorf("a rejection without a known reason was sent: %v", f.rejected)
	}
}
