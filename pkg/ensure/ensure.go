// Package ensure creates JetStream streams, key-value buckets and object
// stores at start-up, and updates them only when their configuration has
// changed.
//
// nats.go's CreateOrUpdate* send an update first, so every replica of every
// service rewrote every stream's configuration at each start. An update is
// not free: in a cluster it goes through the meta group, and in nats-server
// v2.15 the file store swaps its configuration while a consumer being created
// on the same stream reads it unlocked (a data race the race detector reports
// when a service starts beside another's watcher). A create with the same
// configuration is a no-op on the server, so asking for a create first and
// updating only when the server says the stream exists with another
// configuration keeps start-ups read-only in the steady state.
package ensure

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream creates the stream, or updates it to cfg when it exists with
// another configuration.
func Stream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return js.CreateOrUpdateStream(ctx, cfg)
	}
	return s, err
}

// KeyValue creates the bucket, or updates it to cfg when it exists with
// another configuration.
func KeyValue(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.CreateOrUpdateKeyValue(ctx, cfg)
	}
	return kv, err
}

// ObjectStore creates the object store, or updates it to cfg when it exists
// with another configuration.
func ObjectStore(ctx context.Context, js jetstream.JetStream, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	os, err := js.CreateObjectStore(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.CreateOrUpdateObjectStore(ctx, cfg)
	}
	return os, err
}
