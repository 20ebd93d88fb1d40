package organisation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/unicode/norm"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// One organisation per name (docs/adr/0258): two live organisations
// never share a name once trimmed, inner spaces collapsed and case
// folded, or the administrators' pickers show two alike. A create (or a
// rename) first claims the name's key in NamesBucket (create-only, so of
// two at once on two replicas one gets it), after a look in the index,
// synced with the bucket, for a live organisation of the name (which
// also catches organisations stored before there were claims); then it
// writes its record; once stored, Confirm checks the claim is still its
// own and writes it again at its revision, so a takeover read before
// fails (ADR 0263). A claim whose holder is gone or renamed (a crash
// between a removal and its release, a create that died before its
// record) is taken over by the next create of the name, so nothing stays
// stuck; the create it was taken from, if still in flight, is refused.

// NamesBucket is the KV bucket of name claims: key a hash of the
// normalised name, value the id of the organisation holding it.
const NamesBucket = "organisation_names"

// NameTakenText is the refusal of a name a live organisation has, in the
// service's English; the gateway shows it in the user's language.
const NameTakenText = "an organisation with that name exists"

// errNameTaken is the caller's answer when the name is taken: as the
// gateway refuses a taken e-mail (AlreadyExists).
var errNameTaken = apperr.Errorf(apperr.AlreadyExists, NameTakenText)

// errNameLost is Confirm's refusal (FailedPrecondition, which the store
// takes as a refusal and undoes the write); Create and Update answer
// errNameTaken for it.
var errNameLost = apperr.Errorf(apperr.FailedPrecondition, NameTakenText)

// nameIndex is the repository index of organisations by NameKey.
const nameIndex = "name"

// NormaliseName is name as compared for uniqueness: invisible format
// characters (Unicode's Cf) dropped, NFKC (so "o" with a combining
// diaeresis is "ö", full-width "４７" is "47", a no-break space a
// space), trimmed, runs of spaces made one, each letter case folded as
// unicode.SimpleFold orbits go (so "Ö" and "ö" are one, "ö" and "o" two:
// Malmö is not Malmo). Two names that look alike compare as one (ADR
// 0264). A name in NFC with no compatibility characters (every ordinary
// Swedish name) has the same key as before NFKC, so claims written
// before stand; names typed decomposed or with full-width or other
// compatibility forms get a new key, and the index, built from the
// records at start, finds them under it.
func NormaliseName(name string) string {
	name = norm.NFKC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name))
	fields := strings.FieldsFunc(name, unicode.IsSpace)
	return strings.Map(foldRune, strings.Join(fields, " "))
}

// foldRune is the smallest rune of r's case-folding orbit, the same for
// every rune strings.EqualFold takes as equal to r.
func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// NameKey is the claim key of name: a hash, short and a valid KV key
// whatever letters the name has.
func NameKey(name string) string {
	sum := sha256.Sum256([]byte(NormaliseName(name)))
	return hex.EncodeToString(sum[:16])
}

// Names holds the name claims of organisations.
type Names struct {
	js   jetstream.JetStream
	kv   jetstream.KeyValue
	repo atomic.Pointer[store.Repo[*pb.Organisation]]
	// afterClaim, in tests, runs once a create's or rename's claim is
	// made, before its record is written.
	afterClaim func()
	// inFlight, in tests, replaces claimInFlight.
	inFlight *time.Duration
}

// OpenNames opens (or creates) the name claims' bucket with replicas
// copies, as the organisations' own bucket.
func OpenNames(ctx context.Context, js jetstream.JetStream, replicas int) (*Names, error) {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:   NamesBucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", NamesBucket, err)
	}
	return &Names{js: js, kv: kv}, nil
}

// Bind gives n the organisations' repository, once open; Confirm answers
// Unavailable (the relay asks again) until then.
func (n *Names) Bind(repo *store.Repo[*pb.Organisation]) { n.repo.Store(repo) }

// Check makes cfg ask n about every stored create and every rename.
func (n *Names) Check(cfg *store.Config[*pb.Organisation]) {
	cfg.Confirm = n.Confirm
	cfg.ConfirmUpdate = func(ctx context.Context, _, after *pb.Organisation) error { return n.Confirm(ctx, after) }
	cfg.CheckUpdate = func(before, after *pb.Organisation) bool {
		return NameKey(before.GetName()) != NameKey(after.GetName())
	}
}

