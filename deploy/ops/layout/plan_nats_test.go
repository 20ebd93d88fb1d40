package layout

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestPlan_NATSUsers: with the passwords, every NATS node's configuration
// requires the users of NATSUsersConfig (without ADR 0225's single user:
// make up starts every process anew) and its routes sign in as the route
// user; every process signs in as its own user with its own password and
// has no other user's password; a user without a password is refused.
func TestPlan_NATSUsers(t *testing.T) {
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
	o := Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 3, PublicKeys: "k", DataKey: "d", NATSPasswords: pw}
	procs, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		switch {
		case p.Kind == "nats":
			if !strings.Contains(p.ConfigText, NATSUsersConfig(func(u string) string { return `"` + pw[u] + `"` }, false, LegacyKeysWritable)) {
				t.Errorf("%s: configuration without the users:\n%s", p.Name, p.ConfigText)
			}
			if strings.Contains(p.ConfigText, "user: "+service.NATSClientUser) {
				t.Errorf("%s: has ADR 0225's single user", p.Name)
			}
			if !strings.Contains(p.ConfigText, "authorization {user: route, password: \""+pw[service.NATSRouteUser]+"\"}") ||
				strings.Count(p.ConfigText, "nats://route:"+pw[service.NATSRouteUser]+"@") != 2 {
				t.Errorf("%s: routes without the route user:\n%s", p.Name, p.ConfigText)
			}
		case p.Kind != "redis":
			if !slices.Contains(p.Env, "NATS_USER="+p.Kind) || !slices.Contains(p.Env, "NATS_PASSWORD="+pw[p.Kind]) {
				t.Errorf("%s: not signed in to NATS as %s: %v", p.Name, p.Kind, p.Env)
			}
		}
		for u, secret := range pw {
			if u != p.Kind && slices.ContainsFunc(p.Env, func(e string) bool { return strings.Contains(e, secret) }) {
				t.Errorf("%s: has %s's password", p.Name, u)
			}
		}
	}
	delete(o.NATSPasswords, service.NATSSystemUser)
	if _, err := Plan(o); err == nil {
		t.Error("Plan took the users without the system user's password")
	}
}
