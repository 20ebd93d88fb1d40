package ops_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// keyStream is the key ring's bucket's stream (pkg/seal).
const keyStream = "KV_" + seal.DefaultBucket

// watched is a connection whose permission refusals are collected: the
// server answers a refused publish or subscription with an error naming
// the subject, and nothing else.
type watched struct {
	nc      *nats.Conn
	refusal chan error
}

func connectWatched(t *testing.T, url, user, password string) *watched {
	t.Helper()
	w := &watched{refusal: make(chan error, 64)}
	nc, err := service.ConnectNATS(url, "forgery-"+user, service.NATSAuth{User: user, Password: password, TLS: shippedTLS(t)},
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				w.refusal <- err
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	w.nc = nc
	return w
}

// refused sends data to subject with a reply subject and reports whether
// the server refused it (its permission error for the subject came) or
// let it through (an answer came: JetStream's, or no responders).
func (w *watched) refused(t *testing.T, subject, data string) bool {
	t.Helper()
	answers := make(chan *nats.Msg, 1)
	inbox := w.nc.NewInbox()
	sub, err := w.nc.ChanSubscribe(inbox, answers)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := w.nc.PublishMsg(&nats.Msg{Subject: subject, Reply: inbox, Data: []byte(data)}); err != nil {
		t.Fatal(err)
	}
	guard := time.NewTimer(30 * time.Second) // a hang, not a measurement
	defer guard.Stop()
	for {
		select {
		case <-answers:
			return false
		case err := <-w.refusal:
			if strings.Contains(err.Error(), `"`+subject+`"`) {
				return true
			}
		case <-guard.C:
			t.Fatalf("%s: neither an answer nor a refusal", subject)
		}
	}
}

// TestNATSUsers_ForgeryRefused: on compose's configuration (the same
// users as Kubernetes', TestNATSConfig_UsersAreTheGrants), the dinners
// user cannot publish a participant's registration or a participants'
// bucket entry, purge or delete the participants' bucket, take over, pull
// from or delete mentoring's durable on the participants' stream, or
// forge a dead letter or a replay for mentoring's consumer, change the
// operations streams' or the key ring's configuration (their maintainer,
// the gateway, may) or delete an erasure from the log, and notify, which
// shreds no key, cannot log an erasure (ADR 0234); it cannot
// listen to the participants' events or another user's replies; the
// volunteers user, which consumes nothing of the participants', cannot
// read their stream or bucket in any way; and none of it changed
// anything. Dinners still reads the participants' stream through its own
// durable, which it consumes. The key ring per owner (ADR 0234 part 2,
// 0239; natsforgery_keys_test.go): dinners cannot write, securely delete,
// purge or update the participants' key bucket, nor log a participant's
// erasure or one of the bare form of before, and notify writes no key
// bucket; dinners may not create the participants' key bucket, absent
// (before `stack ensure`) or there (ADR 0244); participants creates and
// shreds its own people's keys in its own, dinners binds it (made by the
// tools' user) and opens a participant's record with the key there; and with phase 3's users no service writes
// or deletes in the shared bucket of before. ADR 0225's single user,
// which every process shared, does every one of them: the control that
// each attempt reaches the server.
func TestNATSUsers_ForgeryRefused(t *testing.T) {
	pw := testPasswords(t)
	compose := shippedConfigs(t, pw)[0]
	url, _ := startShipped(t, compose, t.TempDir())
	ctx := testutil.Context(t)

	// The participants' stream with one registration and their bucket
	// with one key, as the participants' user writes them; mentoring's
	// durable on the stream, as mentoring's user makes it.
	pnc, err := service.ConnectNATS(url, "participants", service.NATSAuth{User: "participants", Password: pw["participants"], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer pnc.Close()
	pjs, _ := jetstream.New(pnc)
	if err := events.EnsureStream(ctx, pjs, events.StreamConfig{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		t.Fatal(err)
	}
	if err := events.CreateOperatorStreams(ctx, pjs, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := pjs.Publish(ctx, events.ParticipantRegistered+".p1", []byte("registered")); err != nil {
		t.Fatal(err)
	}
	kv, err := pjs.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "participants"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "p1", []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	mnc, err := service.ConnectNATS(url, "mentoring", service.NATSAuth{User: "mentoring", Password: pw["mentoring"], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer mnc.Close()
	mjs, _ := jetstream.New(mnc)
	if _, err := mjs.CreateOrUpdateConsumer(ctx, events.StreamParticipants, jetstream.ConsumerConfig{Durable: "mentoring-participants",
		FilterSubjects: []string{events.ParticipantEvents}, AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}

	// The key ring as the services make it, each as its own user, with a
	// key of before in the shared bucket, the participants' p1 in their
	// own, and p0 erased by them (natsforgery_keys_test.go).
	dnc, err := service.ConnectNATS(url, "dinners", service.NATSAuth{User: "dinners", Password: pw["dinners"], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer dnc.Close()
	djs0, _ := jetstream.New(dnc)
	// Before any key bucket exists, dinners may not make the
	// participants' with a configuration of its choosing (ADR 0244): the
	// tools' `stack ensure` makes every owner's, and a reader waits.
	early := connectWatched(t, url, "dinners", pw["dinners"])
	if !early.refused(t, "$JS.API.STREAM.CREATE."+participantsKeys, absentKeysCreate) {
		t.Errorf("dinners could create the participants' key bucket while absent (%s)", participantsKeys)
	}
	snc, err := service.ConnectNATS(url, "stack", service.NATSAuth{User: service.NATSToolsUser, Password: pw[service.NATSToolsUser], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer snc.Close()
	sjs, _ := jetstream.New(snc)
	ring := openOwnerKeyRing(t, sjs, pjs, djs0)
	defer ring.close()

	// The operations streams' and the key ring's configuration with a max
	// age of a second: what a forged update would shorten every dead
	// letter's life to, or drop every key and every erasure with.
	shortened := map[string]string{}
	for _, name := range []string{events.StreamDeadLetter, events.StreamReplay, keyStream, seal.DefaultErasureStream} {
		s, err := pjs.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		c := s.CachedInfo().Config
		c.MaxAge = time.Second
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		shortened[name] = string(b)
	}

	// Each attempt is dinners', but the reads are volunteers': dinners
	// consumes the participants' events, and its pool's feed reads the
	// newest one directly; volunteers reads nothing of them.
	attempts := []struct{ what, subject, data, as string }{
		{"publish a participant's registration", events.ParticipantRegistered + ".forged", "forged", ""},
		{"write a participants' bucket entry", "$KV.participants.p1", "forged", ""},
		{"read the participants' stream", "$JS.API.STREAM.MSG.GET.PARTICIPANTS", `{"seq":1}`, ""},
		{"read the participants' stream directly", "$JS.API.DIRECT.GET.PARTICIPANTS", `{"seq":1}`, ""},
		{"read the participants' stream through a consumer", "$JS.API.CONSUMER.CREATE.PARTICIPANTS.reader",
			`{"stream_name":"PARTICIPANTS","config":{"name":"reader","ack_policy":"none","deliver_policy":"all"}}`, ""},
		{"read the participants' bucket", "$JS.API.DIRECT.GET.KV_participants.$KV.participants.p1", "", ""},
		{"take over mentoring's durable", "$JS.API.CONSUMER.CREATE.PARTICIPANTS.mentoring-participants",
			`{"stream_name":"PARTICIPANTS","config":{"durable_name":"mentoring-participants","ack_policy":"none","deliver_policy":"all"}}`, ""},
		{"pull from mentoring's durable", "$JS.API.CONSUMER.MSG.NEXT.PARTICIPANTS.mentoring-participants", `{"batch":1,"no_wait":true}`, ""},
		{"forge a dead letter of mentoring's", events.DeadLetterPrefix + "mentoring-participants", "forged", ""},
		{"forge a replay to mentoring", events.ReplayPrefix + "mentoring-participants", "forged", ""},
		{"purge the participants' bucket", "$JS.API.STREAM.PURGE.KV_participants", "{}", ""},
		{"delete mentoring's durable", "$JS.API.CONSUMER.DELETE.PARTICIPANTS.mentoring-participants", "", ""},
		{"delete the participants' bucket", "$JS.API.STREAM.DELETE.KV_participants", "", ""},
		// Only the gateway, their owner, may change the operations
		// streams (ADR 0234).
		{"shorten the dead letters' max age", "$JS.API.STREAM.UPDATE." + events.StreamDeadLetter, shortened[events.StreamDeadLetter], ""},
		{"shorten the replays' max age", "$JS.API.STREAM.UPDATE." + events.StreamReplay, shortened[events.StreamReplay], ""},
		// Nor the key ring's (ADR 0234): a max age would drop every key,
		// or every erasure, which a restored backup then brings back.
		{"drop every data key by a max age", "$JS.API.STREAM.UPDATE." + keyStream, shortened[keyStream], ""},
		{"drop every erasure by a max age", "$JS.API.STREAM.UPDATE." + seal.DefaultErasureStream, shortened[seal.DefaultErasureStream], ""},
		{"delete an erasure from the log", "$JS.API.STREAM.MSG.DELETE." + seal.DefaultErasureStream, `{"seq":1}`, ""},
		// Notify shreds no key of its own: it may log no erasure.
		{"log an erasure", "erasure.p1", "forged", "notify"},
	}
	// A key bucket and an erasure space per owner (ADR 0234 part 2, 0239).
	attempts = append(attempts, ownerForgeries(shortenedKeys(t, pjs))...)
	dinners := connectWatched(t, url, "dinners", pw["dinners"])
	volunteers := connectWatched(t, url, "volunteers", pw["volunteers"])
	notify := connectWatched(t, url, "notify", pw["notify"])
	for _, a := range attempts {
		who, w := "dinners", dinners
		switch {
		case a.as == "notify":
			who, w = "notify", notify
		case strings.HasPrefix(a.what, "read"):
			who, w = "volunteers", volunteers
		}
		if !w.refused(t, a.subject, a.data) {
			t.Errorf("%s could %s (%s)", who, a.what, a.subject)
		}
	}
	for _, subject := range []string{events.ParticipantsSubjects, "_INBOX.>", service.NATSInboxPrefix("participants") + ".>"} {
		if _, err := dinners.nc.Subscribe(subject, func(*nats.Msg) {}); err != nil {
			t.Fatal(err)
		}
		testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
			select {
			case err := <-dinners.refusal:
				if strings.Contains(err.Error(), `"`+subject+`"`) {
					return nil
				}
			default:
			}
			return errors.New("dinners may listen to " + subject)
		})
	}

	// Nothing changed, read as participants and mentoring.
	s, err := pjs.Stream(ctx, events.StreamParticipants)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CachedInfo().State.Msgs; n != 1 {
		t.Errorf("the participants' stream has %d events, want the 1 registered", n)
	}
	if e, err := kv.Get(ctx, "p1"); err != nil || string(e.Value()) != "sealed" {
		t.Errorf("the participants' bucket entry: %v %v", e, err)
	}
	c, err := mjs.Consumer(ctx, events.StreamParticipants, "mentoring-participants")
	if err != nil || c.CachedInfo().NumPending != 1 || c.CachedInfo().Config.AckPolicy != jetstream.AckExplicitPolicy {
		t.Errorf("mentoring's durable was changed, pulled from or deleted: %v", err)
	}
	for _, name := range []string{events.StreamDeadLetter, events.StreamReplay} {
		s, err := pjs.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if s.CachedInfo().State.Msgs != 0 {
			t.Errorf("%s holds a forged message", name)
		}
		if c := s.CachedInfo().Config; c.MaxAge != events.DeadLetterMaxAge {
			t.Errorf("%s's max age is %v, want %v: its configuration was changed", name, c.MaxAge, events.DeadLetterMaxAge)
		}
	}
	for _, name := range []string{keyStream, seal.DefaultErasureStream} {
		s, err := pjs.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if c := s.CachedInfo().Config; c.MaxAge != 0 {
			t.Errorf("%s's max age is %v: its configuration was changed", name, c.MaxAge)
		}
	}
	if erased, err := pjs.Stream(ctx, seal.DefaultErasureStream); err != nil || erased.CachedInfo().State.Msgs != 1 {
		t.Errorf("the erasure log lost p0's erasure or holds a forged one (%v)", err)
	}
	checkOwnerKeyRing(t, ring, pjs)
	// Their owner still may: the gateway's start raises their replicas
	// and brings the key ring to its configuration.
	gnc, err := service.ConnectNATS(url, "gateway", service.NATSAuth{User: "gateway", Password: pw["gateway"], TLS: shippedTLS(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer gnc.Close()
	gjs, _ := jetstream.New(gnc)
	for _, name := range []string{events.StreamDeadLetter, events.StreamReplay, keyStream, seal.DefaultErasureStream} {
		s, err := gjs.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gjs.UpdateStream(ctx, s.CachedInfo().Config); err != nil {
			t.Errorf("the gateway may not update %s, which it owns: %v", name, err)
		}
	}

	// Dinners consumes the participants' events: through its own durable.
	djs, _ := jetstream.New(dinners.nc)
	own, err := djs.CreateOrUpdateConsumer(ctx, events.StreamParticipants, jetstream.ConsumerConfig{Durable: "dinners-participants",
		FilterSubjects: []string{events.ParticipantEvents}, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatalf("dinners' own durable: %v", err)
	}
	msgs, err := own.Fetch(1)
	if err != nil {
		t.Fatal(err)
	}
	for m := range msgs.Messages() {
		if string(m.Data()) != "registered" {
			t.Errorf("dinners' durable read %q", m.Data())
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Errorf("dinners' ack: %v", err)
		}
	}
	if msgs.Error() != nil {
		t.Errorf("dinners' durable: %v", msgs.Error())
	}

	// ADR 0225's single user could do every one of them.
	legacy := connectWatched(t, url, service.NATSClientUser, pw[service.NATSClientUser])
	for _, a := range attempts {
		if legacy.refused(t, a.subject, a.data) {
			t.Errorf("ADR 0225's single user was refused to %s: the attempt proves nothing", a.what)
		}
	}

	// ADR 0234's phase 3: the shared bucket of before read-only, on a
	// server of its own (with a CA of its own: last).
	phase3Forgeries(t, pw)
}
