package ops_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// updateUsers writes the users of layout's grants into the shipped
// configurations (deploy/nats-users.conf, the ConfigMap's users.conf):
// go test -run TestNATSConfig_UsersAreTheGrants -update-nats-users.
var updateUsers = flag.Bool("update-nats-users", false, "write layout's NATS users into deploy/nats-users.conf, "+
	readOnlyUsersFile+" and deploy/k8s/nats.yaml")

// readOnlyUsersFile is deploy/nats-users.conf for ADR 0234's phase 3
// (layout.LegacyKeysReadOnly): what an operator mounts instead once
// `stack rewrap` reports no key of before left (docs/runbook.md).
const readOnlyUsersFile = "deploy/nats-users-legacy-keys-read-only.conf"

// testPasswords are the passwords the shipped configurations read from
// their environment in these tests, one per user.
func testPasswords(t *testing.T) map[string]string {
	t.Helper()
	pw := map[string]string{service.NATSClientUser: "mplegacypassword"}
	for _, u := range append(service.NATSServiceUsers(), service.NATSSystemUser, service.NATSRouteUser) {
		pw[u] = "mp" + u + "password"
	}
	return pw
}

// shipped is one NATS configuration we ship, written to a directory as
// the deployment mounts it.
type shipped struct {
	name, path string
	// legacy: it keeps ADR 0225's single user for this release.
	legacy bool
}

