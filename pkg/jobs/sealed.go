package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
)

// SealedData is Data whose objects are sealed with pkg/seal, every stored
// version under a data key of its own. Replacing an object (a result
// redacted after an erasure) or deleting it (a succeeded job's snapshot)
// shreds the previous version's key, so the copies the object store leaves
// in its blocks can no longer be read, on disk or in a backup. Objects
// that expire by the store's TTL keep their key (see ADR 0030).
type SealedData struct {
	inner Data
	keys  *seal.Keyring
	ids   ids.Source
}

var _ Data = (*SealedData)(nil)

// NewSealedData seals inner's objects with keys.
func NewSealedData(inner Data, keys *seal.Keyring) *SealedData {
	return &SealedData{inner: inner, keys: keys, ids: ids.UUIDv7{}}
}

// jobDataPrefix leads the subject of every job object's key.
const jobDataPrefix = "jobdata-"

// A sealed object is: the length of its key's subject (1 byte), the
// subject, then the sealed bytes.
func splitSealed(raw []byte) (subject string, sealed []byte, ok bool) {
	if len(raw) < 1 || len(raw) < 1+int(raw[0]) {
		return "", nil, false
	}
	n := int(raw[0])
	return string(raw[1 : 1+n]), raw[1+n:], true
}

func dataAAD(id string, kind Kind) []byte {
	return []byte("motesplats/jobdata/v1\x00" + id + "\x00" + string(kind))
}

// current returns the subject of the stored version of id's kind, if any.
func (s *SealedData) current(ctx context.Context, id string, kind Kind) (string, error) {
	raw, err := s.inner.Get(ctx, id, kind)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	subject, _, _ := splitSealed(raw)
	return subject, nil
}

// Put implements Data: it seals raw under a new key, stores it, and then
// shreds the key of the version it replaced.
func (s *SealedData) Put(ctx context.Context, id string, kind Kind, raw []byte) (string, error) {
	prev, err := s.current(ctx, id, kind)
	if err != nil {
		return "", err
	}
	subject := jobDataPrefix + s.ids.New()
	sealed, err := s.keys.Seal(ctx, subject, raw, dataAAD(id, kind))
	if err != nil {
		return "", fmt.Errorf("jobs: seal %s of %s: %w", kind, id, err)
	}
	ref, err := s.inner.Put(ctx, id, kind, append(append([]byte{byte(len(subject))}, subject...), sealed...))
	if err != nil {
		return "", err
	}
	if prev != "" && prev != subject {
		if err := s.keys.Shred(ctx, prev); err != nil {
			return ref, fmt.Errorf("jobs: shred the replaced %s of %s: %w", kind, id, err)
		}
	}
	return ref, nil
}

// Get implements Data. An object whose key is shredded is NotFound.
func (s *SealedData) Get(ctx context.Context, id string, kind Kind) ([]byte, error) {
	raw, err := s.inner.Get(ctx, id, kind)
	if err != nil {
		return nil, err
	}
	subject, sealed, ok := splitSealed(raw)
	if !ok {
		return nil, apperr.Errorf(apperr.Internal, "jobs: the job's %s is not sealed", kind)
	}
	plain, err := s.keys.Open(ctx, subject, sealed, dataAAD(id, kind))
	if seal.IsShredded(err) {
		return nil, apperr.Errorf(apperr.NotFound, "the job's %s is gone", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s of %s: %w", kind, id, err)
	}
	return plain, nil
}

// Delete implements Data: it drops the object and shreds its key.
func (s *SealedData) Delete(ctx context.Context, id string, kind Kind) error {
	prev, err := s.current(ctx, id, kind)
	if err != nil {
		return err
	}
	if err := s.inner.Delete(ctx, id, kind); err != nil {
		return err
	}
	if prev == "" {
		return nil
	}
	if err := s.keys.Shred(ctx, prev); err != nil && !errors.Is(err, seal.ErrShredded) {
		return fmt.Errorf("jobs: shred %s of %s: %w", kind, id, err)
	}
	return nil
}

// List implements Data.
func (s *SealedData) List(ctx context.Context) ([]Object, error) { return s.inner.List(ctx) }

// OpenData opens a programme's job data: the object store bucket (results
// and a failed job's snapshot kept ttl), sealed with kr's per-person keys
// when kr is not nil, since snapshots and results name people.
func OpenData(ctx context.Context, js jetstream.JetStream, bucket string, replicas int, ttl time.Duration, kr *seal.Keyring) (Data, error) {
	objects, err := OpenObjectData(ctx, js, bucket, replicas, ttl)
	if err != nil {
		return nil, err
	}
	if kr == nil {
		return objects, nil
	}
	return NewSealedData(objects, kr), nil
}

// ClaimKeys moves the keys of the stored objects that are still in the
// shared key bucket of before into the programme's own bucket (ADR 0238,
// seal.Keyring.Claim), and returns how many it moved: the keyring's owner
// made them. No object is read unless the shared bucket holds a job
// data key.
func (s *SealedData) ClaimKeys(ctx context.Context) (int, error) {
	left, err := s.keys.Unclaimed(ctx)
	if err != nil {
		return 0, err
	}
	found := false
	for k := range left {
		if strings.HasPrefix(k, jobDataPrefix) {
			found = true
			break
		}
	}
	if !found {
		return 0, nil
	}
	objs, err := s.inner.List(ctx)
	if err != nil {
		return 0, err
	}
	var subjects []string
	for _, o := range objs {
		subject, err := s.current(ctx, o.ID, o.Kind)
		if err != nil {
			return 0, err
		}
		if subject != "" {
			subjects = append(subjects, subject)
		}
	}
	return s.keys.Claim(ctx, subjects)
}
