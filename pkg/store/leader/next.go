package leader

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Next is the sequence of the first message stored in bucket at or after
// seq, on any key, from its stream's leader (one STREAM.MSG.GET "next by
// subject" over every key, without its headers); false when there is none.
// A watch decides from it that nothing it has not handed on is left
// (pkg/kvwatch, ADR 0243): a message deleted or purged does not count,
// unlike in the stream's last sequence or a watcher's pending count.
func Next(ctx context.Context, js jetstream.JetStream, bucket string, seq uint64) (uint64, bool, error) {
	return seqOf(ctx, js, bucket, struct {
		Seq        uint64 `json:"seq"`
		NextBySubj string `json:"next_by_subj"`
		NoHeaders  bool   `json:"no_hdr"`
	}{max(seq, 1), "$KV." + bucket + ".>", true})
}

// Last is the sequence of the last message stored in bucket, on any key,
// from its stream's leader; false when the bucket holds none. Unlike the
// stream's LastSeq it is never a message deleted since (a secure delete
// or a purge leaves LastSeq where it was), so waiting for a watch to reach
// it ends.
func Last(ctx context.Context, js jetstream.JetStream, bucket string) (uint64, bool, error) {
	return seqOf(ctx, js, bucket, struct {
		LastBySubj string `json:"last_by_subj"`
		NoHeaders  bool   `json:"no_hdr"`
	}{"$KV." + bucket + ".>", true})
}

// seqOf sends the STREAM.MSG.GET request req for bucket's stream and
// returns the found message's sequence.
func seqOf(ctx context.Context, js jetstream.JetStream, bucket string, req any) (uint64, bool, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return 0, false, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Timeout)
		defer cancel()
	}
	m, err := js.Conn().RequestWithContext(ctx, apiPrefix(js)+"STREAM.MSG.GET.KV_"+bucket, body)
	if err != nil {
		return 0, false, err
	}
	var resp msgGetResponse
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return 0, false, fmt.Errorf("decode stream message: %w", err)
	}
	if resp.Error != nil {
		if resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
			return 0, false, nil
		}
		return 0, false, resp.Error
	}
	if resp.Message == nil {
		return 0, false, jetstream.ErrInvalidJetStreamResponse
	}
	return resp.Message.Seq, true, nil
}
