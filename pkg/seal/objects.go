package seal

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Objects is an object store whose objects are sealed with a subject's
// data key: the mentoring job snapshots use one subject per job, shredded
// when the job is final, so the snapshot and every copy of it turn to
// noise without rewriting the store's blocks.
type Objects struct {
	store  jetstream.ObjectStore
	bucket string
	keys   *Keyring
}

// NewObjects wraps store, the object store named bucket; the name binds
// each sealed object to its place.
func NewObjects(store jetstream.ObjectStore, bucket string, keys *Keyring) *Objects {
	return &Objects{store: store, bucket: bucket, keys: keys}
}

func (o *Objects) aad(name string) []byte {
	return []byte("motesplats/object/v1\x00" + o.bucket + "\x00" + name)
}

// Put seals data with subject's key and stores it under name. Returns
// ErrShredded when subject's key is gone.
func (o *Objects) Put(ctx context.Context, subject, name string, data []byte) error {
	sealed, err := o.keys.Seal(ctx, subject, data, o.aad(name))
	if err != nil {
		return err
	}
	if _, err := o.store.PutBytes(ctx, name, sealed); err != nil {
		return fmt.Errorf("seal: put object: %w", err)
	}
	return nil
}

// Get reads and opens the object name sealed for subject. Returns
// jetstream.ErrObjectNotFound when there is none, ErrShredded when the
// subject's key is gone.
func (o *Objects) Get(ctx context.Context, subject, name string) ([]byte, error) {
	sealed, err := o.store.GetBytes(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("seal: get object: %w", err)
	}
	return o.keys.Open(ctx, subject, sealed, o.aad(name))
}

// Delete removes the object name; the sealed bytes stay in the store's
// blocks until compacted, unreadable once the subject is shredded.
func (o *Objects) Delete(ctx context.Context, name string) error {
	if err := o.store.Delete(ctx, name); err != nil {
		return fmt.Errorf("seal: delete object: %w", err)
	}
	return nil
}

// Shred makes every object sealed for subject unreadable (Keyring.Shred).
func (o *Objects) Shred(ctx context.Context, subject string) error {
	return o.keys.Shred(ctx, subject)
}
