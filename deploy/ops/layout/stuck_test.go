package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOurStacks keeps, from a stack dump in a process's log, the headers
// and frames of goroutines in our code, and nothing of the others.
func TestOurStacks(t *testing.T) {
	dump := `{"level":"INFO","msg":"serving metrics"}
SIGQUIT: quit
goroutine 1 [select]:
github.com/nats-io/nats.go/jetstream.(*kvs).History(...)
	/root/go/pkg/mod/github.com/nats-io/nats.go@v1.55.0/jetstream/kv.go:1509
github.com/motesplats/motesplats/pkg/seal.(*Keyring).claim(...)
	/src/pkg/seal/claim.go:96

goroutine 7 [IO wait]:
internal/poll.(*FD).Read(...)
`
	path := filepath.Join(t.TempDir(), "p.log")
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	got := ourStacks(path, 50)
	for _, want := range []string{"goroutine 1 [select]:", "seal.(*Keyring).claim"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "goroutine 7") || strings.Contains(got, "nats.go/jetstream") {
		t.Errorf("kept what is not ours:\n%s", got)
	}
	if ourStacks(filepath.Join(t.TempDir(), "none"), 50) != "" {
		t.Error("a missing log gave stacks")
	}
}
