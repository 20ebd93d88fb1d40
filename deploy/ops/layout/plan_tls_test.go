package layout

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestPlan_NATSTLS: with a TLS directory every node's configuration
// requires TLS of its clients (its own certificate) and of its routes
// (inside the cluster block), monitoring stays plain http, and every
// process is given the CA's file; a relative directory is refused.
func TestPlan_NATSTLS(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	for _, n := range []string{"participants", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	pw, err := NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	tlsDir := t.TempDir()
	o := Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 3, PublicKeys: "k", DataKey: "d",
		NATSPasswords: pw, NATSTLS: tlsDir}
	procs, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	nodes := 0
	for _, p := range procs {
		switch p.Kind {
		case "nats":
			nodes++
			i := strings.TrimPrefix(p.Name, "nats-")
			cert := `cert_file: "` + filepath.Join(tlsDir, "n"+i+".crt") + `"`
			top, cluster, _ := strings.Cut(p.ConfigText, "cluster {")
			if !strings.Contains(top, "tls {") || !strings.Contains(top, cert) || !strings.Contains(top, `ca_file: "`+NATSCAFile(tlsDir)+`"`) {
				t.Errorf("%s: clients not in TLS with the node's certificate:\n%s", p.Name, p.ConfigText)
			}
			if !strings.Contains(cluster, "tls {") || !strings.Contains(cluster, cert) {
				t.Errorf("%s: routes not in TLS:\n%s", p.Name, p.ConfigText)
			}
			if !strings.Contains(top, "verify: true") {
				t.Errorf("%s: clients' certificates not verified (ADR 0276):\n%s", p.Name, p.ConfigText)
			}
			if !strings.Contains(top, "\nhttp: 127.0.0.1:") {
				t.Errorf("%s: monitoring is not plain on loopback:\n%s", p.Name, p.ConfigText)
			}
		case "redis":
		default:
			if !slices.Contains(p.Env, service.NATSCAFileEnv+"="+NATSCAFile(tlsDir)) {
				t.Errorf("%s: not given the CA: %v", p.Name, p.Env)
			}
			// Its own user's client certificate (ADR 0276).
			cert, key := NATSClientFiles(tlsDir, p.Kind)
			if !slices.Contains(p.Env, service.NATSCertFileEnv+"="+cert) || !slices.Contains(p.Env, service.NATSKeyFileEnv+"="+key) {
				t.Errorf("%s: not given its client certificate %s: %v", p.Name, cert, p.Env)
			}
		}
	}
	if nodes != 3 {
		t.Fatalf("%d nodes planned", nodes)
	}
	o.NATSTLS = "relative/tls"
	if _, err := Plan(o); err == nil {
		t.Error("Plan took a relative TLS directory")
	}
}

// TestEnsureNATSCerts_KeptAndRenewed: the CA and each node's certificate
// are made with their keys 0600, verify for the node's names, and are
// kept as they are by the next start (make up's reuse); a node's
// certificate that is gone is made anew by the same CA; a CA whose key
// is gone is an error, not a new CA the processes would not trust.
func TestEnsureNATSCerts_KeptAndRenewed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{NATSNodes: 3, NATSTLS: dir}
	if err := EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	files := []string{"ca.crt", "ca.key", "n1.crt", "n1.key", "n2.crt", "n2.key", "n3.crt", "n3.key"}
	before := map[string][]byte{}
	for _, f := range files {
		before[f] = read(f)
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".key") && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	ca, err := service.ParseNATSCA(before["ca.crt"], before["ca.key"])
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		c, k := natsNodeFiles(dir, i)
		if !nodeCertOK(ca, c, k, natsNodeNames(o, i)) {
			t.Errorf("node %d's certificate does not verify for its names", i)
		}
	}
	if err := EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !bytes.Equal(read(f), before[f]) {
			t.Errorf("%s changed on the second start", f)
		}
	}
	if err := os.Remove(filepath.Join(dir, "n2.crt")); err != nil {
		t.Fatal(err)
	}
	if err := EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	if c, k := natsNodeFiles(dir, 2); bytes.Equal(read("n2.key"), before["n2.key"]) || !nodeCertOK(ca, c, k, natsNodeNames(o, 2)) {
		t.Error("node 2's lost certificate was not made anew by the same CA")
	}
	if !bytes.Equal(read("ca.crt"), before["ca.crt"]) || !bytes.Equal(read("n1.crt"), before["n1.crt"]) {
		t.Error("the CA or node 1's certificate changed when node 2's was remade")
	}
	if err := os.Remove(filepath.Join(dir, "ca.key")); err != nil {
		t.Fatal(err)
	}
	if err := EnsureNATSCerts(o); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a CA without its key: %v, want an error", err)
	}
}
