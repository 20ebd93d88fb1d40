package ops_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

const day = 24 * time.Hour

// runbookBlockLine is the line of docs/runbook.md that starts with
// prefix (a line of a shell block, run as written).
func runbookBlockLine(t *testing.T, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(readRoot(t, "docs", "runbook.md"), "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Fatalf("docs/runbook.md has no line starting %q", prefix)
	return ""
}

// stackAndNATS is the package's bin/stack and nats-server (mustBinaries):
// this test runs keygen, not the services, but a bin/stack of its own was
// a second build of every service, without -race, so nothing the test
// binary's compile left in the cache served it (over 3 minutes of a
// package's run on a clean clone, ADR 0278).
func stackAndNATS(t *testing.T) (stack, natsServer string) {
	t.Helper()
	bin, natsServer := mustBinaries(t)
	return filepath.Join(bin, "stack"), natsServer
}

// shortServerCert replaces dir's tls.crt and tls.key with a certificate
// of dir's CA for compose's names that ends in life: what keygen nats-tls
// made two years ago.
func shortServerCert(t *testing.T, dir string, life time.Duration) {
	t.Helper()
	ca := certtest.Load(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	tmpl := certtest.LeafTemplate(life, "nats", "localhost", "127.0.0.1")
	tmpl.NotBefore = time.Now().Add(-700 * day)
	certtest.Sign(t, tmpl, &ca).Write(t, filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
}

// composeNATS runs nats-server on compose's deploy/nats.conf (its users'
// file beside it), with its mounts (/certs, /data) and ports moved into
// the test's: start starts it, stop ends it as docker compose stop does
// (SIGTERM), signal sends it a signal as docker compose kill -s does.
type composeNATS struct {
	t    *testing.T
	bin  string
	conf string
	cmd  *exec.Cmd
	URL  string
}

func newComposeNATS(t *testing.T, bin, certs string) *composeNATS {
	t.Helper()
	dir := t.TempDir()
	port := testutil.FreePort(t)
	conf := readRoot(t, "deploy", "nats.conf")
	for from, to := range map[string]string{"/certs/": certs + "/", "store_dir: /data": "store_dir: " + filepath.Join(dir, "data"),
		"port: 4222": fmt.Sprintf("listen: 127.0.0.1:%d", port), "http: 8222": "http: 127.0.0.1:0"} {
		if !strings.Contains(conf, from) {
			t.Fatalf("deploy/nats.conf has no %q", from)
		}
		conf = strings.ReplaceAll(conf, from, to)
	}
	for name, text := range map[string]string{"nats.conf": conf, "nats-users.conf": readRoot(t, "deploy", "nats-users.conf")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n := &composeNATS{t: t, bin: bin, conf: filepath.Join(dir, "nats.conf"), URL: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	t.Cleanup(n.stop)
	return n
}

func (n *composeNATS) start() {
	n.t.Helper()
	n.cmd = exec.Command(n.bin, "-c", n.conf)
	n.cmd.Env = append(os.Environ(), natsEnv()...)
	log, err := os.Create(n.conf + ".log")
	if err != nil {
		n.t.Fatal(err)
	}
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	testutil.CheckFor(n.t, 30*time.Second, 20*time.Millisecond, func() error {
		c, err := net.Dial("tcp", strings.TrimPrefix(n.URL, "nats://"))
		if err != nil {
			return err
		}
		return c.Close()
	})
}

func (n *composeNATS) stop() {
	if n.cmd == nil || n.cmd.ProcessState != nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	_ = n.cmd.Wait()
}

// servedSerial is the serial of the certificate a new client is shown.
func servedSerial(t *testing.T, url string, auth service.NATSAuth) *big.Int {
	t.Helper()
	nc, err := service.ConnectNATS(url, "renewal-probe", auth)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cs, err := nc.TLSConnectionState()
	if err != nil {
		t.Fatal(err)
	}
	return cs.PeerCertificates[0].SerialNumber
}

// TestNATSTLS_RenewalAsTheRunbookSays (ADR 0241): compose's NATS
// (deploy/nats.conf, a real nats-server) serving a certificate of 10 days
// left, and a service connected to it that says so (NATSCertExpiryOf, the
// gauge's source). The runbook's renewal line, run as written (bin/stack
// for `go run ./services/stack`), keeps the CA and renews the
// certificate, and prints the runbook's Kubernetes lines. The runbook's
// reload (SIGHUP, as `docker compose kill -s HUP nats` sends) serves the
// new certificate to a new client while the connected one keeps its
// handshake; the runbook's restart (stop and start, as `docker compose
// restart nats`) has the service reconnect and verify the new one, two
// years left, with the CA it had. The runbook's Secret line, up to
// `kubectl apply` (no cluster here), holds the kept ca.crt and the new
// certificate; the StatefulSet mounts the Secret whole (no subPath, so a
// replaced Secret reaches the pods) and rolls (not OnDelete), so the
// runbook's `rollout restart` takes it.
func TestNATSTLS_RenewalAsTheRunbookSays(t *testing.T) {
	t.Parallel()
	built := time.Now()
	stack, natsServer := stackAndNATS(t)
	t.Logf("bin/stack ready (mustBinaries) in %v", time.Since(built).Round(time.Second))
	work := t.TempDir()
	shell := func(line string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", strings.ReplaceAll(line, "go run ./services/stack", stack))
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		return string(out)
	}
	keygen := runbookBlockLine(t, "go run ./services/stack keygen nats-tls")
	restart := runbookBlockLine(t, "docker compose restart nats")
	secret := runbookBlockLine(t, "kubectl -n motesplats create secret generic motesplats-nats-tls")
	roll := runbookBlockLine(t, "kubectl -n motesplats rollout restart statefulset/nats")
	if !strings.Contains(readRoot(t, "docs", "runbook.md"), "`docker compose kill -s HUP nats`") {
		t.Error("the runbook has no reload line `docker compose kill -s HUP nats`")
	}
	shell(keygen)
	certs := filepath.Join(work, "certs")
	shortServerCert(t, certs, 10*day)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(certs, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ca, old := read("ca.crt"), read("tls.crt")

	n := newComposeNATS(t, natsServer, certs)
	n.start()
	caTLS, err := service.NATSTLSConfig(filepath.Join(certs, "ca.crt"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	auth := service.NATSAuth{User: service.NATSToolsUser, Password: natsTestPassword(service.NATSToolsUser), TLS: caTLS}
	nc, err := service.ConnectNATS(n.URL, "renewal-test", auth, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if e := service.NATSCertExpiryOf(nc); !e.OK || time.Until(e.Server) > 10*day {
		t.Fatalf("the service is shown %v (ok %v), want the certificate of 10 days", e.Server, e.OK)
	}
	oldSerial := servedSerial(t, n.URL, auth)

	out := shell(keygen)
	if !bytes.Equal(read("ca.crt"), ca) || bytes.Equal(read("tls.crt"), old) {
		t.Fatalf("the runbook's renewal did not keep the CA and renew the certificate:\n%s", out)
	}
	for _, line := range []string{restart, secret, roll} {
		if !strings.Contains(out, line) {
			t.Errorf("keygen's renewal does not print the runbook's %q:\n%s", line, out)
		}
	}

	// Reload: new connections get the new certificate, the connected
	// service keeps its handshake.
	reload := time.Now()
	if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if s := servedSerial(t, n.URL, auth); s.Cmp(oldSerial) == 0 {
			return fmt.Errorf("a new client is still shown the old certificate after the reload")
		}
		return nil
	})
	t.Logf("a new client was shown the renewed certificate %v after the reload", time.Since(reload).Round(time.Millisecond))
	if e := service.NATSCertExpiryOf(nc); time.Until(e.Server) > 10*day {
		t.Errorf("the connected service was shown the new certificate without reconnecting: %v", e.Server)
	}

	// Restart: the service reconnects and verifies the new certificate
	// with the CA it has always had.
	reconnected := nc.Stats().Reconnects
	restarted := time.Now()
	n.stop()
	n.start()
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		if e := service.NATSCertExpiryOf(nc); !e.OK || time.Until(e.Server) < 700*day {
			return fmt.Errorf("the service is shown %v after the restart (ok %v), want two years", e.Server, e.OK)
		}
		return nil
	})
	t.Logf("the service verified the renewed certificate %v after the restart began", time.Since(restarted).Round(time.Millisecond))
	if nc.Stats().Reconnects == reconnected {
		t.Error("the service did not reconnect")
	}
	if err := nc.Flush(); err != nil {
		t.Errorf("the reconnected service: %v", err)
	}

	// Kubernetes: the runbook's Secret, made offline.
	dry, ok := strings.CutSuffix(secret, " | kubectl apply -f -")
	if !ok {
		t.Fatalf("the runbook's Secret line does not end in kubectl apply: %s", secret)
	}
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	var s struct {
		Kind string            `yaml:"kind"`
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal([]byte(shell(dry)), &s); err != nil || s.Kind != "Secret" {
		t.Fatalf("the runbook's Secret: %v %q", err, s.Kind)
	}
	for key, want := range map[string][]byte{"ca.crt": ca, "tls.crt": read("tls.crt"), "tls.key": read("tls.key")} {
		if got, _ := base64.StdEncoding.DecodeString(s.Data[key]); !bytes.Equal(got, want) {
			t.Errorf("the runbook's Secret: %s is not certs/%s", key, key)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(root, "deploy", "k8s"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rm.Resources() {
		if r.GetKind() != "StatefulSet" || r.GetName() != "nats" {
			continue
		}
		sts, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := get(sts, "spec", "updateStrategy", "type").(string); st == "OnDelete" {
			t.Error("the NATS StatefulSet rolls OnDelete: rollout restart would not replace its pods")
		}
		c := asSlice(get(sts, "spec", "template", "spec", "containers"))[0]
		for _, m := range asSlice(get(c, "volumeMounts")) {
			if get(m, "mountPath") == "/etc/nats-tls" && get(m, "subPath") != nil {
				t.Error("the NATS pods mount the TLS Secret by subPath: a replaced Secret never reaches them")
			}
		}
		if !mountsSecret(sts, "/etc/nats-tls", "motesplats-nats-tls", nil) {
			t.Error("the NATS pods do not mount the Secret motesplats-nats-tls at /etc/nats-tls")
		}
	}
}
