package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// natsVars are the variables of every NATS user's password an .env
// holds (deploy/nats-users.conf, docker-compose.yml; ADR 0225, 0226).
func natsVars() []string {
	vars := []string{service.NATSPasswordEnv, service.NATSPasswordVar(service.NATSSystemUser), service.NATSPasswordVar(service.NATSRouteUser)}
	for _, u := range service.NATSServiceUsers() {
		vars = append(vars, service.NATSPasswordVar(u))
	}
	return vars
}

// publicEnv is an environment with MP_PUBLIC_KEYS alone, for keygen.
func publicEnv(public string) func(string) string {
	return func(k string) string {
		if k == "MP_PUBLIC_KEYS" {
			return public
		}
		return ""
	}
}

// envLines are out's variables, without its comments.
func envLines(out string) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			m[k] = v
		}
	}
	return m
}

// TestKeygen_NATSPasswords: keygen's .env carries a password for every
// NATS user compose's configuration reads, each different, in a form
// nats-server's configuration takes as a plain string; "keygen nats"
// prints those lines alone, and says which variable each service reads.
func TestKeygen_NATSPasswords(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"nats"}} {
		var out bytes.Buffer
		if err := keygen(args, publicEnv(""), &out); err != nil {
			t.Fatal(err)
		}
		m := envLines(out.String())
		seen := map[string]bool{}
		for _, v := range natsVars() {
			p := m[v]
			if len(p) < 32 || seen[p] {
				t.Errorf("keygen %v: %s=%q: want a long password of its own", args, v, p)
			}
			seen[p] = true
			if strings.ContainsAny(p, "+/=$ \"'#") || !strings.HasPrefix(p, "mp") {
				t.Errorf("keygen %v: password %q has a character nats-server's configuration would read otherwise", args, p)
			}
		}
		if args != nil && len(m) != len(natsVars()) {
			t.Errorf("keygen nats printed %d variables, want the %d passwords", len(m), len(natsVars()))
		}
		if !strings.Contains(out.String(), "# dinners signs in as NATS_USER=dinners with this as its NATS_PASSWORD") {
			t.Errorf("keygen %v does not say which variable dinners reads:\n%s", args, out.String())
		}
	}
}

// TestKeygen_NATSAddsWhatAnEnvLacks: for an .env of ADR 0225 (NATS_PASSWORD
// and NATS_SYS_PASSWORD set), keygen nats prints the users' passwords of
// ADR 0226 alone: the two it has stay, so NATS and every process of
// before keep them.
func TestKeygen_NATSAddsWhatAnEnvLacks(t *testing.T) {
	t.Parallel()
	have := map[string]string{service.NATSPasswordEnv: "mpold", "NATS_SYS_PASSWORD": "mpsys"}
	out, err := natsPasswords(func(k string) string { return have[k] })
	if err != nil {
		t.Fatal(err)
	}
	m := envLines(out)
	for _, v := range natsVars() {
		if _, printed := m[v]; printed == (have[v] != "") {
			t.Errorf("keygen nats with %s set %t: printed %t", v, have[v] != "", printed)
		}
	}
}
