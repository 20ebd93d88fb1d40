package server_test

import (
	"context"
	"crypto/ed25519"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/server"
)

// start runs the service on a free port over a private NATS and returns
// a function that dials it with a token for claims.
func start(t *testing.T) func(auth.Claims) *grpc.ClientConn {
	t.Helper()
	return startOn(t, testutil.MustNATS(t))
}

// startOn is start over a given NATS, for tests that look at its streams.
func startOn(t *testing.T, n *testutil.NATS) func(auth.Claims) *grpc.ClientConn {
	t.Helper()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	d := service.Deps{JS: n.JS, Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, time.Now, time.Second)}
	o, err := server.OptionsFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	o.SigningKey, o.KeyID, o.LinkKeyFile = key, "k1", t.TempDir()+"/link.key"
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, "127.0.0.1:0", d, o, func(a net.Addr) { addr <- a }) }()
	var a net.Addr
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	signer := auth.NewSigner(key, "k1", time.Now)
	return func(c auth.Claims) *grpc.ClientConn {
		tok, err := signer.Sign(c, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := grpcx.Dial(a.String(), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(tok))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
}

var (
	admin   = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
	coord   = auth.Claims{Subject: "u-c", Role: auth.RoleCoordinator, Organisation: "org-a", Municipalities: []string{"0180"}}
	gateway = auth.Claims{Subject: "gateway", Role: auth.RoleService}
)

func violated(err error, field string) bool {
	for _, fv := range grpcx.FieldViolations(err) {
		if fv.Field == field {
			return true
		}
	}
	return false
}

// TestValidationAndAccess: every RPC refuses bad input with field
// violations, the mailbox is for admins, AnswerService for the gateway,
// and a token that was never issued is a state, not an error.
func TestValidationAndAccess(t *testing.T) {
	t.Parallel()
	dial := start(t)
	ctx := testutil.Context(t)
	adm := pb.NewNotificationServiceClient(dial(admin))
	co := pb.NewNotificationServiceClient(dial(coord))
	gw := pb.NewAnswerServiceClient(dial(gateway))
	for _, tc := range []struct {
		name  string
		call  func() error
		code  codes.Code
		field string
	}{
		{"mailbox page size", func() error { _, err := adm.ListMailbox(ctx, &pb.ListMailboxRequest{PageSize: 501}); return err },
			codes.InvalidArgument, "page_size"},
		{"mailbox page token", func() error { _, err := adm.ListMailbox(ctx, &pb.ListMailboxRequest{PageToken: "x"}); return err },
			codes.InvalidArgument, "page_token"},
		{"mailbox for a coordinator", func() error { _, err := co.ListMailbox(ctx, &pb.ListMailboxRequest{}); return err },
			codes.PermissionDenied, ""},
		{"mailbox message id", func() error {
			_, err := adm.GetMailboxMessage(ctx, &pb.GetMailboxMessageRequest{Id: "a.b"})
			return err
		}, codes.InvalidArgument, "id"},
		{"mailbox message absent", func() error {
			_, err := adm.GetMailboxMessage(ctx, &pb.GetMailboxMessageRequest{Id: "m0"})
			return err
		}, codes.NotFound, ""},
		{"deliveries without a person or proposal", func() error {
			_, err := co.ListDeliveries(ctx, &pb.ListDeliveriesRequest{})
			return err
		}, codes.InvalidArgument, "person_id"},
		{"deliveries with both", func() error {
			_, err := co.ListDeliveries(ctx, &pb.ListDeliveriesRequest{PersonId: "p", ProposalId: "q"})
			return err
		}, codes.InvalidArgument, "person_id"},
		{"resolve without a token", func() error { _, err := gw.ResolveLink(ctx, &pb.ResolveLinkRequest{}); return err },
			codes.InvalidArgument, "token"},
		{"resolve a 10 kB token", func() error {
			_, err := gw.ResolveLink(ctx, &pb.ResolveLinkRequest{Token: strings.Repeat("a", 10_000)})
			return err
		}, codes.InvalidArgument, "token"},
		{"answer without an action", func() error { _, err := gw.Answer(ctx, &pb.AnswerRequest{Token: "abc"}); return err },
			codes.InvalidArgument, "action"},
		{"answer with an unknown reason", func() error {
			_, err := gw.Answer(ctx, &pb.AnswerRequest{Token: "abc", Action: pb.AnswerAction_ANSWER_ACTION_DECLINE, Reason: 99})
			return err
		}, codes.InvalidArgument, "reason"},
		{"answer by a coordinator", func() error {
			_, err := pb.NewAnswerServiceClient(dial(coord)).Answer(ctx, &pb.AnswerRequest{Token: "abc", Action: 1})
			return err
		}, codes.PermissionDenied, ""},
	} {
		err := tc.call()
		if status.Code(err) != tc.code || (tc.field != "" && !violated(err, tc.field)) {
			t.Errorf("%s: %v; want %v on %q", tc.name, err, tc.code, tc.field)
		}
	}
	r, err := gw.ResolveLink(ctx, &pb.ResolveLinkRequest{Token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	if err != nil || r.GetState() != pb.LinkState_LINK_STATE_INVALID || r.GetOffer() != nil {
		t.Errorf("a forged token: %v, %v", r, err)
	}
	// Guessing tokens is cut off (per replica, 20 failed checks a second).
	var limited bool
	for range 100 {
		if _, err := gw.ResolveLink(ctx, &pb.ResolveLinkRequest{Token: "guess"}); status.Code(err) == codes.ResourceExhausted {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("100 forged tokens in a row were not rate-limited")
	}
}

// TestOptionsFromEnv: the channels' settings are parsed, and a bad one
// names its variable.
func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"MP_SMTP_URL":              "smtp://mp:secret@mail.example.org?from=noreply@example.org",
		"MP_SMS_URL":               "https://u:p@api.46elks.com?from=Motesplats",
		"MP_WEBHOOK_URL":           "https://hooks.example.org/mp",
		"MP_WEBHOOK_SECRET":        "MDEyMzQ1Njc4OWFiY2RlZg==",
		"MP_QUIET_HOURS":           "22-7",
		"MP_LINK_KEY":              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"MP_NOTIFY_RETENTION_DAYS": "30",
	}
	o, err := server.OptionsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.SMTP.Addr != "mail.example.org:587" || o.SMTP.Username != "mp" || o.SMTP.From != "noreply@example.org" ||
		o.SMS.BaseURL != "https://api.46elks.com" || o.SMS.From != "Motesplats" || o.Webhook == nil ||
		o.Quiet.Start != 22 || o.Quiet.End != 7 || len(o.LinkKey) != 32 || o.Retention != 30*24*time.Hour {
		t.Errorf("options = %+v", o)
	}
	if strings.Contains(o.String(), "secret") {
		t.Errorf("the start-up line shows the SMTP password: %s", o)
	}
	for k, bad := range map[string]string{"MP_SMTP_URL": "smtp://host", "MP_SMS_URL": "ftp://x", "MP_QUIET_HOURS": "late",
		"MP_LINK_KEY": "short", "MP_WEBHOOK_SECRET": "c2hvcnQ=", "MP_NOTIFY_RETENTION_DAYS": "0", "MP_BOUNCE_SECRET": "short",
		"MP_PUBLIC_URL": "motesplats.example.org", "MP_QUIET_TZ": "Europe/Gothenburg", "MP_SIGNING_KEY": "abc",
		"MP_BOUNCE_ADDR": "127.0.0.1:70000", "MENTORING_ADDR": "mentoring:x", "MP_WEBHOOK_URL": "hooks.example.org"} {
		e := map[string]string{k: bad}
		if k == "MP_WEBHOOK_SECRET" {
			e["MP_WEBHOOK_URL"] = "https://x"
		}
		if k == "MP_BOUNCE_SECRET" {
			e["MP_BOUNCE_ADDR"] = "127.0.0.1:0"
		}
		if k == "MP_BOUNCE_ADDR" {
			e["MP_BOUNCE_SECRET"] = "0123456789abcdef"
		}
		if k == "MP_WEBHOOK_URL" {
			e["MP_WEBHOOK_SECRET"] = "MDEyMzQ1Njc4OWFiY2RlZg=="
		}
		_, err := server.OptionsFromEnv(func(k string) string { return e[k] })
		testutil.MustRefuse(t, err, k)
	}
	// SMTP in clear is for a relay on this machine only.
	for host, ok := range map[string]bool{"mail.example.org": false, "10.0.0.5": false, "127.0.0.1:1025": true, "[::1]:1025": true, "localhost": true} {
		url := "smtp://" + host + "?from=a@example.org&tls=none"
		if _, err := server.OptionsFromEnv(func(k string) string { return map[string]string{"MP_SMTP_URL": url}[k] }); (err == nil) != ok {
			t.Errorf("%s: err %v, want accepted %t", url, err, ok)
		}
	}
}
