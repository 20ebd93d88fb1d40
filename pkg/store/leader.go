package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// A kv.Get is a JetStream direct get, which any replica of the bucket's
// stream may answer, however far behind it is (a node that rejoined after
// a partition answers with what it had until it has caught up: ADR 0108).
// Where the code knows an entry is stored (a reservation names it, a
// revision-0 write was refused as existing, the index holds it) and a
// direct get finds nothing, it asks again with leaderGet: JetStream's
// STREAM.MSG.GET, which only the stream's leader answers. Only then: the
// common path costs no extra request (docs/adr/0113).

// leaderTimeout bounds a leader read whose context has no deadline.
const leaderTimeout = 5 * time.Second

// msgGetResponse is the part of JetStream's STREAM.MSG.GET answer read here.
type msgGetResponse struct {
	Error   *jetstream.APIError `json:"error,omitempty"`
	Message *struct {
		Seq    uint64 `json:"seq"`
		Header []byte `json:"hdrs,omitempty"`
		Data   []byte `json:"data,omitempty"`
	} `json:"message,omitempty"`
}

// leaderGet reads the last entry of key in bucket from its stream's
// leader, never a direct get. Errors as kv.Get: jetstream.ErrKeyNotFound
// when the leader has none, jetstream.ErrKeyDeleted for a delete or purge
// marker.
func (r *Repo[T]) leaderGet(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	req, err := json.Marshal(struct {
		LastBySubject string `json:"last_by_subj"`
	}{"$KV." + bucket + "." + key})
	if err != nil {
		return nil, 0, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, leaderTimeout)
		defer cancel()
	}
	m, err := r.js.Conn().RequestWithContext(ctx, apiPrefix(r.js)+"STREAM.MSG.GET.KV_"+bucket, req)
	if err != nil {
		return nil, 0, err
	}
	var resp msgGetResponse
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return nil, 0, fmt.Errorf("decode stream message: %w", err)
	}
	if resp.Error != nil {
		if resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
			return nil, 0, jetstream.ErrKeyNotFound
		}
		return nil, 0, resp.Error
	}
	if resp.Message == nil {
		return nil, 0, jetstream.ErrInvalidJetStreamResponse
	}
	if len(resp.Message.Header) > 0 {
		h, err := nats.DecodeHeadersMsg(resp.Message.Header)
		if err != nil {
			return nil, 0, fmt.Errorf("decode stream message: %w", err)
		}
		// As kv.Get: an operation header, or a marker the server left
		// (a TTL or a purge), says the key holds no value.
		if h.Get("KV-Operation") != "" || h.Get(jetstream.MarkerReasonHeader) != "" {
			return nil, 0, jetstream.ErrKeyDeleted
		}
	}
	return resp.Message.Data, resp.Message.Seq, nil
}

// apiPrefix is the JetStream API prefix js sends its requests with.
func apiPrefix(js jetstream.JetStream) string {
	o := js.Options()
	switch {
	case o.APIPrefix != "":
		return strings.TrimSuffix(o.APIPrefix, ".") + "."
	case o.Domain != "":
		return "$JS." + o.Domain + ".API."
	default:
		return jetstream.DefaultAPIPrefix
	}
}

// getRecordLeader is getRecord answered by the bucket's stream leader.
func (r *Repo[T]) getRecordLeader(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	data, rev, err := r.leaderGet(ctx, r.cfg.Bucket, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: get %s/%s from the stream leader: %w", r.cfg.Bucket, id, err)
	}
	var rec storev1.Record
	if err := proto.Unmarshal(data, &rec); err != nil {
		return nil, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
	}
	return &rec, rev, nil
}

// getStoredRecord is getRecord of an entry the caller knows is stored: a
// direct get that finds nothing is asked again of the stream leader.
func (r *Repo[T]) getStoredRecord(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	rec, rev, err := r.getRecord(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return r.getRecordLeader(ctx, id)
	}
	return rec, rev, err
}

// getStored is Get of a record the caller knows is stored: a direct get
// that finds nothing is asked again of the stream leader. NotFound when
// the leader has no live record either.
func (r *Repo[T]) getStored(ctx context.Context, id string) (T, uint64, error) {
	v, rev, err := r.Get(ctx, id)
	if apperr.ErrorCode(err) != apperr.NotFound || r.fed() || !ids.Valid(id) {
		return v, rev, err
	}
	rec, rev, err := r.getRecordLeader(ctx, id)
	if err != nil {
		var zero T
		return zero, 0, err
	}
	return r.live(ctx, id, rec, rev)
}

// getReservation reads the reservation of requestKey after Create refused
// it as existing: a direct get that finds nothing is asked again of the
// stream leader.
func (r *Repo[T]) getReservation(ctx context.Context, requestKey string) (string, error) {
	e, err := r.requests.Get(ctx, requestKey)
	if err == nil {
		return string(e.Value()), nil
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
		return "", err
	}
	data, _, lerr := r.leaderGet(ctx, r.cfg.Bucket+"_requests", requestKey)
	if errors.Is(lerr, jetstream.ErrKeyNotFound) || errors.Is(lerr, jetstream.ErrKeyDeleted) {
		return "", err // the leader has none either: the direct get's answer stands
	}
	if lerr != nil {
		return "", fmt.Errorf("from the stream leader: %w", lerr)
	}
	return string(data), nil
}
