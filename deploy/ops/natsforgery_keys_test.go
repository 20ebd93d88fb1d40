package ops_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// keyOwners are the services that own a key bucket and an erasure space
// (ADR 0234 part 2; notify owns none), people's owners first.
var keyOwners = []string{"participants", "volunteers", "gateway", "mentoring", "dinners", "guides"}

// participantsKeys is the participants' key bucket's stream.
var participantsKeys = "KV_" + seal.OwnerBucket("participants")

// ownerKeyRing is what TestNATSUsers_ForgeryRefused's key ring holds: a
// key of before in the shared bucket, and the participants' and dinners'
// keyrings with their owners, as the services open them (create-only).
type ownerKeyRing struct {
	participants, dinners *seal.Keyring
	// sealed is what participants sealed for p1; aad its place.
	sealed, aad []byte
}

// openOwnerKeyRing makes the key ring as the system does, each as its own
// user: participants' keyring of before (no owner) makes the shared
// bucket with a key of before; the tools' user (sjs) makes every owner's
// bucket, as `stack ensure` before the services (ADR 0244); dinners'
// keyring starts first and binds them; participants' keyring seals p1's
// record and shreds p0 in its own bucket and space. What the users
// refuse is an error, not a stop: with the users of before (the control)
// the rest of the test still sends every attempt.
func openOwnerKeyRing(t *testing.T, sjs, pjs, djs jetstream.JetStream) *ownerKeyRing {
	t.Helper()
	ctx := testutil.Context(t)
	kek := sealtest.KEK(t)
	before, err := seal.Open(ctx, pjs, seal.Config{KEKs: []seal.KEK{kek}, CreateOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := before.Prepare(ctx, "p9"); err != nil {
		t.Errorf("participants writing a key of before: %v", err)
	}
	before.Close()
	if _, err := seal.EnsureKeyBuckets(ctx, sjs, 1); err != nil {
		t.Errorf("the tools' user making every owner's key bucket (stack ensure): %v", err)
	}
	r := &ownerKeyRing{aad: []byte("participants/p1")}
	open := func(owner string, js jetstream.JetStream) *seal.Keyring {
		k, err := seal.Open(ctx, js, seal.Config{KEKs: []seal.KEK{kek}, CreateOnly: true, Owner: owner, Others: keyOwners})
		if err != nil {
			t.Errorf("%s opening its keyring (its own bucket, the others' made by the tools): %v", owner, err)
			return nil
		}
		return k
	}
	r.dinners = open("dinners", djs)
	if r.participants = open("participants", pjs); r.participants == nil {
		return r
	}
	if r.sealed, err = r.participants.Seal(ctx, "p1", []byte("sealed"), r.aad); err != nil {
		t.Errorf("participants creating its own person's key: %v", err)
	}
	if _, err := r.participants.Seal(ctx, "p0", []byte("sealed"), nil); err != nil {
		t.Errorf("participants creating its own person's key: %v", err)
	}
	if err := r.participants.Shred(ctx, "p0"); err != nil {
		t.Errorf("participants shredding its own person's key: %v", err)
	}
	return r
}

// close stops the keyrings' watches, before their connections close.
func (r *ownerKeyRing) close() {
	for _, k := range []*seal.Keyring{r.participants, r.dinners} {
		if k != nil {
			k.Close()
		}
	}
}

// checkOwnerKeyRing: after the attempts, participants' p1 opens for
// participants and, with the participant's key read from its bucket, for
// dinners; p0 is erased; the participants' bucket's configuration is as
// it was made.
func checkOwnerKeyRing(t *testing.T, r *ownerKeyRing, pjs jetstream.JetStream) {
	t.Helper()
	ctx := testutil.Context(t)
	if r.participants == nil || r.dinners == nil || r.sealed == nil {
		return // said where it failed
	}
	if got, err := r.participants.Open(ctx, "p1", r.sealed, r.aad); err != nil || string(got) != "sealed" {
		t.Errorf("participants opening p1 after the attempts: %q %v", got, err)
	}
	if got, err := r.dinners.Open(ctx, "p1", r.sealed, r.aad); err != nil || string(got) != "sealed" {
		t.Errorf("dinners opening p1 with the participant's key: %q %v", got, err)
	}
	if _, err := r.participants.Open(ctx, "p0", []byte("x"), nil); !seal.IsShredded(err) {
		t.Errorf("p0, shredded by participants: %v, want erased", err)
	}
	if s, err := pjs.Stream(ctx, participantsKeys); err != nil || s.CachedInfo().Config.MaxAge != 0 {
		t.Errorf("%s's configuration was changed (%v)", participantsKeys, err)
	}
	kv, err := pjs.KeyValue(ctx, seal.OwnerBucket("participants"))
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "p1"); err != nil || e.Revision() != 1 {
		t.Errorf("p1's key in %s after the attempts: %v, want the one participants made", participantsKeys, err)
	}
}

// shortenedKeys is the participants' key bucket's configuration with a
// maximum age of a second, made from the shared bucket's (the same
// configuration, pkg/seal's keyStreamConfig): a forged update with it
// would drop every participant's key.
func shortenedKeys(t *testing.T, js jetstream.JetStream) string {
	t.Helper()
	s, err := js.Stream(testutil.Context(t), keyStream)
	if err != nil {
		t.Fatal(err)
	}
	c := s.CachedInfo().Config
	c.Name, c.Subjects, c.MaxAge = participantsKeys, []string{"$KV." + seal.OwnerBucket("participants") + ".>"}, time.Second
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// absentKeysCreate is a stream create of the participants' key bucket
// with a maximum age of a second: what a reader could make of the bucket
// while absent, had it the right (ADR 0244).
var absentKeysCreate = `{"name":"` + participantsKeys + `","subjects":["$KV.` + seal.OwnerBucket("participants") +
	`.>"],"max_age":1000000000,"storage":"file","num_replicas":1}`

// ownerForgeries are the key ring's attempts of ADR 0234 part 2, each
// dinners' but those as notify.
func ownerForgeries(shortened string) []struct{ what, subject, data, as string } {
	return []struct{ what, subject, data, as string }{
		// A reader binds the other owners' buckets, never makes one (ADR
		// 0244): the subject is refused whether the bucket is there or not.
		{"create the participants' key bucket", "$JS.API.STREAM.CREATE." + participantsKeys, shortened, ""},
		{"write a key into the participants' key bucket", "$KV." + seal.OwnerBucket("participants") + ".p1", "forged", ""},
		{"securely delete a participant's key", "$JS.API.STREAM.MSG.DELETE." + participantsKeys, `{"seq":1}`, ""},
		{"drop every participant's key by a max age", "$JS.API.STREAM.UPDATE." + participantsKeys, shortened, ""},
		{"purge the participants' key bucket", "$JS.API.STREAM.PURGE." + participantsKeys, "{}", ""},
		{"log a participant's erasure", "erasure.participants.p1", "forged", ""},
		// The bare subject of before: every owner's keyring re-applies
		// it at start to its own keys.
		{"log an erasure of before", "erasure.p1", "forged", ""},
		{"write a key into the shared bucket", "$KV." + seal.DefaultBucket + ".p1", "forged", "notify"},
		{"securely delete a key of before", "$JS.API.STREAM.MSG.DELETE." + keyStream, `{"seq":1}`, "notify"},
		{"write a key into the participants' key bucket", "$KV." + seal.OwnerBucket("participants") + ".p1", "forged", "notify"},
	}
}

// phase3Forgeries: with the users of ADR 0234's phase 3
// (deploy/nats-users-legacy-keys-read-only.conf), no service writes or
// securely deletes in the shared bucket of before, which the tools' user
// still may; dinners still reads a key there.
func phase3Forgeries(t *testing.T, pw map[string]string) {
	t.Helper()
	compose := shippedConfigs(t, pw)[0]
	users := filepath.Join(filepath.Dir(compose.path), "nats-users.conf")
	if err := os.WriteFile(users, []byte(readRoot(t, strings.Split(readOnlyUsersFile, "/")...)), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := startShipped(t, compose, t.TempDir())
	ctx := testutil.Context(t)
	snc, err := service.ConnectNATS(url, "stack", service.NATSAuth{User: service.NATSToolsUser, Password: pw[service.NATSToolsUser], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer snc.Close()
	sjs, _ := jetstream.New(snc)
	k, err := seal.Open(ctx, sjs, seal.Config{KEKs: []seal.KEK{sealtest.KEK(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.Prepare(ctx, "p9"); err != nil {
		t.Fatalf("the tools' user writing a key of before: %v", err)
	}
	for _, user := range []string{"dinners", "participants"} {
		w := connectWatched(t, url, user, pw[user])
		for _, a := range []struct{ what, subject, data string }{
			{"securely delete a key of before", "$JS.API.STREAM.MSG.DELETE." + keyStream, `{"seq":1}`},
			{"write a key of before", "$KV." + seal.DefaultBucket + ".p9", "forged"},
		} {
			if !w.refused(t, a.subject, a.data) {
				t.Errorf("phase 3: %s could %s (%s)", user, a.what, a.subject)
			}
		}
	}
	dinners := connectWatched(t, url, "dinners", pw["dinners"])
	if dinners.refused(t, "$JS.API.DIRECT.GET."+keyStream+".$KV."+seal.DefaultBucket+".p9", "") {
		t.Error("phase 3: dinners may not read a key of before")
	}
	if s, err := sjs.Stream(ctx, keyStream); err != nil || s.CachedInfo().State.Msgs != 1 {
		t.Errorf("phase 3: the key of before was deleted or a forged one written (%v)", err)
	}
}
