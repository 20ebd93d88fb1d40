package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeysCarryARotation: keys.env may hold MP_DATA_KEY_OLD and
// MP_SIGNING_KEY_ID beside the three keys, and make up hands them to every
// process. The runbook's rotations could not be done under make up before:
// those two lines of keys.env were dropped, so a new MP_DATA_KEY left
// every process unable to open the keys the old one wrapped (ADR 0193).
func TestKeysCarryARotation(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.env")
	body := "MP_SIGNING_KEY=s\nMP_SIGNING_KEY_ID=k2\nMP_PUBLIC_KEYS=local=a,k2=b\nMP_DATA_KEY=new\nMP_DATA_KEY_OLD=old\nOTHER=x\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	signing, public, data, rotation, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if signing != "s" || public != "local=a,k2=b" || data != "new" {
		t.Errorf("keys = %q, %q, %q", signing, public, data)
	}
	if len(rotation) != 2 || rotation["MP_DATA_KEY_OLD"] != "old" || rotation["MP_SIGNING_KEY_ID"] != "k2" {
		t.Errorf("rotation = %v, want MP_DATA_KEY_OLD=old and MP_SIGNING_KEY_ID=k2 only", rotation)
	}
}

// TestSeedLineNamesMovedAddrs: the seed line make up prints carries the
// *_ADDR variables the caller moved, so it reaches the services where
// they listen, and nothing when none was moved.
func TestSeedLineNamesMovedAddrs(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PARTICIPANTS_ADDR": "127.0.0.1:27920", "GATEWAY_ADDR": "127.0.0.1:27960", "MP_NATS_PORT": "27900"}
	if got, want := movedAddrs(func(k string) string { return env[k] }), "PARTICIPANTS_ADDR=127.0.0.1:27920 GATEWAY_ADDR=127.0.0.1:27960 "; got != want {
		t.Errorf("movedAddrs = %q, want %q", got, want)
	}
	if got := movedAddrs(func(string) string { return "" }); got != "" {
		t.Errorf("movedAddrs with nothing moved = %q, want empty", got)
	}
}
