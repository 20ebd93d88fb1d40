package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysGainTheNATSPasswords: a keys.env of before ADR 0225 (every key,
// no NATS user) gains the services' NATS user and password and the
// system user's password, keeps its keys, and reads the same again, so
// NATS's users do not change between make up's starts.
func TestKeysGainTheNATSPasswords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.env")
	first, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	// Written as make up wrote it before ADR 0225.
	body := "MP_SIGNING_KEY=" + first.signing + "\nMP_NOTIFY_SIGNING_KEY=" + first.notify + "\nMP_OPERATOR_SIGNING_KEY=" + first.operator +
		"\nMP_PUBLIC_KEYS=" + first.public + "\nMP_DATA_KEY=" + first.data + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.signing != first.signing || ks.public != first.public || ks.data != first.data || ks.operator != first.operator {
		t.Error("the keys of before changed")
	}
	if len(ks.nats) < 32 || len(ks.natsSys) < 32 || ks.nats == ks.natsSys {
		t.Errorf("NATS passwords %q and %q: want two different long ones", ks.nats, ks.natsSys)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"NATS_USER=motesplats", "NATS_PASSWORD=" + ks.nats, "NATS_SYS_PASSWORD=" + ks.natsSys} {
		if !strings.Contains(string(b), line+"\n") {
			t.Errorf("keys.env has no line %s", line)
		}
	}
	again, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.nats != ks.nats || again.natsSys != ks.natsSys {
		t.Error("the NATS passwords changed when keys.env was read again")
	}
	if b2, _ := os.ReadFile(path); strings.Count(string(b2), "NATS_USER=") != 1 {
		t.Errorf("keys.env has NATS_USER %d times", strings.Count(string(b2), "NATS_USER="))
	}
}
