package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlan_AdminOnlyToTheGatewayAndLinksToIt: the first admin's e-mail and
// password reach the gateway's environment alone (they were in every
// process's, and so in the state file eleven times), and notify's answer
// links name the layout's gateway on its moved port (they named
// 127.0.0.1:8080), unless MP_PUBLIC_URL is given (ADR 0191); without a
// first admin the gateway writes its setup link to the layout's file.
func TestPlan_AdminOnlyToTheGatewayAndLinksToIt(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"participants", "volunteers", "mentoring", "notify", "gateway"} {
		if err := os.WriteFile(filepath.Join(bin, n), nil, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ports, err := PortsFromEnv(func(k string) string {
		return map[string]string{"GATEWAY_ADDR": "127.0.0.1:27810"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"MP_ADMIN_EMAIL": "åsa+admin@example.org", "MP_ADMIN_PASSWORD": "correct-horse-battery", "LOG_LEVEL": "DEBUG"}
	plan := func(env map[string]string) map[string][]string {
		t.Helper()
		procs, err := Plan(Options{Dir: t.TempDir(), Bin: bin, NATSServer: "nats-server", NATSNodes: 1, PublicKeys: "k", DataKey: "d", Ports: ports, Env: env})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, p := range procs {
			out[p.Name] = p.Env
		}
		return out
	}
	has := func(env []string, prefix string) string {
		for _, e := range env {
			if strings.HasPrefix(e, prefix) {
				return e
			}
		}
		return ""
	}
	for name, env := range plan(admin) {
		if has(env, "LOG_LEVEL=") == "" && name != "nats-1" && name != "redis" {
			t.Errorf("%s: LOG_LEVEL not passed on", name)
		}
		for _, k := range []string{"MP_ADMIN_EMAIL=", "MP_ADMIN_PASSWORD="} {
			if got := has(env, k); (got != "") != (name == "gateway") {
				t.Errorf("%s: %q; want %s in the gateway's environment only", name, got, k)
			}
		}
		if got := has(env, "MP_SETUP_LINK_FILE="); got != "" {
			t.Errorf("%s: %q; with a first admin given there is no setup link", name, got)
		}
		if strings.HasPrefix(name, "notify") {
			if got := has(env, "MP_PUBLIC_URL="); got != "MP_PUBLIC_URL=http://127.0.0.1:27810" {
				t.Errorf("%s: %q; want the layout's gateway", name, got)
			}
		}
	}
	for name, env := range plan(map[string]string{"MP_PUBLIC_URL": "https://motesplats.example.org"}) {
		// No first admin: the gateway alone is told where to put the
		// setup link, as its log would not show it (make up was
		// unusable unseeded).
		if got := has(env, "MP_SETUP_LINK_FILE="); (got != "") != (name == "gateway") || (got != "" && !strings.HasSuffix(got, "/setup-link")) {
			t.Errorf("%s: %q; want the layout's setup-link file in the gateway's environment only", name, got)
		}
		if strings.HasPrefix(name, "notify") && has(env, "MP_PUBLIC_URL=") != "MP_PUBLIC_URL=https://motesplats.example.org" {
			t.Errorf("%s: %q; want the given MP_PUBLIC_URL", name, has(env, "MP_PUBLIC_URL="))
		}
	}
}
