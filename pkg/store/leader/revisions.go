package leader

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Revision is one stored message of a key: its sequence, its value, and
// whether it is a value (not a delete or purge marker).
type Revision struct {
	Seq   uint64
	Value []byte
	Put   bool
}

// Revisions reads every stored revision of key in bucket, oldest first,
// from its stream's leader, one STREAM.MSG.GET "next by subject" per
// revision. Unlike kv.History it needs no watcher: a watcher counts the
// messages pending when it starts and waits until it has seen them, so a
// revision deleted by another process meanwhile (a secure delete while
// keys are claimed, ADR 0238) could leave it waiting for ever. A revision
// deleted meanwhile here is simply not returned. None (and no error) for a
// key with no stored message.
func Revisions(ctx context.Context, js jetstream.JetStream, bucket, key string) ([]Revision, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Timeout)
		defer cancel()
	}
	subject := "$KV." + bucket + "." + key
	var out []Revision
	for seq := uint64(1); ; {
		req, err := json.Marshal(struct {
			Seq        uint64 `json:"seq"`
			NextBySubj string `json:"next_by_subj"`
		}{seq, subject})
		if err != nil {
			return nil, err
		}
		m, err := js.Conn().RequestWithContext(ctx, apiPrefix(js)+"STREAM.MSG.GET.KV_"+bucket, req)
		if err != nil {
			return nil, err
		}
		var resp msgGetResponse
		if err := json.Unmarshal(m.Data, &resp); err != nil {
			return nil, fmt.Errorf("decode stream message: %w", err)
		}
		if resp.Error != nil {
			if resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
				return out, nil
			}
			return nil, resp.Error
		}
		if resp.Message == nil {
			return nil, jetstream.ErrInvalidJetStreamResponse
		}
		r := Revision{Seq: resp.Message.Seq, Value: resp.Message.Data, Put: true}
		if len(resp.Message.Header) > 0 {
			h, err := nats.DecodeHeadersMsg(resp.Message.Header)
			if err != nil {
				return nil, fmt.Errorf("decode stream message: %w", err)
			}
			if h.Get("KV-Operation") != "" || h.Get(jetstream.MarkerReasonHeader) != "" {
				r.Put = false
			}
		}
		out = append(out, r)
		seq = resp.Message.Seq + 1
	}
}
