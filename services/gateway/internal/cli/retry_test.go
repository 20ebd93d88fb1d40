package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// flakyRegistry answers its first fails creates with Unavailable (a
// service behind the gateway failing over) and the rest by the request
// id: a repeated id gets the first created record, as the services do.
// It counts every call and keeps the request ids it was sent.
type flakyRegistry struct {
	gatewayv1connect.UnimplementedRegistryServiceHandler
	mu      sync.Mutex
	fails   int
	ids     []string
	created map[string]string // request id -> participant id
	gets    int
}

func (f *flakyRegistry) CreateParticipant(_ context.Context, r *connect.Request[gatewayv1.CreateParticipantRequest]) (*connect.Response[gatewayv1.CreateParticipantResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, r.Msg.GetRequestId())
	if len(f.ids) <= f.fails {
		return nil, connect.NewError(connect.CodeUnavailable, nil)
	}
	id, ok := f.created[r.Msg.GetRequestId()]
	if !ok {
		id = "01a24dd0-0000-7000-8000-00000000000" + string(rune('0'+len(f.created)))
		f.created[r.Msg.GetRequestId()] = id
	}
	return connect.NewResponse(&gatewayv1.CreateParticipantResponse{Participant: &participantsv1.Participant{Id: id}}), nil
}

func (f *flakyRegistry) ListParticipants(context.Context, *connect.Request[gatewayv1.ListParticipantsRequest]) (*connect.Response[gatewayv1.ListParticipantsResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	return nil, connect.NewError(connect.CodeUnavailable, nil)
}

// TestCreateSentAgainWithItsRequestID: a create the gateway answered
// Unavailable (a NATS node failing over under make up) is sent again by
// mp itself with the same request id, so the newcomer is registered once
// and the user reads the id, where each run of `mp participants add`
// used to make a new id and a second run after a refusal could register
// the newcomer twice (outside round s42). A read is not sent again, and a
// service that stays down is still said so after the last attempt.
func TestCreateSentAgainWithItsRequestID(t *testing.T) {
	t.Parallel()
	add := []string{"participants", "add", "-given-name", "Amal", "-family-name", "Haddad", "-municipality", "Uppsala", "-consent"}
	f := &flakyRegistry{fails: 2, created: map[string]string{}}
	out, err := runServices(t, "", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewRegistryServiceHandler(f)) }, add...)
	if err != nil {
		t.Fatalf("mp participants add after two Unavailable: %v", err)
	}
	if !strings.Contains(out, "01a24dd0-0000-7000-8000-000000000000") {
		t.Errorf("mp participants add printed %q, want the created id", out)
	}
	if len(f.ids) != 3 || f.ids[0] == "" || f.ids[1] != f.ids[0] || f.ids[2] != f.ids[0] {
		t.Errorf("request ids sent: %q, want one id three times", f.ids)
	}
	if len(f.created) != 1 {
		t.Errorf("%d participants created, want 1", len(f.created))
	}

	// Down through every attempt: the user hears it is unavailable, after
	// 1 + len(sameRequestWaits) attempts with one id.
	down := &flakyRegistry{fails: 100, created: map[string]string{}}
	_, err = runServices(t, "", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewRegistryServiceHandler(down)) }, add...)
	if err == nil || !strings.Contains(err.Error(), "svarar inte just nu") {
		t.Errorf("a service down throughout: %v, want the unavailable words", err)
	}
	if want := 1 + len(sameRequestWaits); len(down.ids) != want || down.ids[0] != down.ids[want-1] {
		t.Errorf("a service down throughout was sent %d calls (%q), want %d with one id", len(down.ids), down.ids, want)
	}

	// A read carries no request id: one call.
	get := &flakyRegistry{created: map[string]string{}}
	if _, err := runServices(t, "", func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewRegistryServiceHandler(get)) },
		"participants", "list"); err == nil {
		t.Error("mp participants list with the service down: no error")
	}
	if get.gets != 1 {
		t.Errorf("a read was sent %d times, want 1", get.gets)
	}
}

// TestCreateWaitsForAGatewayStartingAgain: a create whose dial nothing
// answered (the gateway restarting) failed at once, "ingen gateway svarar
// på ...", though the gateway was back seconds later (ADR 0240's
// finding). mp now waits, says so on stderr in its language, and sends
// the create when something listens at the address again: once, with
// its request id. The real gateway killed and started again is
// server.TestMpWaitsOutAGatewayRestart.
func TestCreateWaitsForAGatewayStartingAgain(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the gateway is down
	dir := t.TempDir()
	var out bytes.Buffer
	stderr := &syncBuffer{}
	e := Env{Out: &out, Err: stderr, RestartWait: time.Minute, HTTP: &http.Client{Timeout: time.Minute}, Getenv: func(k string) string {
		return map[string]string{"MP_CONFIG_DIR": dir, "MP_LANG": "sv"}[k]
	}}
	if err := saveConfig(e, config{Server: "http://" + addr, Token: "t"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), []string{"participants", "add", "-given-name", "Amal", "-family-name", "Haddad", "-municipality", "Uppsala", "-consent"}, e)
	}()
	const waits = "mp: ingen gateway svarar på http://" // the line's start
	testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		if !strings.Contains(stderr.String(), waits) {
			return fmt.Errorf("stderr %q", stderr.String())
		}
		return nil
	})
	f := &flakyRegistry{created: map[string]string{}}
	mux := http.NewServeMux()
	mux.Handle(gatewayv1connect.NewRegistryServiceHandler(f))
	var back net.Listener
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() (err error) {
		back, err = net.Listen("tcp", addr) // the gateway started again, on its address
		return err
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(back) }()
	t.Cleanup(func() { _ = srv.Close() })
	if err := <-done; err != nil {
		t.Fatalf("mp participants add across the restart: %v", err)
	}
	if !strings.Contains(out.String(), "01a24dd0-0000-7000-8000-000000000000") {
		t.Errorf("printed %q, want the created id", out.String())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ids) != 1 || f.ids[0] == "" || len(f.created) != 1 {
		t.Errorf("request ids that reached the gateway: %q, want one", f.ids)
	}
	if got := stderr.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "mp väntar upp till 60 s på att den startar igen") {
		t.Errorf("stderr %q, want one line saying mp waits", got)
	}
}

// syncBuffer is a bytes.Buffer written by mp's goroutine and read by the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
