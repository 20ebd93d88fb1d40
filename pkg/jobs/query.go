package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// read is get, or with fromLeader the same read answered by the bucket's
// stream leader, never a replica that is behind (pkg/store/leader).
func (m *Manager) read(ctx context.Context, id string, fromLeader bool) (Job, uint64, error) {
	if !fromLeader || !ids.Valid(id) {
		return m.get(ctx, id)
	}
	raw, rev, err := leader.Get(ctx, m.js, m.kv.Bucket(), id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return Job{}, 0, apperr.Errorf(apperr.NotFound, "job not found")
	}
	if err != nil {
		return Job{}, 0, fmt.Errorf("jobs: get %s from the stream leader: %w", id, err)
	}
	var j Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return Job{}, 0, fmt.Errorf("jobs: decode %s: %w", id, err)
	}
	return j, rev, nil
}

// Get returns the job with id from the bucket. Returns NotFound.
func (m *Manager) Get(ctx context.Context, id string) (Job, error) {
	j, _, err := m.get(ctx, id)
	return j, err
}

func (m *Manager) get(ctx context.Context, id string) (Job, uint64, error) {
	if !ids.Valid(id) {
		return Job{}, 0, apperr.Errorf(apperr.NotFound, "job not found")
	}
	e, err := m.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return Job{}, 0, apperr.Errorf(apperr.NotFound, "job not found")
	}
	if err != nil {
		return Job{}, 0, fmt.Errorf("jobs: get %s: %w", id, err)
	}
	var j Job
	if err := json.Unmarshal(e.Value(), &j); err != nil {
		return Job{}, 0, fmt.Errorf("jobs: decode %s: %w", id, err)
	}
	return j, e.Revision(), nil
}

// update applies fn to the job by compare-and-set, retrying on conflict.
// fn returning an error aborts without writing.
//
// The first read is a direct get, which in a cluster any replica of the
// bucket may answer, one that is behind too (ADR 0108): a runner that had
// just claimed the job read it back queued and ownerless, took that for a
// take-over and gave its attempt up, so every job on make up's three nodes
// could read "taken over after an interruption" with nothing interrupted,
// and a replica left behind made every claim a conflict (ADR 0233). So a
// refusal, a conflict or a failure (NotFound, no replica answering) of a
// direct read is decided again on the stream leader's record, as pkg/store
// decides a refused update (ADR 0119).
func (m *Manager) update(ctx context.Context, id string, fn func(*Job) error) (Job, error) {
	fromLeader := false
	for attempt := 0; attempt < 100; attempt++ {
		j, rev, err := m.read(ctx, id, fromLeader)
		if err != nil {
			if !fromLeader && ids.Valid(id) {
				fromLeader = true
				continue
			}
			return Job{}, err
		}
		if err := fn(&j); err != nil {
			if !fromLeader {
				fromLeader = true
				continue
			}
			return j, err
		}
		raw, err := json.Marshal(j)
		if err != nil {
			return Job{}, fmt.Errorf("jobs: encode: %w", err)
		}
		if _, err := m.kv.Update(ctx, id, raw, rev); err != nil {
			if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
				fromLeader = true
				continue
			}
			return Job{}, fmt.Errorf("jobs: update %s: %w", id, err)
		}
		return j, nil
	}
	return Job{}, apperr.Errorf(apperr.Unavailable, "job %s: too much contention", id)
}

