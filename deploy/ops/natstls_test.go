package ops_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

// plainSignIn signs in to the NATS at natsURL as a client without TLS
// would: it reads the server's INFO and sends CONNECT with user and
// password and a PING in clear. It reports whether the server asks for
// TLS, and everything the server answered after INFO: a server that
// requires TLS answers no PONG (it takes the CONNECT for a broken TLS
// handshake and closes the connection), so the client is never signed
// in, whatever the password.
func plainSignIn(t *testing.T, natsURL, user, password string) (tlsRequired bool, answer string) {
	t.Helper()
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Not a timed assert: a bound on a read that ends when the server
	// closes, so a server that waits forever fails the test instead of
	// hanging it.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("no INFO from %s: %q %v", natsURL, line, err)
	}
	var info struct {
		TLSRequired bool `json:"tls_required"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "INFO ")), &info); err != nil {
		t.Fatalf("INFO %q: %v", line, err)
	}
	connect, _ := json.Marshal(map[string]any{"verbose": true, "pedantic": false, "user": user, "pass": password, "protocol": 1})
	if _, err := fmt.Fprintf(c, "CONNECT %s\r\nPING\r\n", connect); err != nil {
		return info.TLSRequired, "write: " + err.Error()
	}
	rest, _ := io.ReadAll(r)
	return info.TLSRequired, string(rest)
}

// signedInPlain reports whether answer is a server's welcome of a
// CONNECT (+OK, or the PONG to its PING).
func signedInPlain(answer string) bool {
	return strings.Contains(answer, "+OK") || strings.Contains(answer, "PONG")
}

// TestNATSTLS_MakeUpCluster: make up's three generated node
// configurations with users and TLS (ADR 0230), parsed and started in
// this process, form the cluster over TLS routes; a client without TLS
// is never signed in, with the right password; the tools' user with the
// CA (NATS_CA_FILE) signs in over TLS and writes and reads an R3 stream;
// a server routing to node 1 with the route user's password but without
// TLS is refused and joins no node, and one with a certificate of the
// layout's CA joins (the control).
func TestNATSTLS_MakeUpCluster(t *testing.T) {
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	dir, tlsDir := t.TempDir(), t.TempDir()
	o := layout.Options{Dir: dir, Bin: t.TempDir(), NATSServer: "nats-server", NATSNodes: 3,
		Services: []string{}, NATSPasswords: pw, NATSTLS: tlsDir}
	if err := layout.EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	mesh, procs, ports := startMesh(t, o, func(name string, opts *server.Options) {
		if opts.TLSConfig == nil || opts.Cluster.TLSConfig == nil {
			t.Fatalf("%s: clients in TLS %v, routes in TLS %v", name, opts.TLSConfig != nil, opts.Cluster.TLSConfig != nil)
		}
	})
	var nodes []*server.Server
	for _, n := range mesh {
		nodes = append(nodes, n.Server)
	}
	var urls []string
	for _, p := range procs {
		if p.Kind == "nats" {
			urls = append(urls, "nats://"+p.Addr)
		}
	}
	node1Log := mesh[0].Log
	waitMeshed(t, nodes, 60*time.Second)
	for _, u := range urls {
		if req, answer := plainSignIn(t, u, service.NATSToolsUser, pw[service.NATSToolsUser]); !req || signedInPlain(answer) {
			t.Errorf("%s, a client without TLS: TLS required %v, answered %q; want required and no welcome", u, req, answer)
		}
	}

	cert, key := layout.NATSClientFiles(tlsDir, service.NATSToolsUser)
	caTLS, err := service.NATSTLSConfig(layout.NATSCAFile(tlsDir), cert, key)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := service.ConnectNATS(strings.Join(urls, ","), "tls-test",
		service.NATSAuth{User: service.NATSToolsUser, Password: pw[service.NATSToolsUser], TLS: caTLS})
	if err != nil {
		t.Fatalf("the tools' user with the CA: %v", err)
	}
	defer nc.Close()
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Errorf("the client's connection is not TLS: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testutil.Context(t)
	var st jetstream.Stream
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		// The meta group forms over the TLS routes first.
		st, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "LOADBENCH", Subjects: []string{"LOADBENCH.>"}, Replicas: 3})
		return err
	})
	if _, err := js.Publish(ctx, "LOADBENCH.1", []byte("over TLS")); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if m, err := st.GetMsg(ctx, 1); err != nil || string(m.Data) != "over TLS" {
		t.Errorf("read back: %v %v", m, err)
	}

	// A server routing to node 1 as the route user, without TLS, as a
	// process that learnt the route password would; and one with TLS.
	peer := func(name string, tc *tls.Config) {
		seed := &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", ports["nats-cluster-1"]),
			User: url.UserPassword(service.NATSRouteUser, pw[service.NATSRouteUser])}
		opts := &server.Options{ServerName: name, Host: "127.0.0.1", Port: -1, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "motesplats", Host: "127.0.0.1", Port: -1,
				Username: service.NATSRouteUser, Password: pw[service.NATSRouteUser], TLSConfig: tc, TLSTimeout: 5}, Routes: []*url.URL{seed}}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		s.SetLogger(&captured{}, false, false)
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	peer("plain", nil)
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		// Node 1 takes the plain route's first bytes for a broken TLS
		// handshake and closes it.
		if !node1Log.has("TLS route handshake error") {
			return fmt.Errorf("the route without TLS is not refused yet")
		}
		return nil
	})
	peer("member", memberTLS(t, tlsDir))
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !routedTo(t, nodes[0])["member"] {
			return fmt.Errorf("the server with a certificate of the CA has not joined")
		}
		return nil
	})
	for _, s := range nodes {
		if routedTo(t, s)["plain"] {
			t.Errorf("%s took a route without TLS", s.Name())
		}
	}
}

// memberTLS is the route TLS of a fourth node: a certificate of the
// layout's CA (as make up's EnsureNATSCerts would issue node 4's), which
// it also verifies the others with.
func memberTLS(t *testing.T, tlsDir string) *tls.Config {
	t.Helper()
	loaded := certtest.Load(t, filepath.Join(tlsDir, "ca.crt"), filepath.Join(tlsDir, "ca.key"))
	ca := service.NATSCA{Cert: loaded.Cert, Key: loaded.Key}
	certPEM, keyPEM, err := ca.Issue("n4", "localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
}

// mountsSecret reports whether workload's first container mounts, at
// path, a volume of secret; with items, only those keys of it.
func mountsSecret(workload map[string]any, path, secret string, items []string) bool {
	spec := get(workload, "spec", "template", "spec").(map[string]any)
	c := spec["containers"].([]any)[0].(map[string]any)
	vol := ""
	mounts, _ := c["volumeMounts"].([]any)
	for _, m := range mounts {
		if m := m.(map[string]any); m["mountPath"] == path {
			vol, _ = m["name"].(string)
		}
	}
	volumes, _ := spec["volumes"].([]any)
	for _, v := range volumes {
		v := v.(map[string]any)
		if v["name"] != vol || get(v, "secret", "secretName") != secret {
			continue
		}
		if items == nil {
			return true
		}
		var keys []string
		got, _ := get(v, "secret", "items").([]any)
		for _, it := range got {
			keys = append(keys, it.(map[string]any)["key"].(string))
		}
		return slices.Equal(keys, items)
	}
	return false
}
