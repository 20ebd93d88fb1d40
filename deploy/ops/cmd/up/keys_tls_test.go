package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysSayTheNATSCA: keys.env of a make up with TLS (ADR 0230) says
// NATS_CA_FILE, once, so the tools sourcing it trust the layout's CA; a
// keys.env of before (complete, without the line) gains it without its
// keys changing, and a moved directory's path replaces the old one.
func TestKeysSayTheNATSCA(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.env")
	before, err := keys(path)
	if err != nil {
		t.Fatal(err)
	}
	count := func(line string) int {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count("\n"+string(b), "\n"+line+"\n")
	}
	if count("NATS_CA_FILE=/a/tls/ca.crt") != 0 {
		t.Fatal("keys.env of before says a CA")
	}
	for _, ca := range []string{"/a/tls/ca.crt", "/a/tls/ca.crt", "/b/tls/ca.crt"} {
		ks, err := keys(path, "NATS_CA_FILE="+ca)
		if err != nil {
			t.Fatal(err)
		}
		if ks.signing != before.signing || ks.data != before.data || ks.nats["dinners"] != before.nats["dinners"] {
			t.Errorf("%s: the keys changed", ca)
		}
		if n := count("NATS_CA_FILE=" + ca); n != 1 {
			t.Errorf("keys.env says NATS_CA_FILE=%s %d times, want once", ca, n)
		}
	}
	if count("NATS_CA_FILE=/a/tls/ca.crt") != 0 {
		t.Error("the old CA's path stayed beside the new one")
	}
}
