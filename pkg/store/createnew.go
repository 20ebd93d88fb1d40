package store

import (
	"context"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// CreateNew creates a record under a new id for a call that carries no
// request id, and so cannot be repeated: newID picks the id and build makes
// the record and its events for it, as in CreateOnce. Nothing is
// remembered of the request: the record carries no request key, the index
// keeps no entry for it and the writer does not wait for its watch, so a
// create costs its record's write and its event's, as Create does
// (docs/adr/0177-a-volunteer-without-a-request-id.md).
//
// Config.Confirm is asked as CreateOnce asks it, once the record is stored
// and before its events go out: a refusal deletes the record unpublished
// and is the answer; any other error leaves it to the relay, which asks
// Confirm again before it publishes an entry as its create wrote it.
// Returns AlreadyExists when newID gave a used id, Invalid for an invalid
// one, Confirm's errors, or the write's.
//
// The record returned is the one build made; the repository keeps no
// reference to it.
func (r *Repo[T]) CreateNew(ctx context.Context, newID func() string,
	build func(id string) (T, []*eventsv1.Envelope, error)) (T, uint64, error) {
	var zero T
	if r.fed() {
		return zero, 0, errFedWrite()
	}
	id := newID()
	if !ids.Valid(id) {
		return zero, 0, apperr.Errorf(apperr.Invalid, "invalid id")
	}
	v, evs, err := build(id)
	if err != nil {
		return zero, 0, err
	}
	ctx, span := r.startWrite(ctx, "create")
	defer span.End()
	rec, plain, err := r.encodeNew(ctx, id, v, evs)
	if err != nil {
		return zero, 0, err
	}
	rev, err := r.createEntry(ctx, id, rec, plain)
	if err != nil {
		return zero, 0, err
	}
	if h := r.cfg.Hooks; h != nil && h.AfterRecord != nil {
		if herr := h.AfterRecord(id); herr != nil {
			return zero, 0, herr
		}
	}
	if err := r.confirmNew(ctx, id, rev, rec.GetTicket(), v); err != nil {
		return zero, 0, err
	}
	r.flush(ctx, id, rev, rec)
	return v, rev, nil
}
