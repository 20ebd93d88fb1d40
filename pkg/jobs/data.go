package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
)

// Kind names what a stored job object is.
type Kind string

// The kinds of job data.
const (
	// SnapshotKind is a job's frozen input: the records it matches, as the
	// programme encoded them. It names people, so it is dropped when the
	// job succeeds, and kept while a failed job may be resumed.
	SnapshotKind Kind = "snapshot"
	// ResultKind is what a job found besides its proposals (who stayed
	// unmatched and why), kept for the Data store's TTL.
	ResultKind Kind = "result"
)

// Data stores jobs' snapshots and results. It is the one place job data
// is written and read, so that sealing (encrypting) it is one decorator
// of this interface. Objects hold people's ids and facts; callers never
// log them.
type Data interface {
	// Put stores raw as job id's object of kind, replacing any, and
	// returns a reference to show in the job (its name and digest).
	Put(ctx context.Context, id string, kind Kind, raw []byte) (ref string, err error)
	// Get returns job id's object of kind. Returns NotFound when there is
	// none (never stored, expired or dropped).
	Get(ctx context.Context, id string, kind Kind) ([]byte, error)
	// Delete drops job id's object of kind; a missing one is no error.
	Delete(ctx context.Context, id string, kind Kind) error
	// List returns the job id and kind of every stored object.
	List(ctx context.Context) ([]Object, error)
}

// Object names one stored job object.
type Object struct {
	ID   string
	Kind Kind
}

// Redactor removes the person with id from raw, a stored object of kind,
// and reports whether anything changed (out is then stored instead). A
// programme writes it for its own snapshot and result shapes.
type Redactor func(kind Kind, raw []byte, id string) (out []byte, changed bool, err error)

// ObjectData is Data in a JetStream object store, one object per job and
// kind, named "<job id>.<kind>".
type ObjectData struct {
	os     jetstream.ObjectStore
	bucket string
}

var _ Data = (*ObjectData)(nil)

// OpenObjectData creates (or updates) the object store bucket; ttl bounds
// how long any object is kept (0: until deleted), which is the retention
// of results.
func OpenObjectData(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, ttl time.Duration) (*ObjectData, error) {
	if replicas <= 0 {
		replicas = 1
	}
	os, err := ensure.ObjectStore(ctx, js, jetstream.ObjectStoreConfig{
		Bucket: bucket, Storage: jetstream.FileStorage, Replicas: replicas, TTL: ttl,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: data store %s: %w", bucket, err)
	}
	return &ObjectData{os: os, bucket: bucket}, nil
}

func objectName(id string, kind Kind) string { return id + "." + string(kind) }

// Put implements Data.
func (d *ObjectData) Put(ctx context.Context, id string, kind Kind, raw []byte) (string, error) {
	if _, err := d.os.PutBytes(ctx, objectName(id, kind), raw); err != nil {
		return "", fmt.Errorf("jobs: store %s of %s: %w", kind, id, err)
	}
	sum := sha256.Sum256(raw)
	return fmt.Sprintf("%s/%s sha256:%s", d.bucket, objectName(id, kind), hex.EncodeToString(sum[:8])), nil
}

// Get implements Data.
func (d *ObjectData) Get(ctx context.Context, id string, kind Kind) ([]byte, error) {
	raw, err := readObject(ctx, d.os, objectName(id, kind))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, apperr.Errorf(apperr.NotFound, "the job's %s is gone", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: read %s of %s: %w", kind, id, err)
	}
	return raw, nil
}

// Delete implements Data.
func (d *ObjectData) Delete(ctx context.Context, id string, kind Kind) error {
	if err := d.os.Delete(ctx, objectName(id, kind)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("jobs: drop %s of %s: %w", kind, id, err)
	}
	return nil
}

// List implements Data.
func (d *ObjectData) List(ctx context.Context) ([]Object, error) {
	infos, err := d.os.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: list data: %w", err)
	}
	out := make([]Object, 0, len(infos))
	for _, in := range infos {
		if in.Deleted {
			continue
		}
		id, kind, ok := strings.Cut(in.Name, ".")
		if !ok {
			continue
		}
		out = append(out, Object{ID: id, Kind: Kind(kind)})
	}
	return out, nil
}

// Forget removes the person with id from every stored snapshot and result
// (Config.Redact decides what that means for the programme's shapes), so an
// erased person's id and score parts do not outlive them in a job's data,
// and notes the id in the forgotten log, so a job still running, which may
// have read them before, leaves them out of what it stores later (ADR
// 0130). It is idempotent; run it again after a failure. Without Data or
// Redact it does nothing.
func (m *Manager) Forget(ctx context.Context, id string) error {
	d, redact := m.cfg.Data, m.cfg.Redact
	if d == nil || redact == nil {
		return nil
	}
	// One Forget at a time rewrites objects (see forgetLockKey): a put
	// replaces an object whole, so two at once lose one's redaction.
	ctx, unlock, err := m.lockForget(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	objs, err := d.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range objs {
		errs = append(errs, m.forgetIn(ctx, d, redact, o, id))
	}
	// Last, and still holding the lock: a job writing after this finds
	// the id and leaves the person out (docs/adr/0130). Logged even after
	// a failure here, which only makes writers redact once more.
	errs = append(errs, m.noteForgotten(ctx, id))
	return errors.Join(errs...)
}

// forgetReadTimeout bounds Forget's read of one object. A read whose
// object was replaced under it no longer waits (readObject re-reads it);
// this bounds any other stall, so that an erasure event's handler does not
// hold its delivery for the consumer's whole AckWait (30 s): the read
// fails in seconds and the event is retried almost at once (its first
// backoff is 100 ms). A job object is read in well under a second.
const forgetReadTimeout = 10 * time.Second

// forgetIn removes the person with id from one object (see Forget).
func (m *Manager) forgetIn(ctx context.Context, d Data, redact Redactor, o Object, id string) error {
	rctx, cancel := context.WithTimeout(ctx, forgetReadTimeout)
	raw, err := d.Get(rctx, o.ID, o.Kind)
	cancel()
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil // dropped since the listing
	}
	if err != nil {
		return err
	}
	out, changed, err := redact(o.Kind, raw, id)
	if err != nil {
		return fmt.Errorf("jobs: redact %s of %s: %w", o.Kind, o.ID, err)
	}
	if !changed {
		return nil
	}
	if _, err := d.Put(ctx, o.ID, o.Kind, out); err != nil {
		return err
	}
	// The job may have succeeded and dropped its snapshot between the
	// read and the write: do not leave a copy behind.
	if o.Kind == SnapshotKind {
		if j, err := m.Get(ctx, o.ID); err != nil || j.State == Succeeded {
			return d.Delete(ctx, o.ID, o.Kind)
		}
	}
	return nil
}
