package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

// writeCA writes into dir a CA (ca.crt, ca.key) that ends in life.
func writeCA(t *testing.T, dir string, life time.Duration) {
	t.Helper()
	tmpl := certtest.CATemplate("old CA", life)
	tmpl.NotBefore = time.Now().Add(-9 * 365 * 24 * time.Hour)
	certtest.Sign(t, tmpl, nil).Write(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
}

// TestKeygenNATSTLS_NearAndPastTheCAsEnd (ADR 0241): a renewal under a CA
// with 200 days left renews and says when the CA ends; under an expired
// CA it is refused, saying so, and writes no certificate that would
// verify nowhere.
func TestKeygenNATSTLS_NearAndPastTheCAsEnd(t *testing.T) {
	t.Parallel()
	near := filepath.Join(t.TempDir(), "certs")
	writeCA(t, near, 200*24*time.Hour)
	var out bytes.Buffer
	if err := keygen([]string{"nats-tls", "-dir", near}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	want := "the CA itself expires on " + time.Now().Add(200*24*time.Hour).UTC().Format(time.DateOnly)
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "rollout restart statefulset/nats") {
		t.Errorf("a renewal under a CA of 200 days says no %q or no roll:\n%s", want, out.String())
	}
	past := filepath.Join(t.TempDir(), "certs")
	writeCA(t, past, -24*time.Hour)
	err := keygen([]string{"nats-tls", "-dir", past}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired CA: %v, want refused", err)
	}
	if _, err := os.Stat(filepath.Join(past, "tls.crt")); err == nil {
		t.Error("a certificate of an expired CA was written")
	}
}
