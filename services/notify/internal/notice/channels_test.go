package notice_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// inbox is a real SMTP server (go-smtp's) that keeps what it receives.
type inbox struct {
	mu       sync.Mutex
	got      []received
	user     string
	pass     string
	rejectTo string // RCPT to this address gets 550
	// onData, if set, sees each message once the server has all of it,
	// before it is kept and answered.
	onData func(received)
}

type received struct {
	to, messageID, subject string
}

type session struct {
	in   *inbox
	to   string
	auth bool
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.in.user || pass != s.in.pass {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(string, *smtp.MailOptions) error {
	if s.in.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.in.rejectTo {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	got := received{to: s.to, messageID: m.Header.Get("Message-Id"), subject: subj}
	if s.in.onData != nil {
		s.in.onData(got)
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	s.in.got = append(s.in.got, got)
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

func (in *inbox) received() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]received(nil), in.got...)
}

func newSMTPServer(in *inbox) *smtp.Server {
	s := smtp.NewServer(in)
	s.Domain, s.AllowInsecureAuth = "localhost", true
	return s
}

// serve runs an SMTP server for in on lis until the test ends.
func (in *inbox) serve(t *testing.T, lis net.Listener, tlsCfg *tls.Config) *smtp.Server {
	t.Helper()
	s := smtp.NewServer(in)
	s.Domain, s.TLSConfig = "localhost", tlsCfg
	s.AllowInsecureAuth = tlsCfg == nil
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// config that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *tls.Config) {
	t.Helper()
	p := certtest.Sign(t, certtest.LeafTemplate(time.Hour, "127.0.0.1"), nil)
	pool := x509.NewCertPool()
	pool.AddCert(p.Cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{p.Cert.Raw}, PrivateKey: p.Key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// TestSMTPDownThenBack: with the mail server down, messages wait and are
// retried with backoff; once it is up, each goes out once, and a person's
// messages arrive in the order they were planned. The connection uses
// STARTTLS and AUTH; a refused recipient is a permanent bounce.
func TestSMTPDownThenBack(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	port := testutil.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	in := &inbox{user: "mp", pass: "secret", rejectTo: "gone@example.org"}
	email := channel.NewSMTP(channel.SMTPConfig{Addr: addr, Username: "mp", Password: "secret", From: "noreply@motesplats.test",
		Mode: channel.StartTLS, TLS: clientTLS, DialTimeout: time.Second})
	e := start(t, notice.Channels{Email: email})
	ctx := testutil.Context(t)
	e.dir.mu.Lock()
	e.dir.people["p-gone"] = notice.Person{FirstName: "Gone", Email: "gone@example.org", Language: "sv"}
	e.dir.mu.Unlock()
	e.offerPair("ev-1") // Amina and Erik: an offer each
	// Two more messages for Amina, planned after the offer (two
	// cancellations), which must arrive after it and in their order.
	e.clock.Add(time.Millisecond)
	if err := e.svc.Plan(ctx,
		notice.Planned{CauseID: "c-2", PersonID: amina, Role: pb.Role_ROLE_NEWCOMER, Programme: pb.Programme_PROGRAMME_MENTORING,
			ProposalID: "pair-x", Template: pb.Template_TEMPLATE_CANCELLATION, OrganisationID: org, Municipality: muni},
		notice.Planned{CauseID: "c-3", PersonID: "p-gone", Role: pb.Role_ROLE_NEWCOMER, Programme: pb.Programme_PROGRAMME_MENTORING,
			ProposalID: "pair-y", Template: pb.Template_TEMPLATE_CANCELLATION, OrganisationID: org, Municipality: muni}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Millisecond)
	if err := e.svc.Plan(ctx, notice.Planned{CauseID: "c-4", PersonID: amina, Role: pb.Role_ROLE_NEWCOMER,
		Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-z", Template: pb.Template_TEMPLATE_CANCELLATION,
		OrganisationID: org, Municipality: muni}); err != nil {
		t.Fatal(err)
	}
	// Down: two rounds of attempts fail and are rescheduled.
	for range 2 {
		e.svc.SendDue(ctx)
		e.clock.Add(5 * time.Second)
	}
	tried := 0
	for _, d := range adminDeliveries(t, e, amina) {
		if d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_QUEUED {
			t.Fatalf("while down, a delivery to Amina is %v", d.GetStatus())
		}
		if d.GetAttempts() > 0 {
			tried++
			if d.GetTemplate() != pb.Template_TEMPLATE_MENTOR_OFFER {
				t.Errorf("while down, %v was tried before the offer planned first", d.GetTemplate())
			}
		}
	}
	if tried != 1 {
		t.Errorf("while down, %d of Amina's messages were tried; want only the first", tried)
	}
	if len(in.received()) != 0 {
		t.Fatal("received mail with the server down")
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	in.serve(t, lis, serverTLS)
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		e.clock.Add(2 * time.Second)
		e.svc.SendDue(ctx)
		if n := len(in.received()); n < 4 {
			return fmt.Errorf("%d of 4 messages received", n)
		}
		return nil
	})
	for range 3 { // more passes must not send again
		e.clock.Add(time.Minute)
		e.svc.SendDue(ctx)
	}
	got := in.received()
	if len(got) != 4 {
		t.Fatalf("received %d messages, want 4 (each once): %+v", len(got), got)
	}
	var amina []string
	ids := map[string]bool{}
	for _, r := range got {
		if ids[r.messageID] {
			t.Errorf("message %s received twice", r.messageID)
		}
		ids[r.messageID] = true
		if r.to == "amina@example.org" {
			amina = append(amina, r.subject)
		}
	}
	if len(amina) != 3 || !strings.Contains(amina[0], "مرشد") || strings.Contains(amina[1], "مرشد") {
		t.Errorf("Amina's messages arrived out of order: %q", amina)
	}
	gone := adminDeliveries(t, e, "p-gone")
	if len(gone) != 1 || gone[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_FAILED || gone[0].GetFailure() != pb.Failure_FAILURE_BOUNCED {
		t.Errorf("refused recipient: %v", gone)
	}
}

func adminDeliveries(t *testing.T, e *env, person string) []*pb.StoredMessage {
	t.Helper()
	ds, _, err := e.svc.ListDeliveries(admin, notice.DeliveryFilter{PersonID: person})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// elks speaks 46elks' SMS API: POST /a1/sms (basic auth, form fields
// from, to, message) answers JSON with an id; GET /a1/sms/<id> the status.
// What it does depends on the number.
type elks struct {
	mu       sync.Mutex
	calls    map[string]int // POSTs per number
	accepted map[string]string
	hold     chan struct{}
}

func (s *elks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "u123" || pass != "p456" {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/a1/sms/") {
		id := strings.TrimPrefix(r.URL.Path, "/a1/sms/")
		status := "delivered"
		if id == "s-bounce" {
			status = "failed"
		}
		fmt.Fprintf(w, `{"id":%q,"status":%q}`, id, status)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/a1/sms" || r.FormValue("from") != "Motesplats" || r.FormValue("message") == "" {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	to := r.FormValue("to")
	s.mu.Lock()
	s.calls[to]++
	n := s.calls[to]
	s.mu.Unlock()
	switch {
	case to == "+46700000001" && n == 1: // times out once
		select {
		case <-s.hold:
		case <-r.Context().Done():
		}
		return
	case to == "+46700000002" && n == 1:
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	case to == "+46700000003" && n <= 2:
		http.Error(w, "Too many requests", http.StatusTooManyRequests)
		return
	case to == "+46700000004":
		http.Error(w, "Invalid to number", http.StatusBadRequest)
		return
	}
	id := "s-" + strings.TrimPrefix(to, "+")
	if to == "+46700000005" {
		id = "s-bounce" // accepted, then the phone network bounces it
	}
	fmt.Fprintf(w, `{"status":"created","id":%q,"to":%q,"parts":1}`, id, to)
}

func (s *elks) count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[to]
}

// Test46elks: timeout, 500 and 429 are retried and the SMS goes out once;
// an invalid number fails for good at once; an SMS the provider accepted
// and then reports failed is recorded as failed by the follow-up.
func Test46elks(t *testing.T) {
	t.Parallel()
	api := &elks{calls: map[string]int{}, hold: make(chan struct{})}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(api.hold) })
	sms := channel.NewElks(channel.ElksConfig{BaseURL: srv.URL, Username: "u123", Password: "p456", From: "Motesplats",
		Client: &http.Client{Timeout: 300 * time.Millisecond}})
	e := start(t, notice.Channels{SMS: sms})
	ctx := testutil.Context(t)
	numbers := []string{"+46700000001", "+46700000002", "+46700000003", "+46700000004", "+46700000005"}
	var ps []notice.Planned
	for i, n := range numbers {
		id := fmt.Sprintf("p-sms-%d", i+1)
		e.dir.mu.Lock()
		e.dir.people[id] = notice.Person{FirstName: "S", Phone: n, Language: "so", Channel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS}
		e.dir.mu.Unlock()
		ps = append(ps, notice.Planned{CauseID: "c-sms", PersonID: id, Role: pb.Role_ROLE_NEWCOMER, Programme: pb.Programme_PROGRAMME_MENTORING,
			ProposalID: "pair-q", Template: pb.Template_TEMPLATE_CANCELLATION, OrganisationID: org, Municipality: muni})
	}
	if err := e.svc.Plan(ctx, ps...); err != nil {
		t.Fatal(err)
	}
	status := func(i int) *pb.StoredMessage {
		ds := adminDeliveries(t, e, fmt.Sprintf("p-sms-%d", i))
		if len(ds) != 1 {
			t.Fatalf("person %d has %d deliveries", i, len(ds))
		}
		return ds[0]
	}
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		e.clock.Add(3 * time.Second)
		e.svc.SendDue(ctx)
		for i := 1; i <= 5; i++ {
			if notice.Pending(status(i)) {
				return fmt.Errorf("person %d: %v", i, status(i).GetStatus())
			}
		}
		return nil
	})
	for i, want := range []struct {
		status  pb.DeliveryStatus
		failure pb.Failure
		posts   int
	}{
		{pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 2},
		{pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 2},
		{pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 3},
		{pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_INVALID_NUMBER, 1},
		{pb.DeliveryStatus_DELIVERY_STATUS_SENT, 0, 1},
	} {
		m := status(i + 1)
		if m.GetStatus() != want.status || m.GetFailure() != want.failure || api.count(numbers[i]) != want.posts {
			t.Errorf("%s: status %v failure %v after %d posts; want %v %v after %d", numbers[i], m.GetStatus(), m.GetFailure(),
				api.count(numbers[i]), want.status, want.failure, want.posts)
		}
	}
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if m := status(5); m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_FAILED || m.GetFailure() != pb.Failure_FAILURE_INVALID_NUMBER {
		t.Errorf("accepted then bounced: %v %v", m.GetStatus(), m.GetFailure())
	}
	if m := status(2); m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT || !m.GetDelivered() {
		t.Errorf("delivered SMS: %v delivered=%v", m.GetStatus(), m.GetDelivered())
	}
}

// TestQuietHours: an SMS due at 22:30 in Stockholm is held until 08:00
// and sent then; an e-mail is not held.
func TestQuietHours(t *testing.T) {
	t.Parallel()
	api := &elks{calls: map[string]int{}, hold: make(chan struct{})}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	sms := channel.NewElks(channel.ElksConfig{BaseURL: srv.URL, Username: "u123", Password: "p456", From: "Motesplats"})
	e := start(t, notice.Channels{SMS: sms})
	ctx := testutil.Context(t)
	e.clock.Add(10*time.Hour + 30*time.Minute) // 22:30 in Stockholm
	e.dir.mu.Lock()
	e.dir.people["p-night"] = notice.Person{FirstName: "N", Phone: "+46700000009", Language: "uk", Channel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS}
	e.dir.mu.Unlock()
	if err := e.svc.Plan(ctx, notice.Planned{CauseID: "c-night", PersonID: "p-night", Role: pb.Role_ROLE_NEWCOMER,
		Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: "pair-n", Template: pb.Template_TEMPLATE_CANCELLATION,
		OrganisationID: org, Municipality: muni}); err != nil {
		t.Fatal(err)
	}
	e.svc.SendDue(ctx)
	m := adminDeliveries(t, e, "p-night")[0]
	loc, _ := time.LoadLocation("Europe/Stockholm")
	if m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_HELD || m.GetNextAttemptTime().AsTime().In(loc).Format("15:04") != "08:00" {
		t.Fatalf("at 22:30: %v until %v", m.GetStatus(), m.GetNextAttemptTime().AsTime().In(loc))
	}
	e.clock.Add(9 * time.Hour) // 07:30
	e.svc.SendDue(ctx)
	if api.count("+46700000009") != 0 {
		t.Fatal("sent before 08:00")
	}
	e.clock.Add(31 * time.Minute)
	e.svc.SendDue(ctx)
	if m := adminDeliveries(t, e, "p-night")[0]; m.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT || api.count("+46700000009") != 1 {
		t.Errorf("at 08:01: %v after %d posts", m.GetStatus(), api.count("+46700000009"))
	}
}

// TestWebhookSigned: the webhook gets the message as JSON with a valid
// signature and the idempotency key; 503 is retried, 410 is permanent.
func TestWebhookSigned(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef")
	var mu sync.Mutex
	var posts int
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ts int64
		fmt.Sscan(r.Header.Get("X-Motesplats-Timestamp"), &ts)
		if r.Header.Get("X-Motesplats-Signature") != channel.Sign(secret, ts, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		posts++
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		if posts == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if strings.Contains(string(body), "+46700000666") {
			http.Error(w, "gone", http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	e := start(t, notice.Channels{Webhook: channel.NewWebhook(channel.WebhookConfig{URL: srv.URL, Secret: secret})})
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		for _, p := range []string{amina, erik} {
			if ds := adminDeliveries(t, e, p); len(ds) != 1 || ds[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT {
				e.clock.Add(2 * time.Second)
				return errors.New("not sent yet")
			}
		}
		return nil
	})
	m := adminDeliveries(t, e, amina)[0]
	if m.GetChannel() != pb.Channel_CHANNEL_WEBHOOK || m.GetIntendedChannel() != pb.Channel_CHANNEL_EMAIL {
		t.Errorf("channel %v intended %v", m.GetChannel(), m.GetIntendedChannel())
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 3 || keys[0] == "" {
		t.Errorf("%d posts with keys %v; want 3 (one retried)", posts, keys)
	}
}
