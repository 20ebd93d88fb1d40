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
// another configuration, keeping its replicas when cfg asks for fewer.
func Stream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		if r := replicasNow(ctx, js, cfg.Name); r > max(cfg.Replicas, 1) {
			cfg.Replicas = r
			if s, err = js.CreateStream(ctx, cfg); !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				return s, err
			}
		}
		return js.CreateOrUpdateStream(ctx, cfg)
	}
	return s, err
}

// replicasNow returns the replicas stream has, 0 when it cannot say. A
// start never lowers them: an older replica started again during a
// rolling upgrade (which asked R1 for buckets a newer one made R3) or a
// process started without MP_REPLICAS in a cluster made R3 streams and
// buckets R1 (ADR 0197). Lowering them is an operator's `nats stream
// edit --replicas`.
func replicasNow(ctx context.Context, js jetstream.JetStream, stream string) int {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0
	}
	return s.CachedInfo().Config.Replicas
}

// KeyValue creates the bucket, or updates it to cfg when it exists with
// another configuration, keeping its replicas when cfg asks for fewer.
func KeyValue(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		if r := replicasNow(ctx, js, "KV_"+cfg.Bucket); r > max(cfg.Replicas, 1) {
			cfg.Replicas = r
			if kv, err = js.CreateKeyValue(ctx, cfg); !errors.Is(err, jetstream.ErrBucketExists) {
				return kv, err
			}
		}
		return js.CreateOrUpdateKeyValue(ctx, cfg)
	}
	return kv, err
}

// ObjectStore creates the object store, or updates it to cfg when it exists
// with another configuration, keeping its replicas when cfg asks for fewer.
func ObjectStore(ctx context.Context, js jetstream.JetStream, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	os, err := js.CreateObjectStore(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		if r := replicasNow(ctx, js, "OBJ_"+cfg.Bucket); r > max(cfg.Replicas, 1) {
			cfg.Replicas = r
			if os, err = js.CreateObjectStore(ctx, cfg); !errors.Is(err, jetstream.ErrBucketExists) {
				return os, err
			}
		}
		return js.CreateOrUpdateObjectStore(ctx, cfg)
	}
	return os, err
}

// StreamIfAbsent returns the stream named in cfg, creating it with cfg
// when it is absent; an existing one keeps its configuration, whatever it
// is: the process that maintains it brings it to cfg at its start, and
// the caller's NATS user may not update it (ADR 0234).
func StreamIfAbsent(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Name)
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return s, err
	}
	s, err = js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		// Another process made it meanwhile.
		return js.Stream(ctx, cfg.Name)
	}
	return s, err
}