// List returns the jobs for which keep returns true (nil keeps all), newest
// first, from the in-memory index (every replica's index follows the
// bucket).
func (m *Manager) List(keep func(Job) bool) []Job {
	m.mu.RLock()
	out := make([]Job, 0, len(m.jobs))
	for _, j := range m.jobs {
		if keep == nil || keep(j) {
			out = append(out, j)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Job) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// CheckID checks a job id a request names in field: "is required" when it
// is empty, "is not an id" when it cannot be one. The three programmes'
// job RPCs (get, watch, the left-out lists, a list's job filter) all
// check with it, so an empty or malformed job id reads the same whichever
// programme is asked: guides said "is required: a valid id" for both
// where mentoring and dinners said "is not an id" (ADR 0180). The gateway
// has both texts in Swedish ("måste fyllas i", "är inget giltigt id").
func CheckID(v *apperr.Validator, field, id string) {
	switch {
	case id == "":
		v.Add(field, "is required")
	case !ids.Valid(id):
		v.Add(field, "is not an id")
	}
}

// GetAs returns job id if who may see it (Visible). Returns Invalid
// (CheckID's, field "id") for an id that is empty or cannot be one,
// NotFound (also for a job out of scope).
func (m *Manager) GetAs(ctx context.Context, who auth.Claims, id string) (Job, error) {
	var v apperr.Validator
	if CheckID(&v, "id", id); v.Err() != nil {
		return Job{}, v.Err()
	}
	j, err := m.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if !Visible(who, j.Organisation, j.Municipalities) {
		return Job{}, apperr.Errorf(apperr.NotFound, "job not found")
	}
	return j, nil
}

// Page returns a page of the jobs who may see, newest first, and the
// token of the next page ("" at the end). A token whose job has gone since
// (retention) continues with the next older job rather than from the top.
// Returns Invalid ("page_size", "page_token").
func (m *Manager) Page(who auth.Claims, size int32, token string) ([]Job, string, error) {
	var v apperr.Validator
	n, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	all := m.List(func(j Job) bool { return Visible(who, j.Organisation, j.Municipalities) })
	start := 0
	if after != "" {
		start = slices.IndexFunc(all, func(j Job) bool { return j.ID == after }) + 1
		if start == 0 {
			// Ids are time-ordered, as is the list.
			if start = slices.IndexFunc(all, func(j Job) bool { return j.ID < after }); start < 0 {
				start = len(all)
			}
		}
	}
	end := min(start+n, len(all))
	next := ""
	if end < len(all) {
		next = page.Encode(all[end-1].ID)
	}
	return all[start:end], next, nil
}

// WatchAs is Watch for a caller who must be able to see the job. Returns
// Invalid, NotFound.
func (m *Manager) WatchAs(ctx context.Context, who auth.Claims, id string) (<-chan Job, error) {
	if _, err := m.GetAs(ctx, who, id); err != nil {
		return nil, err
	}
	return m.Watch(ctx, id)
}

// WatchHeartbeat is how often Watch sends the job again when it did not
// change: a queued job waiting for a runner changes nothing for as long as
// it waits, and the caller of a watch stream tells a quiet job from a
// stalled replica by this beat (grpcx.DeclareHeartbeat, ADR 0145). A
// running job's record changes every second anyway (its lease renewal).
const WatchHeartbeat = 5 * time.Second

// Watch sends the job every time it changes, starting with its current
// state, and again every WatchHeartbeat while it does not change, and
// closes the channel after a final state or when ctx ends. Returns
// NotFound.
func (m *Manager) Watch(ctx context.Context, id string) (<-chan Job, error) {
	if _, _, err := m.get(ctx, id); err != nil {
		return nil, err
	}
	w, err := m.kv.Watch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("jobs: watch %s: %w", id, err)
	}
	out := make(chan Job, 1)
	go func() {
		defer close(out)
		defer func() { _ = w.Stop() }()
		beat := time.NewTimer(WatchHeartbeat)
		defer beat.Stop()
		var last Job
		seen := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-beat.C:
				beat.Reset(WatchHeartbeat)
				if !seen {
					continue
				}
				select {
				case out <- last:
				case <-ctx.Done():
					return
				}
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil || e.Operation() != jetstream.KeyValuePut {
					continue
				}
				var j Job
				if json.Unmarshal(e.Value(), &j) != nil {
					continue
				}
				select {
				case out <- j:
				case <-ctx.Done():
					return
				}
				if j.State.Final() {
					return
				}
				last, seen = j, true
				beat.Reset(WatchHeartbeat)
			}
		}
	}()
	return out, nil
}
