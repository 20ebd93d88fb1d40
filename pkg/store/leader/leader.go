// Package leader reads a key-value entry from its stream's leader.
//
// A kv.Get is a JetStream direct get, which any replica of the bucket's
// stream may answer, however far behind it is (a node that rejoined after
// a partition answers with what it had until it has caught up: ADR 0108).
// Code that knows an entry must exist, or that a direct get's answer is
// older than what it has seen, asks again here: JetStream's STREAM.MSG.GET,
// which only the stream's leader answers. pkg/store and pkg/seal use it
// only after a direct get disagreed, so the common path costs no extra
// request (docs/adr/0113, docs/adr/0119).
package leader

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Timeout bounds a leader read whose context has no deadline: a stream
// without a leader (an election) may leave the request unanswered.
const Timeout = 5 * time.Second

// msgGetResponse is the part of JetStream's STREAM.MSG.GET answer read here.
type msgGetResponse struct {
	Error   *jetstream.APIError `json:"error,omitempty"`
	Message *struct {
		Seq    uint64    `json:"seq"`
		Time   time.Time `json:"time"`
		Header []byte    `json:"hdrs,omitempty"`
		Data   []byte    `json:"data,omitempty"`
	} `json:"message,omitempty"`
}

// Get reads the last entry of key in bucket from its stream's leader,
// never a direct get. nats.go offers no call for it: Stream.GetMsg and
// GetLastMsgForSubject switch to a direct get whenever the stream allows
// them, which every KV bucket does, so the request is sent as JetStream's
// own API request. Errors as kv.Get: jetstream.ErrKeyNotFound when the
// leader has none, jetstream.ErrKeyDeleted for a delete or purge marker;
// any other error means the leader could not be asked.
func Get(ctx context.Context, js jetstream.JetStream, bucket, key string) ([]byte, uint64, error) {
	data, rev, _, err := GetAt(ctx, js, bucket, key)
	return data, rev, err
}

// GetAt is Get with the time the entry was written, as the stream's
// server stamped it: a name claim's age tells a create still in flight
// from one that died (services/volunteers, ADR 0271).
func GetAt(ctx context.Context, js jetstream.JetStream, bucket, key string) ([]byte, uint64, time.Time, error) {
	req, err := json.Marshal(struct {
		LastBySubject string `json:"last_by_subj"`
	}{"$KV." + bucket + "." + key})
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Timeout)
		defer cancel()
	}
	m, err := js.Conn().RequestWithContext(ctx, apiPrefix(js)+"STREAM.MSG.GET.KV_"+bucket, req)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	var resp msgGetResponse
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("decode stream message: %w", err)
	}
	if resp.Error != nil {
		if resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
			return nil, 0, time.Time{}, jetstream.ErrKeyNotFound
		}
		return nil, 0, time.Time{}, resp.Error
	}
	if resp.Message == nil {
		return nil, 0, time.Time{}, jetstream.ErrInvalidJetStreamResponse
	}
	if len(resp.Message.Header) > 0 {
		h, err := nats.DecodeHeadersMsg(resp.Message.Header)
		if err != nil {
			return nil, 0, time.Time{}, fmt.Errorf("decode stream message: %w", err)
		}
		// As kv.Get: an operation header, or a marker the server left
		// (a TTL or a purge), says the key holds no value.
		if h.Get("KV-Operation") != "" || h.Get(jetstream.MarkerReasonHeader) != "" {
			return nil, 0, time.Time{}, jetstream.ErrKeyDeleted
		}
	}
	return resp.Message.Data, resp.Message.Seq, resp.Message.Time, nil
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
