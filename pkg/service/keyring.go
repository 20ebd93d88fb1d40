package service

import (
	"log/slog"

	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/seal"
)

// KeyBucketsEnv chooses where a service creates new data keys (ADR 0238):
// KeyBucketsOwn (the default) in its own bucket, KeyBucketsShared in the
// shared bucket of before, for the time of a rolling upgrade from a
// release before owner buckets, while older processes that read only the
// shared bucket still run.
const (
	KeyBucketsEnv    = "MP_KEY_BUCKETS"
	KeyBucketsOwn    = "own"
	KeyBucketsShared = "shared"
)

// KeyBucketsFrom is MP_KEY_BUCKETS: own or shared. Every service reads
// it here, and so does `stack seed`, which seals the demo accounts as
// the gateway beside it does: one reading, so the two cannot disagree
// about where new keys go (ADR 0252).
func KeyBucketsFrom(e *envvar.Env) string {
	return e.OneOf(KeyBucketsEnv, KeyBucketsOwn, KeyBucketsOwn, KeyBucketsShared)
}

// KeyringConfig is the keyring of the service name (ADR 0234, 0238): it
// owns the key bucket of its name, read first, and reads every other
// owner's (the people's owners first) and the shared one of before; a
// service that owns none (notify) reads them all and creates and shreds
// nothing (seal.Config.ReadOnly). shared creates new keys in the shared
// bucket (KeyBucketsShared). Only the gateway maintains the key ring's
// streams; the others make them when absent (CreateOnly).
func KeyringConfig(name string, keks []seal.KEK, replicas int, shared bool, log *slog.Logger) seal.Config {
	return seal.Config{KEKs: keks, Replicas: replicas, Logger: log,
		CreateOnly: name != events.OperatorStreamsOwner,
		Owner:      name, Others: seal.KeyOwners,
		ReadOnly:      !seal.OwnsKeys(name),
		SharedCreates: shared && seal.OwnsKeys(name)}
}
