package layout

import (
	"slices"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// The key ring's grants (ADR 0234 part 2, ADR 0239): a key bucket per
// owner, which only its owner writes and securely deletes, and an erasure
// space per owner in the one erasure log, which only its owner logs in.
// Every subject below is one pkg/seal sends for a keyring with an Owner:
//   - Open: the own bucket and the erasure log made when absent
//     (ensure.StreamIfAbsent: STREAM.INFO, STREAM.CREATE) or brought to
//     their configuration by their maintainer (ensure.Stream:
//     STREAM.UPDATE); every other owner's bucket only bound, waited for
//     while absent (openOthers: STREAM.INFO; `stack ensure`, as the
//     tools' user, makes them before the services start, ADR 0244); the
//     shared bucket of before looked at (js.Stream: STREAM.INFO), made
//     when absent only with MP_KEY_BUCKETS=shared; a watch of every
//     bucket (kvwatch: an ordered consumer, CONSUMER.CREATE, its flow
//     control $JS.FC);
//   - a key's read: a direct get in each bucket (DIRECT.GET), a miss
//     asked of the stream leader (leader.Get: STREAM.MSG.GET), the
//     erasure log's newest entry of a subject (STREAM.MSG.GET.ERASURES);
//   - a key's create, the pool's batches, its drop, Rewrap, a purge
//     marker: a publish to "$KV.<own bucket>.<id>";
//   - Shred: a publish to "erasure.<owner>.<id>" (never the bare
//     "erasure.<id>" of ADR 0030: erasureSubjects' first), the key's
//     history (an ordered consumer) and a secure delete of each revision
//     (STREAM.MSG.DELETE) in the own bucket and, for a key of before, in
//     the shared one with its purge marker ("$KV.data_keys.<id>").
// No keyring purges or deletes a key bucket (STREAM.PURGE, STREAM.DELETE).

// LegacyKeys is what the services' users may do in the shared key bucket
// of before the owners' buckets, KV_data_keys (ADR 0234's phases).
type LegacyKeys int

const (
	// LegacyKeysWritable keeps ADR 0226's rights there for every service
	// but notify (phases 1 and 2): an upgrade's older replicas create
	// keys there, and each owner claims its keys of before by copying
	// them out and securely deleting them there, and shreds them there.
	LegacyKeysWritable LegacyKeys = iota
	// LegacyKeysReadOnly is phase 3: every service only reads it. The
	// operator switches to it once `stack rewrap` reports no key of
	// before left (docs/runbook.md); until then a compromised service may
	// still shred any key made before phase 2.
	LegacyKeysReadOnly
)

// legacyKeys is the shared key bucket of before (ADR 0030).
const legacyKeys = "KV_" + seal.DefaultBucket

// keyOwners are the users that own a key bucket and an erasure space:
// every service's but notify's (NeverErases: it shreds nothing of its
// own) and the tools' user's, which owns none and may do everything in
// all of them.
func keyOwners() []string {
	var out []string
	for _, u := range service.NATSServiceUsers() {
		if g, ok := grants[u]; ok && !g.NeverErases && u != service.NATSToolsUser {
			out = append(out, u)
		}
	}
	return out
}

// keyBuckets are every key bucket's stream: each owner's and the shared
// one of before.
func keyBuckets() []string {
	out := []string{}
	for _, o := range keyOwners() {
		out = append(out, "KV_"+seal.OwnerBucket(o))
	}
	return append(out, legacyKeys)
}

// keyRead is how a keyring reads a key bucket's stream s: its
// information, the direct and the leader's gets, and the ordered
// consumers of the watch and a key's history (whose names the client
// makes up). Not its creation: a reader waits for the owner's bucket,
// which a bucket it made could not be (ADR 0244).
func keyRead(s string) []string {
	return []string{"$JS.API.STREAM.INFO." + s, "$JS.API.STREAM.MSG.GET." + s,
		"$JS.API.DIRECT.GET." + s, "$JS.API.DIRECT.GET." + s + ".>",
		"$JS.API.CONSUMER.*." + s, "$JS.API.CONSUMER.*." + s + ".>", "$JS.API.CONSUMER.*.*." + s + ".>",
		"$JS.ACK." + s + ".>", "$JS.FC." + s + ".>"}
}

// keyWrite is what the writer of key bucket s adds to keyRead: its keys
// and purge markers, and the secure delete of a key's revisions.
func keyWrite(s string) []string {
	return []string{"$KV." + s[len("KV_"):] + ".>", "$JS.API.STREAM.MSG.DELETE." + s}
}

// keyRingPermissions is what user may publish to on the key ring: the
// key buckets and the erasure log, with legacy the shared bucket's phase.
// The erasure log is never purged or deleted from by anyone (a restored
// backup would bring an erased key back).
func keyRingPermissions(user string, g grant, legacy LegacyKeys) []string {
	tools := user == service.NATSToolsUser
	var pub []string
	for _, s := range keyBuckets() {
		pub = append(pub, keyRead(s)...)
		owner := s == "KV_"+seal.OwnerBucket(user)
		switch {
		case tools, owner:
			pub = append(pub, keyWrite(s)...)
			// The owner makes and brings its own bucket to its
			// configuration; `stack` (ensure, rewrap, seed) every one.
			pub = append(pub, "$JS.API.STREAM.CREATE."+s, "$JS.API.STREAM.UPDATE."+s)
		case s == legacyKeys && legacy == LegacyKeysWritable && !g.NeverErases:
			// Phase 2: an owner claims and shreds its keys of before
			// there, and with MP_KEY_BUCKETS=shared (an upgrade's
			// roll) creates keys there, making the bucket when absent
			// as a service of before did; the gateway, which
			// maintained it, may still update it (ADR 0234 part 1).
			pub = append(pub, keyWrite(s)...)
			pub = append(pub, "$JS.API.STREAM.CREATE."+s)
			if user == events.OperatorStreamsOwner {
				pub = append(pub, "$JS.API.STREAM.UPDATE."+s)
			}
		}
	}
	// The erasure log: created when absent, read (the newest entry of a
	// subject, the subjects' counts at start), updated only by its
	// maintainer and the tools' user.
	e := seal.DefaultErasureStream
	pub = append(pub, "$JS.API.STREAM.CREATE."+e, "$JS.API.STREAM.INFO."+e, "$JS.API.STREAM.MSG.GET."+e,
		"$JS.API.DIRECT.GET."+e, "$JS.API.DIRECT.GET."+e+".>",
		"$JS.API.CONSUMER.*."+e, "$JS.API.CONSUMER.*."+e+".>", "$JS.API.CONSUMER.*.*."+e+".>", "$JS.ACK."+e+".>", "$JS.FC."+e+".>")
	if maintainsShared(user) {
		pub = append(pub, "$JS.API.STREAM.UPDATE."+e)
	}
	switch {
	case tools:
		pub = append(pub, "erasure.>")
	case !g.NeverErases:
		// Its own space only: a keyring re-applies at start its own
		// space and the bare "erasure.<id>" of before to its own keys,
		// so a forged entry there, or in another's space, would erase
		// another's people (ADR 0234).
		pub = append(pub, "erasure."+user+".>")
	}
	return pub
}

// keyRingDeny are the key ring's streams the tools' user, who may remove
// a stream before a restore (ADR 0237), may not remove: a live key ring
// (every owner's bucket and the shared one) and erasure log are never
// rolled back, since an older copy forgets erasures and newer keys.
// Subjects match whole tokens, so each bucket is named.
func keyRingDeny() []string {
	var out []string
	for _, s := range slices.Concat(keyBuckets(), []string{seal.DefaultErasureStream}) {
		out = append(out, "$JS.API.STREAM.DELETE."+s)
	}
	return out
}
