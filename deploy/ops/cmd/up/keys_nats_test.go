package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestKeysGainTheNATSPasswords: a keys.env of before ADR 0225 (every key,
// no NATS user) and one of ADR 0225 (one user, motesplats, for every
// process) gain a password for each NATS user of ADR 0226, keep their
// keys (and the system user's password), name the tools' user for the
// shell that sources them, and read the same again, so NATS's users do
// not change between make up's starts.
func TestKeysGainTheNATSPasswords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.env")
	first, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	const oldSys = "mp0123456789abcdef0123456789abcdef0123456789abcdef"
	keysOnly := "MP_SIGNING_KEY=" + first.signing + "\nMP_NOTIFY_SIGNING_KEY=" + first.notify + "\nMP_OPERATOR_SIGNING_KEY=" + first.operator +
		"\nMP_PUBLIC_KEYS=" + first.public + "\nMP_DATA_KEY=" + first.data + "\n"
	for _, tc := range []struct{ name, body, sys string }{
		{"before ADR 0225", keysOnly, ""},
		{"ADR 0225", keysOnly + "NATS_USER=motesplats\nNATS_PASSWORD=mpold\nNATS_SYS_PASSWORD=" + oldSys + "\n", oldSys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.env")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			ks, err := keys(path)
			if err != nil {
				t.Fatal(err)
			}
			if ks.signing != first.signing || ks.public != first.public || ks.data != first.data || ks.operator != first.operator {
				t.Error("the keys of before changed")
			}
			seen := map[string]bool{}
			for _, u := range natsUsers() {
				if p := ks.nats[u]; len(p) < 32 || seen[p] {
					t.Errorf("NATS password of %s %q: want a long one of its own", u, p)
				}
				seen[ks.nats[u]] = true
			}
			if tc.sys != "" && ks.nats[service.NATSSystemUser] != tc.sys {
				t.Errorf("the system user's password changed: %q", ks.nats[service.NATSSystemUser])
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"NATS_USER=stack", "NATS_PASSWORD=" + ks.nats[service.NATSToolsUser],
				"NATS_DINNERS_PASSWORD=" + ks.nats["dinners"], "NATS_SYS_PASSWORD=" + ks.nats[service.NATSSystemUser],
				"NATS_ROUTE_PASSWORD=" + ks.nats[service.NATSRouteUser]}
			for _, line := range want {
				if !strings.Contains(string(b), line+"\n") {
					t.Errorf("keys.env has no line %s", line)
				}
			}
			again, err := keys(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range natsUsers() {
				if again.nats[u] != ks.nats[u] {
					t.Errorf("the NATS password of %s changed when keys.env was read again", u)
				}
			}
			b2, _ := os.ReadFile(path)
			for _, v := range []string{"NATS_USER=", "NATS_PASSWORD=", "NATS_SYS_PASSWORD="} {
				if n := strings.Count("\n"+string(b2), "\n"+v); n != 1 {
					t.Errorf("keys.env has %s %d times", v, n)
				}
			}
		})
	}
}
