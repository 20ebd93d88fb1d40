package ops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestNATSUsers_ToolsBackUpAndRestore: on compose's configuration, the
// tools' user backs up the key ring's streams (the erasure log and an
// owner's key bucket, ADR 0239) with natscli as the runbook says (ADR 0233 found every user refused: no grant named a
// snapshot), and restores them into an empty server as the same user,
// with the erasure logged before the backup; dinners may not take the
// backup; the tools' user may step a stream's leader down, the runbook's
// drain (ADR 0234).
func TestNATSUsers_ToolsBackUpAndRestore(t *testing.T) {
	pw := testPasswords(t)
	compose := shippedConfigs(t, pw)[0]
	url, _ := startShipped(t, compose, t.TempDir())
	ctx := testutil.Context(t)
	cli := natsCLI(t)
	nats := func(url, user string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, cli, append([]string{"--server", url, "--user", user, "--password", pw[user],
			"--tlsca", os.Getenv(service.NATSCAFileEnv), "--timeout", "10s"}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// The key ring with one erasure, as participants writes it: in its
	// own key bucket and erasure space (ADR 0234 part 2).
	pnc, err := service.ConnectNATS(url, "participants", service.NATSAuth{User: "participants", Password: pw["participants"], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer pnc.Close()
	pjs, _ := jetstream.New(pnc)
	// Every owner's key bucket first, as `stack ensure` makes them as the
	// tools' user: the participants' keyring waits for the others' (ADR 0244).
	snc, err := service.ConnectNATS(url, "stack", service.NATSAuth{User: service.NATSToolsUser, Password: pw[service.NATSToolsUser], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer snc.Close()
	sjs, _ := jetstream.New(snc)
	if _, err := seal.EnsureKeyBuckets(ctx, sjs, 1); err != nil {
		t.Fatal(err)
	}
	keys, err := seal.Open(ctx, pjs, seal.Config{KEKs: []seal.KEK{sealtest.KEK(t)}, CreateOnly: true, Owner: "participants", Others: keyOwners})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if _, err := keys.Seal(ctx, "p0", []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Seal(ctx, "p1", []byte("sealed"), nil); err != nil {
		t.Fatal(err)
	}
	if err := keys.Shred(ctx, "p0"); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	streams := []string{participantsKeys, seal.DefaultErasureStream}
	for _, s := range streams {
		if out, err := nats(url, "dinners", "stream", "backup", s, filepath.Join(t.TempDir(), s)); err == nil {
			t.Errorf("dinners backed up %s:\n%s", s, out)
		}
		if out, err := nats(url, service.NATSToolsUser, "stream", "backup", s, filepath.Join(dir, s)); err != nil {
			t.Fatalf("the tools' user backing up %s: %v\n%s", s, err, out)
		}
	}
	stack := connectWatched(t, url, service.NATSToolsUser, pw[service.NATSToolsUser])
	if stack.refused(t, "$JS.API.STREAM.LEADER.STEPDOWN."+seal.DefaultErasureStream, "") {
		t.Error("the tools' user may not step a stream's leader down")
	}

	// Restored into an empty server by the same user: the erasure is there.
	empty, _ := startShipped(t, compose, t.TempDir())
	for _, s := range streams {
		if out, err := nats(empty, service.NATSToolsUser, "stream", "restore", filepath.Join(dir, s)); err != nil {
			t.Fatalf("the tools' user restoring %s: %v\n%s", s, err, out)
		}
	}
	out, err := nats(empty, service.NATSToolsUser, "stream", "info", seal.DefaultErasureStream, "-j")
	if err != nil || !strings.Contains(out, `"messages": 1,`) {
		t.Errorf("the restored erasure log: %v\n%s", err, out)
	}
	// p1's key and p0's purge marker (p0's revision securely deleted).
	out, err = nats(empty, service.NATSToolsUser, "stream", "info", participantsKeys, "-j")
	if err != nil || !strings.Contains(out, `"messages": 2,`) {
		t.Errorf("the restored %s: %v\n%s", participantsKeys, err, out)
	}
}
