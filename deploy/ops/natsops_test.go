package ops_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// runbookSnippet is the first line of docs/runbook.md holding marker,
// cut to the command: a fenced block's line as it is, an inline one
// between its backticks. The test runs what the runbook says, so a
// command edited there is the one tested.
func runbookSnippet(t *testing.T, marker string) string {
	t.Helper()
	for _, line := range strings.Split(readRoot(t, "docs", "runbook.md"), "\n") {
		i := strings.Index(line, marker)
		if i < 0 {
			continue
		}
		line = strings.TrimSpace(line)
		if strings.Count(line, "`") >= 2 {
			// An inline command: the backticked span around marker.
			i = strings.Index(line, marker)
			start := strings.LastIndex(line[:i], "`")
			end := strings.Index(line[i:], "`")
			if start >= 0 && end >= 0 {
				return line[start+1 : i+end]
			}
		}
		return line
	}
	t.Fatalf("docs/runbook.md has no line with %q", marker)
	return ""
}

// opsShell runs script with bash in dir, as an operator's shell after
// the runbook's make up sign-in line (keys.env and node 1's URL
// replaced by the test's), with natscli on PATH; it returns the
// output and how long it took.
func opsShell(t *testing.T, dir, keys, natsURL, script string) (string, error, time.Duration) {
	t.Helper()
	signIn := strings.NewReplacer(".tmp/up/keys.env", keys, "nats://127.0.0.1:4222", natsURL).
		Replace(runbookSnippet(t, "set -a; . .tmp/up/keys.env; NATS_URL="))
	cmd := exec.CommandContext(testutil.Context(t), "bash", "-c", signIn+"\n"+script)
	cmd.Dir = dir
	// Nothing of the test's environment signs natscli in: only the
	// runbook's line does.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PATH="+filepath.Dir(natsCLI(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	return string(out), err, time.Since(start)
}