// shippedConfigs writes compose's deploy/nats.conf with its
// nats-users.conf, the Kubernetes ConfigMap's nats.conf with its
// users.conf, and make up's generated configuration, and sets the
// environment the first two read their passwords (and Kubernetes its
// route URLs) from.
func shippedConfigs(t *testing.T, pw map[string]string) []shipped {
	t.Helper()
	t.Setenv(service.NATSPasswordEnv, pw[service.NATSClientUser])
	for u, p := range pw {
		if u != service.NATSClientUser {
			t.Setenv(service.NATSPasswordVar(u), p)
		}
	}
	t.Setenv("POD_NAME", "nats-0")
	for _, i := range []string{"0", "1", "2"} {
		t.Setenv("NATS_ROUTE_"+i, "nats://route:"+pw[service.NATSRouteUser]+"@nats-"+i+".nats-cluster:6222")
	}
	write := func(dir string, files map[string]string) {
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// NATS' TLS (ADR 0230): one CA and certificate for the three, as
	// make up makes them, under compose's and Kubernetes' file names too;
	// the clients trust the CA through NATS_CA_FILE (shippedTLS).
	tlsDir := t.TempDir()
	if err := layout.EnsureNATSCerts(layout.Options{NATSNodes: 1, NATSTLS: tlsDir}); err != nil {
		t.Fatal(err)
	}
	for from, to := range map[string]string{"n1.crt": "tls.crt", "n1.key": "tls.key"} {
		b, err := os.ReadFile(filepath.Join(tlsDir, from))
		if err != nil {
			t.Fatal(err)
		}
		write(tlsDir, map[string]string{to: string(b)})
	}
	t.Setenv(service.NATSCAFileEnv, layout.NATSCAFile(tlsDir))
	// The mounted secrets' directories are the test's.
	mounted := func(text, mount string) string {
		if !strings.Contains(text, "cert_file: "+mount+"tls.crt") || !strings.Contains(text, "ca_file: "+mount+"ca.crt") {
			t.Fatalf("the configuration takes no certificate from %s:\n%s", mount, text)
		}
		return strings.ReplaceAll(text, mount, tlsDir+"/")
	}
	var out []shipped
	compose := t.TempDir()
	write(compose, map[string]string{"nats.conf": mounted(readRoot(t, "deploy", "nats.conf"), "/certs/"),
		"nats-users.conf": readRoot(t, "deploy", "nats-users.conf")})
	out = append(out, shipped{"compose", filepath.Join(compose, "nats.conf"), true})
	k8s := t.TempDir()
	cm := configMap(t)
	write(k8s, map[string]string{"nats.conf": mounted(cm["nats.conf"], "/etc/nats-tls/"), "users.conf": cm["users.conf"]})
	out = append(out, shipped{"kubernetes", filepath.Join(k8s, "nats.conf"), true})
	procs, err := layout.Plan(layout.Options{Dir: t.TempDir(), Bin: t.TempDir(), NATSServer: "nats-server", NATSNodes: 1,
		Services: []string{}, NATSPasswords: pw, NATSTLS: tlsDir})
	if err != nil {
		t.Fatal(err)
	}
	up := t.TempDir()
	write(up, map[string]string{"nats.conf": procs[0].ConfigText})
	return append(out, shipped{"make up", filepath.Join(up, "nats.conf"), false})
}

// shippedTLS is a client's TLS for the shipped configurations of
// shippedConfigs: their CA, from NATS_CA_FILE as every process reads it,
// and the tools' client certificate beside it, which make up's verifies
// (ADR 0276) and compose's and Kubernetes' do not ask for.
func shippedTLS(t *testing.T) *tls.Config {
	t.Helper()
	ca := os.Getenv(service.NATSCAFileEnv)
	cert, key := layout.NATSClientFiles(filepath.Dir(ca), service.NATSToolsUser)
	c, err := service.NATSTLSConfig(ca, cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readRoot(t *testing.T, path ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{root}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// configMap is the data of deploy/k8s/nats.yaml's ConfigMap.
func configMap(t *testing.T) map[string]string {
	t.Helper()
	var cm struct {
		Kind string
		Data map[string]string
	}
	if err := yaml.Unmarshal([]byte(readRoot(t, "deploy", "k8s", "nats.yaml")), &cm); err != nil || cm.Kind != "ConfigMap" || cm.Data["nats.conf"] == "" {
		t.Fatalf("deploy/k8s/nats.yaml: the first document is not the ConfigMap with nats.conf (%v)", err)
	}
	return cm.Data
}

// startShipped parses c with nats-server's own parser and starts it on
// store; only the listen ports, the store directory and the cluster
// routes are moved for the test. It returns the parsed options too.
func startShipped(t *testing.T, c shipped, store string) (string, *server.Options) {
	t.Helper()
	opts, err := server.ProcessConfigFile(c.path)
	if err != nil {
		t.Fatalf("nats-server refuses the configuration: %v", err)
	}
	parsed := *opts
	opts.Host, opts.Port, opts.HTTPPort, opts.StoreDir = "127.0.0.1", -1, 0, store
	opts.Cluster, opts.Routes = server.ClusterOpts{}, nil
	opts.NoLog, opts.NoSigs = true, true
	return startServer(t, opts), &parsed
}

// TestNATSConfig_UsersAreTheGrants: the users compose and Kubernetes
// ship are layout's grants as NATSUsersConfig writes them (make up
// generates its own from the same), with ADR 0225's single user kept.
func TestNATSConfig_UsersAreTheGrants(t *testing.T) {
	want := layout.NATSUsersConfig(layout.NATSPasswordRef, true, layout.LegacyKeysWritable)
	readOnly := layout.NATSUsersConfig(layout.NATSPasswordRef, true, layout.LegacyKeysReadOnly)
	composePath := filepath.Join(root, "deploy", "nats-users.conf")
	readOnlyPath := filepath.Join(root, filepath.FromSlash(readOnlyUsersFile))
	k8sPath := filepath.Join(root, "deploy", "k8s", "nats.yaml")
	if *updateUsers {
		head := "# Generated from deploy/ops/layout's grants (NATSUsersConfig; ADR 0226): do\n" +
			"# not edit by hand. deploy/ops TestNATSConfig_UsersAreTheGrants fails when it\n# differs from them, and prints what to put here.\n"
		if err := os.WriteFile(composePath, []byte(head+want), 0o644); err != nil {
			t.Fatal(err)
		}
		phase3 := head + "# ADR 0234's phase 3 (ADR 0239): no service writes or deletes in the shared key\n" +
			"# bucket of before, KV_data_keys. Mounted instead of nats-users.conf once\n" +
			"# `stack rewrap` reports no key of before left (docs/runbook.md).\n"
		if err := os.WriteFile(readOnlyPath, []byte(phase3+readOnly), 0o644); err != nil {
			t.Fatal(err)
		}
		k8s := readRoot(t, "deploy", "k8s", "nats.yaml")
		start := strings.Index(k8s, "  users.conf: |\n")
		end := strings.Index(k8s, "\n---\n")
		if start < 0 || end < start {
			t.Fatal("deploy/k8s/nats.yaml: no users.conf before the first ---")
		}
		var b strings.Builder
		for _, l := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
			b.WriteString("    " + l + "\n")
		}
		if err := os.WriteFile(k8sPath, []byte(k8s[:start]+"  users.conf: |\n"+strings.TrimSuffix(b.String(), "\n")+k8s[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readRoot(t, "deploy", "nats-users.conf"); !strings.HasSuffix(got, want) {
		t.Errorf("deploy/nats-users.conf is not layout's grants: run go test -run TestNATSConfig_UsersAreTheGrants -update-nats-users ./deploy/ops")
	}
	if got := readRoot(t, strings.Split(readOnlyUsersFile, "/")...); !strings.HasSuffix(got, readOnly) {
		t.Errorf("%s is not layout's grants with layout.LegacyKeysReadOnly: run go test -run TestNATSConfig_UsersAreTheGrants -update-nats-users ./deploy/ops", readOnlyUsersFile)
	}
	if got := configMap(t)["users.conf"]; got != want {
		t.Errorf("deploy/k8s/nats.yaml's users.conf is not layout's grants: run go test -run TestNATSConfig_UsersAreTheGrants -update-nats-users ./deploy/ops")
	}
}

// TestNATSConfig_KeepsTheStreamsOfBefore: each NATS configuration we
// ship, parsed by nats-server and started on a JetStream store written by
// a server without users (every deployment before ADR 0225), serves the
// participants' stream and bucket of before to the participants' user
// and, in compose and Kubernetes, to ADR 0225's single user, whose
// processes must keep working through the upgrade (ADR 0226; make up
// starts every process anew and has no such user); refuses a client
// without a user and one with a wrong password; and answers the system
// user's JetStream report request (what `nats server report jetstream`
// sends), which a service's user may not send. The Kubernetes routes sign
// in as the route user. Each requires TLS (ADR 0230): a client without
// it is never signed in, and every client here trusts the CA. The store
// of before was written in clear: TLS changes the wire, not the store, so
// ADR 0230's upgrade is this test's start of the new configuration on it.
func TestNATSConfig_KeepsTheStreamsOfBefore(t *testing.T) {
	pw := testPasswords(t)
	for _, c := range shippedConfigs(t, pw) {
		t.Run(c.name, func(t *testing.T) {
			store := t.TempDir()
			writeBefore(t, store)
			url, parsed := startShipped(t, c, store)
			if c.name == "kubernetes" {
				if parsed.Cluster.Username != service.NATSRouteUser || parsed.Cluster.Password != pw[service.NATSRouteUser] || len(parsed.Routes) != 3 {
					t.Errorf("the routes accept %q/%q", parsed.Cluster.Username, parsed.Cluster.Password)
				}
				for _, r := range parsed.Routes {
					if p, _ := r.User.Password(); r.User.Username() != service.NATSRouteUser || p != pw[service.NATSRouteUser] {
						t.Errorf("route %s does not sign in as the route user", r.Host)
					}
				}
			}
			// TLS (ADR 0230): a client signing in without it, with the
			// right password, is never signed in.
			if req, answer := plainSignIn(t, url, "participants", pw["participants"]); !req || signedInPlain(answer) {
				t.Errorf("a client without TLS: TLS required %v, answered %q; want required and no welcome", req, answer)
			}
			if parsed.TLSConfig == nil || parsed.TLSConfig.RootCAs == nil && parsed.TLSConfig.ClientCAs == nil {
				t.Error("the clients' TLS has no CA")
			}
			if c.name == "kubernetes" && parsed.Cluster.TLSConfig == nil {
				t.Error("the routes are not in TLS")
			}
			readers := []string{"participants"}
			if c.legacy {
				readers = append(readers, service.NATSClientUser)
			} else if nc, err := nats.Connect(url, nats.Secure(shippedTLS(t)), nats.UserInfo(service.NATSClientUser, pw[service.NATSClientUser])); !errors.Is(err, nats.ErrAuthorization) {
				if nc != nil {
					nc.Close()
				}
				t.Errorf("ADR 0225's single user in make up: %v, want an authorization refusal", err)
			}
			for _, u := range readers {
				nc, err := service.ConnectNATS(url, "test", service.NATSAuth{User: u, Password: pw[u], TLS: shippedTLS(t)})
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				defer nc.Close()
				js, err := jetstream.New(nc)
				if err != nil {
					t.Fatal(err)
				}
				ctx := testutil.Context(t)
				s, err := js.Stream(ctx, "PARTICIPANTS")
				if err != nil {
					t.Fatalf("%s: the stream written without users is gone: %v", u, err)
				}
				for seq := uint64(1); seq <= 3; seq++ {
					m, err := s.GetMsg(ctx, seq)
					if err != nil || string(m.Data) != "event "+string(rune('0'+seq)) {
						t.Errorf("%s: message %d of the stream of before: %v %v", u, seq, m, err)
					}
				}
				kv, err := js.KeyValue(ctx, "participants")
				if err != nil {
					t.Fatalf("%s: the bucket written without users is gone: %v", u, err)
				}
				if e, err := kv.Get(ctx, "key"); err != nil || string(e.Value()) != "value" {
					t.Errorf("%s: the bucket's key: %v %v", u, e, err)
				}
			}

			if nc, err := nats.Connect(url, nats.Secure(shippedTLS(t)), nats.Name("no user")); !errors.Is(err, nats.ErrAuthorization) {
				if nc != nil {
					nc.Close()
				}
				t.Errorf("a client without a user: %v, want an authorization refusal", err)
			}
			if nc, err := nats.Connect(url, nats.Secure(shippedTLS(t)), nats.UserInfo("dinners", pw["participants"])); !errors.Is(err, nats.ErrAuthorization) {
				if nc != nil {
					nc.Close()
				}
				t.Errorf("dinners with participants' password: %v, want an authorization refusal", err)
			}
			// A service's user may not ask the server for its reports:
			// it may not publish there (and is not in the system account).
			if !connectWatched(t, url, "participants", pw["participants"]).refused(t, "$SYS.REQ.SERVER.PING.JSZ", "") {
				t.Error("a service's user may ask for the JetStream report")
			}
			sys, err := service.ConnectNATS(url, "operator", service.NATSAuth{User: service.NATSSystemUser, Password: pw[service.NATSSystemUser], TLS: shippedTLS(t)})
			if err != nil {
				t.Fatalf("the system user: %v", err)
			}
			defer sys.Close()
			m, err := sys.Request("$SYS.REQ.SERVER.PING.JSZ", nil, 5*time.Second)
			if err != nil {
				t.Fatalf("the system user's JetStream report: %v", err)
			}
			var jsz struct {
				Data struct{ Streams int } `json:"data"`
			}
			if err := json.Unmarshal(m.Data, &jsz); err != nil || jsz.Data.Streams < 2 {
				t.Errorf("JetStream report %s: want the stream and the bucket of before (%v)", m.Data, err)
			}
		})
	}
}

// writeBefore writes, on a server without users as every deployment
// before ADR 0225 ran, the participants' stream with three messages and
// their bucket with one key into store, and stops the server.
func writeBefore(t *testing.T, store string) {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: store, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("the server without users did not start")
	}
	defer func() { s.Shutdown(); s.WaitForShutdown() }()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testutil.Context(t)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PARTICIPANTS", Subjects: []string{"participants.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := js.Publish(ctx, "participants.participant.registered.p"+string(rune('0'+i)), []byte("event "+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "participants", Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "key", []byte("value")); err != nil {
		t.Fatal(err)
	}
}

// startServer starts opts in this process and stops it at cleanup; it
// returns the client URL.
func startServer(t *testing.T, opts *server.Options) string {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("the server did not start")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}
