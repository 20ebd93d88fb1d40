package server_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/services/gateway/server"
)

// TestMain lets the test binary double as the gateway binary: with
// MP_GATEWAY_CHILD_DIR set it runs the gateway as cmd/gateway does
// (service.Main: its signals, its NATS connection, its drain), writing
// its address to that directory, instead of the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_GATEWAY_CHILD_DIR"); dir != "" {
		cfg, err := server.ConfigFromEnv(os.Getenv)
		service.Main("gateway", server.DefaultAddr, err, func(ctx context.Context, addr string, d service.Deps) error {
			cfg.Addr = addr
			return server.Run(ctx, cfg, d, func(r server.Running) {
				_ = os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(r.Addr.String()), 0o600)
				_ = os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr"))
			})
		})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gatewayProcess starts the gateway as its own process on n and returns
// it with its base URL.
func gatewayProcess(t *testing.T, n *testutil.NATS) (*exec.Cmd, <-chan error, string) {
	t.Helper()
	dir := t.TempDir()
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	kek, _ := sealtest.KEKText(t)
	// The other owners' key buckets, which `stack ensure` makes before the
	// services: the gateway's keyring waits for them (ADR 0244).
	if _, err := seal.EnsureKeyBuckets(testutil.Context(t), n.JS, 1); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MP_GATEWAY_CHILD_DIR="+dir, "NATS_URL="+n.Server.ClientURL(), "GATEWAY_ADDR=127.0.0.1:0",
		service.MetricsEnv+"=off", "MP_SIGNING_KEY="+auth.EncodePrivateKey(key),
		"MP_PUBLIC_KEYS=local="+auth.EncodePublicKey(key.Public().(ed25519.PublicKey)), "MP_DATA_KEY="+kek, "LOG_LEVEL=error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var addr []byte
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-exited:
			t.Fatalf("the gateway exited before it listened: %v", err)
		default:
		}
		addr, err = os.ReadFile(filepath.Join(dir, "addr"))
		return err
	})
	return cmd, exited, "http://" + string(addr)
}

// TestSIGTERMWritesTheCountedRefusals: refusals for addresses no account
// has are counted per minute and network, the first written at once, the
// rest as one entry at the minute's end (ADR 0221). A gateway stopped
// (SIGTERM, as Kubernetes and make run's Ctrl-C stop it) within the
// minute writes its counts before it exits: nothing the log was told is
// lost by a deploy.
func TestSIGTERMWritesTheCountedRefusals(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	cmd, exited, base := gatewayProcess(t, n)
	tokens := gatewayv1connect.NewApiTokenServiceClient(&http.Client{Timeout: 30 * time.Second}, base)
	const tries = 6
	for i := range tries {
		_, err := tokens.CreateApiToken(ctx, connect.NewRequest(&gatewayv1.CreateApiTokenRequest{
			Email: fmt.Sprintf("ingen%d@example.org", i), Password: "gissning-1234", Name: "mp"}))
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("try %d: %v, want Unauthenticated", i, err)
		}
	}
	entries := func() []*gatewayv1.AuditEntry {
		s, err := n.JS.Stream(ctx, events.StreamAudit)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []*gatewayv1.AuditEntry
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if err != nil {
				t.Fatal(err)
			}
			e := &gatewayv1.AuditEntry{}
			if err := proto.Unmarshal(m.Data, e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		return out
	}
	// The minute's first is in the log at once; the bound is only for a
	// machine under load (10 s ran out once beside four other test runs).
	testutil.CheckFor(t, 60*time.Second, 10*time.Millisecond, func() error {
		if es := entries(); len(es) != 1 {
			return fmt.Errorf("%d entries, want the first refusal's", len(es))
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Errorf("the gateway's exit after SIGTERM: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the gateway did not stop")
	}
	var got []string
	counted := int32(0)
	for _, e := range entries() {
		got = append(got, fmt.Sprintf("%s %s %s count %d", e.GetAction(), e.GetOutcome(), e.GetRemoteAddr(), e.GetCount()))
		if e.GetOutcome() == "no_account" {
			counted += max(e.GetCount(), 1)
		}
	}
	if counted != tries {
		t.Errorf("after SIGTERM the log counts %d refusals, want %d: %s", counted, tries, strings.Join(got, "; "))
	}
}
