package auth_test

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
)

func TestKeyEncoding_RoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	enc := auth.EncodePrivateKey(k)
	got, err := auth.DecodePrivateKey(enc + "\n")
	if err != nil {
		t.Fatalf("DecodePrivateKey: %v", err)
	}
	if !k.Equal(got) {
		t.Fatal("private key changed in the round trip")
	}
	pub := k.Public().(ed25519.PublicKey)
	gotPub, err := auth.DecodePublicKey(auth.EncodePublicKey(pub))
	if err != nil {
		t.Fatalf("DecodePublicKey: %v", err)
	}
	if !pub.Equal(gotPub) {
		t.Fatal("public key changed in the round trip")
	}
	if a, b := auth.KeyID(pub), auth.KeyID(gotPub); a != b || len(a) != 12 {
		t.Fatalf("KeyID=%q and %q, want equal and 12 characters", a, b)
	}
}

func TestKeyDecoding_Refuses(t *testing.T) {
	t.Parallel()
	secret := auth.EncodePrivateKey(mustKey(t))
	for _, in := range []string{"", "not base64!", "AAAA", secret + secret} {
		if _, err := auth.DecodePrivateKey(in); err == nil {
			t.Fatalf("DecodePrivateKey(%q) succeeded", in)
		} else if in != "" && strings.Contains(err.Error(), in) {
			t.Fatalf("error echoes the input: %v", err)
		}
		if _, err := auth.DecodePublicKey(in); err == nil {
			t.Fatalf("DecodePublicKey(%q) succeeded", in)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "signing.key")
	// Several processes of the stack may start at once: all get one key.
	keys := make([]ed25519.PrivateKey, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := auth.LoadOrCreateKeyFile(path)
			if err != nil {
				t.Errorf("LoadOrCreateKeyFile: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k == nil || !k.Equal(keys[0]) {
			t.Fatalf("caller %d got a different key", i)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Fatalf("key file mode %v, want %v", got, want)
	}
	again, err := auth.LoadOrCreateKeyFile(path)
	if err != nil || !again.Equal(keys[0]) {
		t.Fatalf("reload: err=%v, same key=%v", err, again.Equal(keys[0]))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("key directory holds %d files, want 1 (temporary files left?)", len(entries))
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("loaded a world-readable key file")
	}
}