var errUncheckedName = apperr.Errorf(apperr.Unavailable, "the organisation's name could not be checked; try again")

// claimInFlight is how long after its claim a create may still be
// writing its record: a holder of a younger claim that is in no record
// yet is a create in flight, waited for, not taken over. Two replicas
// creating one name at once, the loser took the winner's claim over
// while the winner's record was on its way, and churned its 5 rounds
// against the winner's check: "could not be checked; try again" for 4
// of 10 losers (ADR 0268, 0271). A create slower than this loses its
// claim to the next create of the name and is refused by Confirm's
// fence, so there are never two; a create that died before its record
// holds the name this long at most, well within the 10 s a caller of a
// service waits (grpcx) before "no answer; try again".
const claimInFlight = 3 * time.Second

// claimBackoff is the first and the longest wait between two reads of a
// claim held by a create in flight.
const claimBackoff, claimBackoffMax = 5 * time.Millisecond, 200 * time.Millisecond

// claim makes key id's: a new claim, id's own, or one taken over from
// a holder that is gone (its claim older than claimInFlight, and in no
// record) or has another name now. errNameTaken when a live
// organisation of the name holds it.
func (n *Names) claim(ctx context.Context, key, id string) error {
	repo := n.repo.Load()
	if repo == nil {
		return unchecked("claim: not bound yet", nil)
	}
	inFlight := claimInFlight
	if n.inFlight != nil {
		inFlight = *n.inFlight
	}
	// A live organisation of the name, with the index as new as the
	// bucket: one whose claim is held (then the holder is seen below)
	// or one stored before there were claims, which holds none.
	// Confirm no longer looks (ADR 0263), so this is the check.
	if err := repo.Sync(ctx); err != nil {
		return unchecked("claim: index sync", err)
	}
	if sameName(repo, key, id) {
		return errNameTaken
	}
	backoff, start := claimBackoff, time.Now()
	var rounds []string // what each of the five rounds met, for the log
	for tries := 0; tries < 5; {
		if _, err := n.kv.Create(ctx, key, []byte(id)); err == nil {
			n.claimed()
			return nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return unchecked("claim: create", err)
		}
		data, rev, at, err := leader.GetAt(ctx, n.js, NamesBucket, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			// Released meanwhile; or, in a cluster, another create's
			// claim is proposed and not yet applied: nats-server refuses a
			// write expecting a subject's last sequence while another is in
			// flight on it ("last sequence by subject mismatch", which
			// Create answers as exists) before the leader has the claim.
			// Read again in a moment, as for a create in flight: the five
			// rounds, run at once, were all spent inside that window and
			// both replicas answered "try again" (ADR 0276).
			rounds = append(rounds, "exists, then the leader has none")
			if time.Since(start) >= inFlight {
				tries++
			}
			wait := backoff
			backoff = min(2*backoff, claimBackoffMax)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return unchecked("claim: waiting for a claim in flight", ctx.Err())
			case <-t.C:
			}
			continue
		}
		if err != nil {
			return unchecked("claim: read the holder", err)
		}
		holder := string(data)
		if holder == id {
			return nil
		}
		if err := repo.Sync(ctx); err != nil {
			return unchecked("claim: index sync after the holder", err)
		}
		o, ok := repo.Lookup(holder)
		if ok && NameKey(o.GetName()) == key {
			return errNameTaken
		}
		if age := time.Since(at); !ok && !at.IsZero() && age < inFlight && time.Since(start) < inFlight {
			if !n.unwritten(ctx, holder) {
				// Removed, or written since the sync: the index again.
				if err := repo.Sync(ctx); err != nil {
					return unchecked("claim: index sync after a write", err)
				}
				if o, ok := repo.Lookup(holder); ok && NameKey(o.GetName()) == key {
					return errNameTaken
				}
			} else {
				// A create in flight: its record comes, or it is refused
				// and lets the claim go, or it died and the claim ages.
				// Read again in a moment, within ctx and the claim's age
				// (and claimInFlight of this create's, whatever the
				// clocks say).
				wait := min(backoff, inFlight-age)
				backoff = min(2*backoff, claimBackoffMax)
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return unchecked("claim: waiting for a create in flight", ctx.Err())
				case <-t.C:
				}
				continue
			}
		}
		if _, err := n.kv.Update(ctx, key, []byte(id), rev); err == nil {
			n.claimed()
			return nil
		} else {
			rounds = append(rounds, fmt.Sprintf("takeover refused (holder in index %v, claim age %v): %v", ok, time.Since(at).Round(time.Millisecond), err))
		}
		tries++ // changed since read: read again
	}
	return unchecked("claim: five rounds changed under it", errors.New(strings.Join(rounds, "; ")))
}

