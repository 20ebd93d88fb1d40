package jobs

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// readCheckEvery is how long a read of an object may go without
// finishing before it asks whether the object is still the one it reads.
// Reads of a job's objects take milliseconds; a read that waits longer is
// large, slow, or reading chunks that are gone.
const readCheckEvery = 250 * time.Millisecond

// maxRereads bounds how often one Get starts over because the object was
// replaced under it; each replace is a Forget or a job write, both rare.
const maxRereads = 5

// errReplaced says the object was replaced or deleted while it was read.
var errReplaced = errors.New("jobs: object replaced while read")

// readObject reads the object name whole. An object store read takes the
// object's metadata and then subscribes to its chunks; when the object
// is deleted or replaced in between (a succeeded job drops its snapshot,
// Forget rewrites a result) the chunks are purged and nats.go waits for
// them until the read deadline (5 s, or the caller's, up to a consumer's
// whole AckWait), then fails with "i/o timeout". So a read that takes
// longer than readCheckEvery checks the object's metadata: still the same
// object, it waits on; deleted, it is NotFound; replaced, it reads the
// new version.
func readObject(ctx context.Context, store jetstream.ObjectStore, name string) ([]byte, error) {
	for range maxRereads {
		raw, err := readOnce(ctx, store, name)
		if !errors.Is(err, errReplaced) {
			return raw, err
		}
	}
	return nil, errReplaced
}

// readOnce is one read of readObject: it returns errReplaced when the
// object it began to read is no longer the current one, or
// jetstream.ErrObjectNotFound when it was deleted.
func readOnce(ctx context.Context, store jetstream.ObjectStore, name string) ([]byte, error) {
	res, err := store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	info, err := res.Info()
	if err != nil {
		res.Close()
		return nil, err
	}
	type read struct {
		raw []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		// A read abandoned below ends by itself at its deadline: nats.go
		// holds the result's lock while it waits, so Close cannot cut it.
		raw, err := io.ReadAll(res)
		res.Close()
		done <- read{raw, err}
	}()
	tick := time.NewTicker(readCheckEvery)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r.raw, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			now, err := store.GetInfo(ctx, name, jetstream.GetObjectInfoShowDeleted())
			switch {
			case errors.Is(err, jetstream.ErrObjectNotFound) || err == nil && now.Deleted:
				return nil, jetstream.ErrObjectNotFound
			case err == nil && now.NUID != info.NUID:
				return nil, errReplaced
			}
			// The same object, or the metadata could not be read: a slow
			// read, which keeps its deadline.
		}
	}
}