// writeKeysEnv writes the NATS lines of make up's keys.env for the
// layout: every user's password as NATS_<USER>_PASSWORD, the tools'
// user and password as NATS_USER and NATS_PASSWORD, the CA, and the
// tools' client certificate.
func writeKeysEnv(t *testing.T, s *system) string {
	t.Helper()
	var b strings.Builder
	for u, p := range s.Opts.NATSPasswords {
		fmt.Fprintf(&b, "%s=%s\n", service.NATSPasswordVar(u), p)
	}
	fmt.Fprintf(&b, "%s=%s\n%s=%s\n%s=%s\n", service.NATSUserEnv, service.NATSToolsUser,
		service.NATSPasswordEnv, s.Opts.NATSPasswords[service.NATSToolsUser], service.NATSCAFileEnv, layout.NATSCAFile(s.Opts.NATSTLS))
	// The tools' client certificate, which the nodes verify (ADR 0276).
	cert, key := layout.NATSClientFiles(s.Opts.NATSTLS, service.NATSToolsUser)
	fmt.Fprintf(&b, "%s=%s\n%s=%s\n", service.NATSCertFileEnv, cert, service.NATSKeyFileEnv, key)
	path := filepath.Join(t.TempDir(), "keys.env")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNATSOps_RunbookAsTheToolsUser runs docs/runbook.md's backup,
// restore and drain as written, as the user the runbook names (the
// tools' user, ADR 0237), on make up's three-node layout with a user
// per process and TLS (ADR 0226, 0230): the backup of every stream
// leaves a backup of each (but the memory bucket it skips); one stream,
// the participants' records, removed and restored from it holds what it
// held, and the participants service, started again on it, lists the
// same people; the drain's step-down moves every stream leader off n2;
// a consumer's leader steps down too; the runbook's report lists the
// streams; and the same user may not remove the erasure log, the key
// ring (the shared key bucket and an owner's, ADR 0239) or the audit
// log; the runbook's set 2, every key bucket and the erasure log, is
// moved apart from set 1. nats-server refused nothing else: its logs name no
// violation but those three and the control's (an owner's natscli
// without its reply prefix; the owner's edit with it says none).
func TestNATSOps_RunbookAsTheToolsUser(t *testing.T) {
	t.Parallel()
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	s := mustUpWith(t, layout.Options{NATSNodes: 3, Replicas: 1, NATSPasswords: pw, NATSTLS: t.TempDir()})
	natsURL := "nats://" + mustProc(t, s, "nats-1").Addr
	s.seed(t, 20, 10)
	keys := writeKeysEnv(t, s)
	dir := t.TempDir()
	js := userJetStream(t, s, service.NATSToolsUser, pw[service.NATSToolsUser])
	ctx := testutil.Context(t)
	ownerKeys := ownersKeyBucket(t, s, pw)
	var streams []string
	for n := range js.StreamNames(ctx).Name() {
		streams = append(streams, n)
	}
	if len(streams) < 20 {
		t.Fatalf("the layout has %d streams: %v", len(streams), streams)
	}

	// The backup of every stream, as the runbook has it.
	out, err, took := opsShell(t, dir, keys, natsURL, runbookSnippet(t, "nats stream backup"))
	t.Logf("the runbook's backup of %d streams took %v", len(streams), took.Round(time.Millisecond))
	if err != nil || strings.Contains(out, "FAILED") || strings.Contains(out, "Violation") {
		t.Errorf("the runbook's backup: %v\n%s", err, lastLines(out, 15))
	}
	day := time.Now().Format("2006-01-02")
	var missing []string
	for _, st := range streams {
		if st == "KV_notify_limits" {
			continue
		}
		if !fileExists(filepath.Join(dir, "backup", day, st, "backup.json")) {
			missing = append(missing, st)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no backup of %d of %d streams: %v", len(missing), len(streams), missing)
	}
	// Set 2, the key buckets and the erasure log, moved apart as the
	// runbook says: an owner's key bucket among them (ADR 0239), and the
	// shared one of before where the services made it (a service that
	// owns its keys makes none).
	out, err, _ = opsShell(t, dir, keys, natsURL, runbookSnippet(t, `-keys" && mv`))
	if err != nil {
		t.Errorf("the runbook's move of set 2: %v\n%s", err, lastLines(out, 5))
	}
	set2 := []string{ownerKeys, "ERASURES"}
	for _, st := range streams {
		if strings.HasPrefix(st, "KV_data_keys") && st != ownerKeys {
			set2 = append(set2, st)
		}
	}
	for _, st := range set2 {
		if !fileExists(filepath.Join(dir, "backup", day+"-keys", st, "backup.json")) || fileExists(filepath.Join(dir, "backup", day, st)) {
			t.Errorf("set 2's backup of %s is not apart from set 1", st)
		}
	}
	t.Logf("set 2: %v", set2)

	// One stream removed and restored from the backup, its service
	// stopped, as the runbook says: the participants' records.
	pc := participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	before := participantNames(t, pc)
	const restored = "KV_participants"
	held := streamState(t, js, restored)
	if err := s.Kill("participants"); err != nil {
		t.Fatal(err)
	}
	script := strings.ReplaceAll(runbookSnippet(t, "nats stream rm -f \"$s\" && nats stream restore"), "<date>", day)
	if !strings.HasPrefix(script, "s="+restored+";") {
		t.Fatalf("the runbook's restore is not of %s: %s", restored, script)
	}
	out, err, took = opsShell(t, dir, keys, natsURL, script)
	t.Logf("the runbook's removal and restore of %s took %v", restored, took.Round(time.Millisecond))
	if err != nil || !strings.Contains(out, "Restored stream") {
		t.Errorf("the runbook's restore of %s: %v\n%s", restored, err, lastLines(out, 15))
	}
	if got := streamState(t, js, restored); got != held {
		t.Errorf("%s restored holds %s, want %s as before", restored, got, held)
	}
	if err := s.Restart(ctx, "participants"); err != nil {
		t.Fatal(err)
	}
	pc = participantsv1.NewParticipantServiceClient(s.dial(t, "participants"))
	// At once: the service serves once its index holds what the stream
	// held when it opened, even while two replicas of the restored stream
	// are still catching up (ADR 0250; session 44's CI listed no one).
	if after := participantNames(t, pc); !slices.Equal(after, before) {
		// Counts only: the names are the seed's, but a log keeps none.
		t.Errorf("the participants after the restore: %d listed, want the %d of before, the same", len(after), len(before))
	}

	// The erasure log, the key ring and the audit log are never removed
	// (the runbook: keep the live ones), and stay. The four at once: a
	// refused removal gets no reply, so natscli waits out its timeout
	// (5 s each, one after another 20 s of the package's run; ADR 0278).
	var refusals sync.WaitGroup
	for _, st := range []string{"ERASURES", "KV_data_keys", ownerKeys, "AUDIT"} {
		refusals.Go(func() {
			out, err, took := opsShell(t, dir, keys, natsURL, "nats stream rm -f "+st)
			t.Logf("nats stream rm -f %s, refused, took %v", st, took.Round(time.Millisecond))
			if err == nil || !strings.Contains(out, "Permissions Violation") {
				t.Errorf("nats stream rm -f %s as %s: %v, want refused\n%s", st, service.NATSToolsUser, err, lastLines(out, 5))
			}
			if _, err := js.Stream(ctx, st); err != nil && slices.Contains(streams, st) {
				t.Errorf("%s after a refused removal: %v", st, err)
			}
		})
	}
	refusals.Wait()

	// The drain's step 1 report and step 2, moving every stream leader
	// off n2.
	out, err, _ = opsShell(t, dir, keys, natsURL, runbookSnippet(t, "nats stream report"))
	if err != nil || !strings.Contains(out, "KV_participants") {
		t.Errorf("the runbook's nats stream report: %v\n%s", err, lastLines(out, 10))
	}
	led := leadersOn(t, js, streams, "n2")
	if len(led) == 0 {
		t.Fatalf("n2 leads no stream of %d: nothing to step down", len(streams))
	}
	out, _, took = opsShell(t, dir, keys, natsURL, runbookSnippet(t, "nats stream cluster step-down"))
	t.Logf("the runbook's step-down of the %d streams n2 led took %v", len(led), took.Round(time.Millisecond))
	if strings.Contains(out, "Violation") || strings.Contains(out, "nats: error") {
		t.Errorf("the runbook's step-down:\n%s", lastLines(out, 15))
	}
	if still := leadersOn(t, js, led, "n2"); len(still) > 0 {
		t.Errorf("%d of %d streams still led by n2 after the step-down: %v", len(still), len(led), still)
	}
	// A durable's leader (R3, as its stream), as the runbook's
	// consumer step-down says.
	out, err, _ = opsShell(t, dir, keys, natsURL, strings.NewReplacer("<STREAM>", "PARTICIPANTS", "<consumer>", "dinners-participants").
		Replace(runbookSnippet(t, "nats consumer cluster step-down")))
	if err != nil || strings.Contains(out, "Violation") {
		t.Errorf("the runbook's consumer step-down: %v\n%s", err, lastLines(out, 10))
	}

	// A stream's replicas lowered by its owner, as the runbook's upgrade
	// section says (the tools' user may not edit a stream). Without the
	// owner's reply prefix natscli is refused its replies (the control
	// that the runbook needs it).
	edit := runbookSnippet(t, "stream edit PARTICIPANTS --replicas 1")
	out, err, _ = opsShell(t, dir, keys, natsURL, strings.Replace(edit, " --inbox-prefix _INBOX_participants", "", 1))
	if err == nil || !strings.Contains(out, "Permissions Violation for Subscription") {
		t.Errorf("the owner's edit without its reply prefix: %v, want refused\n%s", err, lastLines(out, 5))
	}
	out, err, _ = opsShell(t, dir, keys, natsURL, edit)
	if err != nil || strings.Contains(out, "Violation") {
		t.Errorf("the runbook's stream edit as the owner: %v\n%s", err, lastLines(out, 10))
	} else if info, err := js.Stream(ctx, "PARTICIPANTS"); err != nil || info.CachedInfo().Config.Replicas != 1 {
		t.Errorf("PARTICIPANTS after the edit: %v, want 1 replica", err)
	}

	var refused []string
	for i := 1; i <= 3; i++ {
		for _, l := range linesWith(mustProc(t, s, fmt.Sprintf("nats-%d", i)).Log(s.Opts.Dir), []string{"Violation"}, 20) {
			if !strings.Contains(l, "$JS.API.STREAM.DELETE.ERASURES") && !strings.Contains(l, "$JS.API.STREAM.DELETE.AUDIT") &&
				!strings.Contains(l, "$JS.API.STREAM.DELETE.KV_data_keys") &&
				!strings.Contains(l, `NATS CLI Version v0.5.0" - "$G/user:participants"`) {
				refused = append(refused, l)
			}
		}
	}
	if len(refused) > 0 {
		t.Errorf("NATS refused what the runbook does:\n%s", strings.Join(refused, "\n"))
	}
}

// participantNames are the participants' ids and names the service
// lists, sorted: a record restored is read whole.
func participantNames(t *testing.T, pc participantsv1.ParticipantServiceClient) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(testutil.Context(t), time.Minute)
	defer cancel()
	list, err := pc.ListParticipants(ctx, &participantsv1.ListParticipantsRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list.GetParticipants() {
		out = append(out, p.GetId()+" "+p.GetGivenName()+" "+p.GetFamilyName())
	}
	slices.Sort(out)
	if len(out) == 0 {
		t.Fatal("no participants listed")
	}
	return out
}

// streamState is what a stream holds, as the tools' user reads it.
func streamState(t *testing.T, js jetstream.JetStream, name string) string {
	t.Helper()
	st, err := js.Stream(testutil.Context(t), name)
	if err != nil {
		return "no stream: " + err.Error()
	}
	s := st.CachedInfo().State
	return fmt.Sprintf("%d messages, sequences %d-%d, %d bytes, %d subjects", s.Msgs, s.FirstSeq, s.LastSeq, s.Bytes, s.NumSubjects)
}

// leadersOn are the streams of names whose leader is node. A stream
// between leaders (an election under way) is asked again, up to a
// minute: no leader is not another node.
func leadersOn(t *testing.T, js jetstream.JetStream, names []string, node string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		leader := ""
		testutil.CheckFor(t, time.Minute, 100*time.Millisecond, func() error {
			st, err := js.Stream(testutil.Context(t), n)
			if err != nil {
				return err
			}
			if c := st.CachedInfo().Cluster; c != nil && c.Leader != "" {
				leader = c.Leader
				return nil
			}
			return fmt.Errorf("%s has no leader", n)
		})
		if leader == node {
			out = append(out, n)
		}
	}
	return out
}

// lastLines are the last n lines of out.
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestNATSUsers_ToolsRemoveNoKeyRingErasureOrAuditLog: on compose's
// configuration the tools' user, which may remove a stream before the
// runbook's restore (ADR 0237), is refused the removal of the erasure
// log, the key ring (the shared bucket of before and every owner's, ADR
// 0239) and the audit log, and reaches the server with a removal of
// another stream (the control that the refusals are the denial's, not
// the grant's absence).
func TestNATSUsers_ToolsRemoveNoKeyRingErasureOrAuditLog(t *testing.T) {
	pw := testPasswords(t)
	url, _ := startShipped(t, shippedConfigs(t, pw)[0], t.TempDir())
	stack := connectWatched(t, url, service.NATSToolsUser, pw[service.NATSToolsUser])
	kept := []string{"ERASURES", "KV_data_keys", "AUDIT"}
	for _, o := range keyOwners {
		kept = append(kept, "KV_"+seal.OwnerBucket(o))
	}
	for _, st := range kept {
		if !stack.refused(t, "$JS.API.STREAM.DELETE."+st, "") {
			t.Errorf("the tools' user may remove %s", st)
		}
	}
	if stack.refused(t, "$JS.API.STREAM.DELETE.KV_participants", "") {
		t.Error("the tools' user may not remove KV_participants before a restore")
	}
}

// ownersKeyBucket makes the participants' key bucket with a key in it, as
// the participants' keyring does as an owner (ADR 0234 part 2, 0239), as
// their user and with the layout's data key, and returns its stream.
func ownersKeyBucket(t *testing.T, s *system, pw map[string]string) string {
	t.Helper()
	kek, err := seal.ParseKEK(s.dataKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.Open(testutil.Context(t), userJetStream(t, s, "participants", pw["participants"]),
		seal.Config{KEKs: []seal.KEK{kek}, CreateOnly: true, Owner: "participants", Others: keyOwners})
	if err != nil {
		t.Fatalf("participants' keyring as an owner: %v", err)
	}
	defer k.Close()
	if err := k.Prepare(testutil.Context(t), "p-runbook"); err != nil {
		t.Fatal(err)
	}
	return participantsKeys
}
