package ops_test

import (
	"cmp"
	"crypto/ed25519"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// deployed are the processes the compose file and the manifests run:
// each service of service.Known that exists, and the gateway.
func deployed(t *testing.T) []service.Info {
	t.Helper()
	var out []service.Info
	for _, s := range service.Known() {
		if _, err := os.Stat(filepath.Join(root, "services", s.Name)); err == nil {
			out = append(out, s)
		}
	}
	if len(out) < 3 {
		t.Fatalf("only %d services found under %s/services", len(out), root)
	}
	return out
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// readByCode is true when some binary reads the variable, as the scan
// of TestEveryVariableDocumented finds it (codeVars): an env var in a
// manifest the code never reads is a typo or a leftover. It was a search
// for the quoted name in the source, which any string passed (a
// comment's example, a log field) satisfied.
func readByCode(t *testing.T) func(name string) bool {
	t.Helper()
	vars := codeVars(t)
	return func(name string) bool {
		_, ok := vars[name]
		return ok
	}
}

// TestCompose loads docker-compose.yml with compose-go, the loader
// docker compose itself uses, and checks every service against the code:
// it listens on its default port (in the variable the code reads),
// publishes that port and its metrics port, and every variable is one the
// code reads; the gateway calls each service at its port.
func TestCompose(t *testing.T) {
	t.Parallel()
	// Keys of the right form, as keygen writes them to .env, so the
	// services' own parsers can be run on what compose gives them.
	signing, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	notifySigning, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	operatorSigning, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dataKey, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	public := service.AddOperatorKey(service.BindPublicKeys("local="+auth.EncodePublicKey(signing.Public().(ed25519.PublicKey)),
		notifySigning.Public().(ed25519.PublicKey)), operatorSigning.Public().(ed25519.PublicKey))
	// The .env keygen writes holds the operators' key too (ADR 0217): it is
	// there for the tools run beside compose, and no container may get it.
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("motesplats"),
		cli.WithEnv(append([]string{"MP_PUBLIC_KEYS=" + public, "MP_NOTIFY_SIGNING_KEY=" + auth.EncodePrivateKey(notifySigning),
			"MP_SIGNING_KEY=" + auth.EncodePrivateKey(signing), "MP_OPERATOR_SIGNING_KEY=" + auth.EncodePrivateKey(operatorSigning),
			"MP_DATA_KEY=" + dataKey}, natsEnv()...)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(testutil.Context(t))
	if err != nil {
		t.Fatalf("compose-go: %v", err)
	}
	known := readByCode(t)
	ca, err := service.NewNATSCA("compose test CA")
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(name string, listenEnv string, listen, metrics int) {
		svc, ok := p.Services[name]
		if !ok {
			t.Errorf("compose: no service %s", name)
			return
		}
		env := map[string]string{}
		for k, v := range svc.Environment {
			if v != nil {
				env[k] = *v
			}
			if !known(k) {
				t.Errorf("compose %s: %s is read by no code", name, k)
			}
		}
		if got, want := env[listenEnv], "0.0.0.0:"+strconv.Itoa(listen); got != want {
			t.Errorf("compose %s: %s=%q, want %q", name, listenEnv, got, want)
		}
		if got, want := env[service.MetricsEnv], "0.0.0.0:"+strconv.Itoa(metrics); got != want {
			t.Errorf("compose %s: %s=%q, want %q", name, service.MetricsEnv, got, want)
		}
		var published []int
		for _, pc := range svc.Ports {
			published = append(published, int(pc.Target))
		}
		for _, want := range []int{listen, metrics} {
			if !slices.Contains(published, want) {
				t.Errorf("compose %s: port %d not published (%v)", name, want, published)
			}
		}
		if env["NATS_URL"] == "" || env["MP_PUBLIC_KEYS"] == "" {
			t.Errorf("compose %s: NATS_URL or MP_PUBLIC_KEYS missing", name)
		}
		// Each process signs in as its own NATS user with its own password
		// (ADR 0226); no other user's password is in its environment.
		if env[service.NATSUserEnv] != name || env[service.NATSPasswordEnv] != natsTestPassword(name) {
			t.Errorf("compose %s: NATS_USER=%q NATS_PASSWORD=%q; want its own user and .env's %s",
				name, env[service.NATSUserEnv], env[service.NATSPasswordEnv], service.NATSPasswordVar(name))
		}
		for k, v := range env {
			for _, other := range natsEnv() {
				if _, pw, _ := strings.Cut(other, "="); v == pw && pw != natsTestPassword(name) {
					t.Errorf("compose %s: %s is another NATS user's password (%s)", name, k, other)
				}
			}
		}
		// NATS' CA (ADR 0230): a file the container mounts from ./certs,
		// and no key of ./certs (the server's, the CA's) in the container.
		mounted := map[string]string{}
		for _, v := range svc.Volumes {
			mounted[v.Target] = v.Source
			if strings.HasSuffix(v.Source, ".key") {
				t.Errorf("compose %s: mounts the key %s", name, v.Source)
			}
		}
		if ca := env[service.NATSCAFileEnv]; ca == "" || mounted[ca] != filepath.Join(root, "certs", "ca.crt") {
			t.Errorf("compose %s: NATS_CA_FILE=%q is not ./certs/ca.crt mounted (%v)", name, ca, mounted)
		} else {
			env[service.NATSCAFileEnv] = caFile // the mount's contents, here
		}
		// The process would start with this environment: no refusal of
		// the shared settings, the data key or its listen address (ADR 0186).
		if _, err := service.ConfigFromEnv(name, "", func(k string) string { return env[k] }); err != nil {
			t.Errorf("compose %s: the service refuses its environment:\n%v", name, err)
		}
		if _, err := seal.KEKsFromEnv(func(k string) string { return env[k] }); err != nil {
			t.Errorf("compose %s: %v", name, err)
		}
		// A signer's key is the one MP_PUBLIC_KEYS names by its key id,
		// bound to the signer's own grants: notify's signs no person.
		if env["MP_SIGNING_KEY"] != "" {
			keys, _ := service.ParsePublicKeys(env["MP_PUBLIC_KEYS"])
			kid := cmp.Or(env["MP_SIGNING_KEY_ID"], "local")
			k, err := auth.DecodePrivateKey(env["MP_SIGNING_KEY"])
			if err != nil || !keys[kid].Key.Equal(k.Public()) {
				t.Errorf("compose %s: MP_SIGNING_KEY is not the key MP_PUBLIC_KEYS names %s (%v)", name, kid, err)
			}
			if want := name == "gateway"; keys[kid].Grants.Users != want {
				t.Errorf("compose %s: its key %s signs people's roles: %t, want %t", name, kid, keys[kid].Grants.Users, want)
			}
		}
		// The operators' key is the tools', run outside compose: no
		// container holds it, and every one verifies it bound to people's
		// roles only (ADR 0217).
		for k, v := range env {
			if v == auth.EncodePrivateKey(operatorSigning) {
				t.Errorf("compose %s: %s is the operators' private key", name, k)
			}
		}
		keys, _ := service.ParsePublicKeys(env["MP_PUBLIC_KEYS"])
		if op := keys[service.OperatorKeyID]; !op.Key.Equal(operatorSigning.Public()) || op.Grants.String() != service.OperatorBinding {
			t.Errorf("compose %s: MP_PUBLIC_KEYS has the operators' key as %v, want it bound %s", name, op.Grants, service.OperatorBinding)
		}
	}
	for _, s := range deployed(t) {
		if _, ok := p.Services[s.Name]; !ok && s.Name != service.Participants.Name && s.Name != service.Volunteers.Name && s.Name != service.Mentoring.Name {
			t.Logf("compose: %s is not in the compose file yet", s.Name)
			continue
		}
		check(s.Name, s.Env, port(t, s.Addr), port(t, service.DefaultMetricsAddr(s.Name)))
		if gw := p.Services["gateway"]; gw.Environment[s.Env] == nil || *gw.Environment[s.Env] != s.Name+":"+strconv.Itoa(port(t, s.Addr)) {
			t.Errorf("compose gateway: %s should be %s:%d", s.Env, s.Name, port(t, s.Addr))
		}
	}
	check("gateway", "GATEWAY_ADDR", 8080, port(t, service.DefaultMetricsAddr("gateway")))
	// NATS gets every password deploy/nats-users.conf reads, and is
	// published on this machine's loopback only.
	n := p.Services["nats"]
	for _, e := range natsEnv() {
		k, want, _ := strings.Cut(e, "=")
		if v := n.Environment[k]; v == nil || *v != want {
			t.Errorf("compose nats: %s is not .env's", k)
		}
	}
	// Its certificate, key and CA from ./certs, where its configuration
	// reads them (deploy/nats.conf; ADR 0230).
	nmounts := map[string]string{}
	for _, v := range n.Volumes {
		nmounts[v.Target] = v.Source
	}
	for _, f := range []string{"tls.crt", "tls.key", "ca.crt"} {
		if nmounts["/certs/"+f] != filepath.Join(root, "certs", f) {
			t.Errorf("compose nats: /certs/%s is not ./certs/%s (%v)", f, f, nmounts)
		}
	}
	for _, pc := range n.Ports {
		if pc.HostIP != "127.0.0.1" {
			t.Errorf("compose nats: port %d published on %q, want 127.0.0.1", pc.Target, pc.HostIP)
		}
	}
}

// natsTestPassword is user's NATS password in the compose test's .env.
func natsTestPassword(user string) string { return "mp" + user + "password" }

// natsEnv is the NATS users' passwords of an .env (keygen): ADR 0225's
// NATS_PASSWORD and NATS_SYS_PASSWORD, and each user's of ADR 0226.
func natsEnv() []string {
	env := []string{"NATS_PASSWORD=" + natsTestPassword(service.NATSClientUser), "NATS_SYS_PASSWORD=" + natsTestPassword(service.NATSSystemUser)}
	for _, u := range service.NATSServiceUsers() {
		env = append(env, service.NATSPasswordVar(u)+"="+natsTestPassword(u))
	}
	return env
}
