package layout

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlan_NATSUsers: with the passwords, every NATS node's configuration
// requires the users of NATSAuthConfig and every service signs in as the
// services' user; the system user's password is in no process's
// environment; one password without the other is refused (a system user
// without a password would let anyone in as it).
func TestPlan_NATSUsers(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	for _, n := range []string{"participants", "mentoring", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	o := Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 3, PublicKeys: "k", DataKey: "d",
		NATSPassword: "mpclient", NATSSysPassword: "mpsystem"}
	procs, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		switch {
		case p.Kind == "nats":
			if !strings.Contains(p.ConfigText, NATSAuthConfig("mpclient", "mpsystem")) {
				t.Errorf("%s: configuration without the users:\n%s", p.Name, p.ConfigText)
			}
		case p.Kind != "redis":
			if !slices.Contains(p.Env, "NATS_USER=motesplats") || !slices.Contains(p.Env, "NATS_PASSWORD=mpclient") {
				t.Errorf("%s: not signed in to NATS: %v", p.Name, p.Env)
			}
		}
		if slices.ContainsFunc(p.Env, func(e string) bool { return strings.Contains(e, "mpsystem") }) {
			t.Errorf("%s: has the system user's password", p.Name)
		}
	}
	o.NATSSysPassword = ""
	if _, err := Plan(o); err == nil {
		t.Error("Plan took a client password without a system one")
	}
}