// unwritten reports whether holder's record was never written: its key
// was never in the organisations' bucket, as of a create before its
// record. A removed holder's key holds its removal; it is gone, not in
// flight, and its claim is taken over at once (a removal whose release
// was lost). A record written since the index was synced is looked for
// in the index again.
func (n *Names) unwritten(ctx context.Context, holder string) bool {
	_, _, err := leader.Get(ctx, n.js, Bucket, holder)
	return errors.Is(err, jetstream.ErrKeyNotFound)
}

// claimed runs the test hook afterClaim, if any.
func (n *Names) claimed() {
	if n.afterClaim != nil {
		n.afterClaim()
	}
}

// Confirm is the store's last check of a stored create or rename of o:
// the claim of o's name is o's. It writes the claim again at the
// revision it read (a fence): a takeover that read the claim before
// (claim, when it found no record of the holder) then fails and reads
// again, and now finds o's record, stored before this check. Of two
// creates of a name, the one that holds the claim at its check stands
// and any other is refused: never two, and, unlike ADR 0258's check of
// the index here, never none when a claim was taken over from a create
// in flight (its record, stored but refused, is not counted against
// the one that took it; ADR 0263). errNameLost otherwise, which undoes
// the write.
func (n *Names) Confirm(ctx context.Context, o *pb.Organisation) error {
	if n.repo.Load() == nil {
		return unchecked("confirm: not bound yet", nil)
	}
	key := NameKey(o.GetName())
	for range 5 {
		data, rev, err := leader.Get(ctx, n.js, NamesBucket, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
			return errNameLost
		case err != nil:
			return unchecked("confirm: read the claim", err)
		case string(data) != o.GetId():
			return errNameLost
		}
		if _, err := n.kv.Update(ctx, key, data, rev); err == nil {
			return nil
		} else if !wrongRevision(err) {
			return unchecked("confirm: write the claim again", err)
		}
		// Written since read (a takeover, or this check asked twice at
		// once): read again.
	}
	return unchecked("confirm: five rounds changed under it", nil)
}

// unchecked is errUncheckedName, logged with the step that could not
// check and NATS' error (its subjects hold the name's hash, never the
// name): the caller is told only "try again", and the logs say why
// (the real cluster's "try again" in 2 of 10 races, ADR 0276).
func unchecked(step string, err error) error {
	slog.Warn("organisation name not checked; the caller is told to try again", "step", step, "error", err)
	return errUncheckedName
}

// wrongRevision reports whether err is a write refused because the key
// is not at the revision given.
func wrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || (errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant))
}

// sameName reports whether repo's index holds an organisation other
// than id whose name has key.
func sameName(repo *store.Repo[*pb.Organisation], key, id string) bool {
	p, err := repo.Find(store.Query[*pb.Organisation]{Index: nameIndex, Values: []string{key}, Limit: 2})
	if err != nil {
		return false
	}
	for _, o := range p.Items {
		if o.GetId() != id {
			return true
		}
	}
	return false
}

// release lets key go when id holds it (a removal, a rename, a refused
// create); a claim another took over stays theirs. A release that fails
// leaves a claim the next create of the name takes over.
func (n *Names) release(ctx context.Context, key, id string) {
	ctx = context.WithoutCancel(ctx)
	data, rev, err := leader.Get(ctx, n.js, NamesBucket, key)
	if err != nil || string(data) != id {
		return
	}
	_ = n.kv.Delete(ctx, key, jetstream.LastRevision(rev))
}

// nameTaken turns Confirm's refusal into the caller's answer.
func nameTaken(err error) error {
	if err == errNameLost || (apperr.ErrorCode(err) == apperr.FailedPrecondition && strings.Contains(err.Error(), NameTakenText)) {
		return errNameTaken
	}
	return err
}
