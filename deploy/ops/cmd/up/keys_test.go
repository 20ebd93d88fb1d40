package main

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/service"
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
	ks, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.signing != "s" || !strings.HasPrefix(ks.public, "local=a:users+service/gateway,k2=b:users+service/gateway,notify=") || ks.data != "new" {
		t.Errorf("keys = %q, %q, %q", ks.signing, ks.public, ks.data)
	}
	if len(ks.rotation) != 2 || ks.rotation["MP_DATA_KEY_OLD"] != "old" || ks.rotation["MP_SIGNING_KEY_ID"] != "k2" {
		t.Errorf("rotation = %v, want MP_DATA_KEY_OLD=old and MP_SIGNING_KEY_ID=k2 only", ks.rotation)
	}
	again, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.public != ks.public || again.notify != ks.notify || again.rotation["MP_DATA_KEY_OLD"] != "old" {
		t.Errorf("keys.env read again: %+v, want %+v", again, ks)
	}
}

// TestKeysGiveNotifyItsOwnKey: a new keys.env, and one of before ADR 0210
// (one signing key, its public key unbound), both end with notify's own
// key and every public key bound, so the services verify the gateway's
// and notify's tokens against what each may sign; the file stays 0600.
func TestKeysGiveNotifyItsOwnKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fresh, err := keys(filepath.Join(dir, "new.env"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	oldPath := filepath.Join(dir, "old.env")
	body := "MP_SIGNING_KEY=" + auth.EncodePrivateKey(old) + "\nMP_PUBLIC_KEYS=local=" +
		auth.EncodePublicKey(old.Public().(ed25519.PublicKey)) + "\nMP_DATA_KEY=d\n"
	if err := os.WriteFile(oldPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	upgraded, err := keys(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	for name, ks := range map[string]keySet{"new": fresh, "upgraded": upgraded} {
		parsed, err := service.ParsePublicKeys(ks.public)
		if err != nil {
			t.Fatalf("%s: MP_PUBLIC_KEYS %q: %v", name, ks.public, err)
		}
		if len(parsed) != 3 || service.UnboundKeys(parsed) != nil {
			t.Errorf("%s: MP_PUBLIC_KEYS %q, want three bound keys (the gateway's, notify's, the operators')", name, ks.public)
		}
		if !parsed["local"].Grants.Users || parsed["notify"].Grants.Users || ks.notify == "" || ks.notify == ks.signing {
			t.Errorf("%s: gateway %v, notify %v: want notify's own key, bound to notify", name, parsed["local"].Grants, parsed["notify"].Grants)
		}
		nk, err := auth.DecodePrivateKey(ks.notify)
		if err != nil || !parsed["notify"].Key.Equal(nk.Public()) {
			t.Errorf("%s: notify's private key does not match its public key (%v)", name, err)
		}
	}
	if upgraded.signing != auth.EncodePrivateKey(old) || upgraded.data != "d" {
		t.Errorf("upgrade changed the gateway's or the data key")
	}
	if fi, err := os.Stat(oldPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keys.env mode: %v %v", fi.Mode(), err)
	}
}

// TestKeysGiveTheOperatorsTheirOwnKey: a keys.env of before ADR 0217
// (the gateway's and notify's keys, bound) gains the operators' key, in
// MP_PUBLIC_KEYS bound to people's roles only, and keeps every other line;
// read again it is the same set; the file stays 0600; a keys.env whose
// MP_PUBLIC_KEYS names an operator key without its private half is
// refused, naming the variable, rather than given a key that would not
// verify.
func TestKeysGiveTheOperatorsTheirOwnKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gw, nk := mustKey(t), mustKey(t)
	public := service.BindPublicKeys("local="+auth.EncodePublicKey(gw.Public().(ed25519.PublicKey)), nk.Public().(ed25519.PublicKey))
	before := "MP_SIGNING_KEY=" + auth.EncodePrivateKey(gw) + "\nMP_NOTIFY_SIGNING_KEY=" + auth.EncodePrivateKey(nk) +
		"\nMP_PUBLIC_KEYS=" + public + "\nMP_DATA_KEY=d\nMP_DATA_KEY_OLD=old\n"
	path := filepath.Join(dir, "keys.env")
	if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.signing != auth.EncodePrivateKey(gw) || ks.notify != auth.EncodePrivateKey(nk) || ks.data != "d" || ks.rotation["MP_DATA_KEY_OLD"] != "old" {
		t.Errorf("the upgrade changed the gateway's, notify's or the data key, or dropped a line: %+v", ks)
	}
	if !strings.HasPrefix(ks.public, public+",operator=") {
		t.Errorf("MP_PUBLIC_KEYS %q, want %q with the operators' key added", ks.public, public)
	}
	parsed, err := service.ParsePublicKeys(ks.public)
	if err != nil {
		t.Fatal(err)
	}
	op, err := auth.DecodePrivateKey(ks.operator)
	if err != nil || !parsed[service.OperatorKeyID].Key.Equal(op.Public()) || op.Equal(gw) || op.Equal(nk) {
		t.Fatalf("MP_OPERATOR_SIGNING_KEY is not a key of its own that MP_PUBLIC_KEYS names operator (%v)", err)
	}
	if g := parsed[service.OperatorKeyID].Grants; !g.Users || len(g.Services) != 0 || g.Unbound {
		t.Errorf("the operators' key may sign %v, want people's roles only", g)
	}
	again, err := keys(path)
	if err != nil || again.operator != ks.operator || again.public != ks.public {
		t.Errorf("keys.env read again: %+v, %v; want the same operators' key", again, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keys.env mode: %v %v", fi.Mode(), err)
	}

	lost := filepath.Join(dir, "lost.env")
	body := strings.Replace(before, "MP_PUBLIC_KEYS="+public, "MP_PUBLIC_KEYS="+ks.public, 1)
	if err := os.WriteFile(lost, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys(lost); err == nil || !strings.Contains(err.Error(), "MP_OPERATOR_SIGNING_KEY") {
		t.Errorf("keys.env with an operator entry but no MP_OPERATOR_SIGNING_KEY: %v, want a refusal naming it", err)
	}
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
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
