package server_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/services/gateway/internal/cli"
)

// childGateway is the gateway as its own process (TestMain's child) on
// one NATS, with one signing key and data key, so it can be killed and
// started again on the same address as `make restart` does.
type childGateway struct {
	t      *testing.T
	env    []string
	cmd    *exec.Cmd
	exited chan error
}

func newChildGateway(t *testing.T, n *testutil.NATS, env ...string) *childGateway {
	t.Helper()
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
	return &childGateway{t: t, env: append([]string{"NATS_URL=" + n.Server.ClientURL(), service.MetricsEnv + "=off",
		"MP_SIGNING_KEY=" + auth.EncodePrivateKey(key), "MP_PUBLIC_KEYS=local=" + auth.EncodePublicKey(key.Public().(ed25519.PublicKey)),
		"MP_DATA_KEY=" + kek, "LOG_LEVEL=error"}, env...)}
}

// start runs the gateway on addr ("127.0.0.1:0" for any port) and returns
// its base URL once it listens.
func (g *childGateway) start(addr string) string {
	g.t.Helper()
	dir := g.t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), g.env...), "MP_GATEWAY_CHILD_DIR="+dir, "GATEWAY_ADDR="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	g.t.Cleanup(func() { _ = cmd.Process.Kill() })
	g.cmd, g.exited = cmd, exited
	var got []byte
	testutil.CheckFor(g.t, 60*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-exited:
			g.t.Fatalf("the gateway exited before it listened: %v", err)
		default:
		}
		var err error
		got, err = os.ReadFile(filepath.Join(dir, "addr"))
		return err
	})
	return "http://" + string(got)
}

// kill stops the gateway as a crash or `make restart` does (SIGKILL) and
// waits for the process to end.
func (g *childGateway) kill() {
	g.t.Helper()
	if err := g.cmd.Process.Kill(); err != nil {
		g.t.Fatal(err)
	}
	<-g.exited
}

// mpWaiting runs mp in Swedish with stderr to errw and wait as its
// RestartWait.
func mpWaiting(t *testing.T, dir string, errw *testutil.LogBuffer, wait time.Duration, args ...string) (string, error) {
	var out bytes.Buffer
	env := cli.Env{In: strings.NewReader(""), Out: &out, Err: errw, RestartWait: wait, HTTP: &http.Client{Timeout: time.Minute},
		Getenv: func(k string) string {
			return map[string]string{"MP_CONFIG_DIR": dir, "MP_PASSWORD": adminPass, "MP_LANG": "sv"}[k]
		}}
	err := cli.Run(testutil.Context(t), args, env)
	return out.String(), err
}

// TestMpWaitsOutAGatewayRestart: mp stopped at the first refused dial, so
// a `make restart` of the gateway while a coordinator ran mp commands
// failed each command run meanwhile with "ingen gateway svarar" (ADR 0240's
// finding). A read now waits for the gateway, saying so on stderr in the
// user's language, and is answered by the gateway started again on the
// same address (a real gateway process, SIGKILLed); a gateway that stays
// away is still said so in words when the wait is over.
func TestMpWaitsOutAGatewayRestart(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	g := newChildGateway(t, n, "MP_ADMIN_EMAIL="+adminEmail, "MP_ADMIN_PASSWORD="+adminPass)
	base := g.start("127.0.0.1:0")
	dir := t.TempDir()
	if out, err := mpWaiting(t, dir, &testutil.LogBuffer{}, 0, "login", "-server", base, "-email", adminEmail); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}

	g.kill()
	stderr := &testutil.LogBuffer{}
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		// A minute's wait: far more than the restart below needs; the
		// test's point is that the command waits, not how long.
		out, err := mpWaiting(t, dir, stderr, time.Minute, "whoami")
		done <- result{out, err}
	}()
	const waits = "mp: ingen gateway svarar på " // the line's start
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !strings.Contains(stderr.String(), waits) {
			return fmt.Errorf("mp's stderr %q, want it to say it waits", stderr.String())
		}
		return nil
	})
	g.start(strings.TrimPrefix(base, "http://"))
	r := <-done
	if r.err != nil || !strings.Contains(r.out, adminEmail) {
		t.Errorf("mp whoami across the restart: %v\n%s", r.err, r.out)
	}
	if got := stderr.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, waits+base+" just nu; mp väntar upp till 60 s på att den startar igen") {
		t.Errorf("stderr %q, want the one line that mp waits, in Swedish", got)
	}

	// Gone for good: the wait ends, and mp says so in words.
	g.kill()
	stderr = &testutil.LogBuffer{}
	_, err := mpWaiting(t, dir, stderr, time.Second, "whoami")
	if err == nil || err.Error() != "ingen gateway svarar på "+base+". Är systemet igång (make run)? mp använder adressen från mp login; logga in med -server URL om gatewayn finns på en annan." {
		t.Errorf("mp whoami with no gateway: %v, want the words that none answers", err)
	}
	if !strings.Contains(stderr.String(), waits) {
		t.Errorf("stderr %q, want it to say it waited", stderr.String())
	}
}
