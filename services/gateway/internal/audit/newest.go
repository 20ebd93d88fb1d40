package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// maxWindow bounds how many stream sequences one backward read spans: a
// window that held too few entries is read again twice as wide, up to
// this, so a search for a rare user's or record's entries makes few
// reads of the stream, and none holds more than this many entries.
const maxWindow = 1 << 14

// sequenced is an entry with its stream sequence, which the page tokens
// name.
type sequenced struct {
	e   *gatewayv1.AuditEntry
	seq uint64
}

// searchBack is Search newest first. JetStream delivers forward only, so
// it reads the stream in windows of sequences from the newest back, each
// forward and reversed, until it holds one entry more than a page: the
// page ends at the page's last entry (its token is that entry's sequence,
// read below next time), and the one more says another page follows, so
// the last page is never an empty one. Entries arrive in stream order,
// whose times the entries' own follow (Record stamps each as it appends),
// so the first window that reaches before q.Start is the last read.
// Paging is stable: entries appended meanwhile are above every token.
func (l *Log) searchBack(ctx context.Context, q Query, filter []string) ([]*gatewayv1.AuditEntry, string, error) {
	st, err := l.js.Stream(ctx, Stream)
	if err != nil {
		return nil, "", fmt.Errorf("audit search: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("audit search: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil, "", nil
	}
	first, hi := max(info.State.FirstSeq, 1), info.State.LastSeq+1
	if q.PageToken != "" {
		seq, err := pageSeq(q.PageToken)
		if err != nil {
			return nil, "", err
		}
		hi = min(hi, seq)
	}
	want := q.PageSize + 1
	var out []sequenced
	window := uint64(want)
	for hi > first && len(out) < want {
		lo := first
		if hi-first > window {
			lo = hi - window
		}
		got, before, err := l.readRange(ctx, q, filter, lo, hi)
		if err != nil {
			return nil, "", err
		}
		for i := len(got) - 1; i >= 0 && len(out) < want; i-- {
			out = append(out, got[i])
		}
		if before {
			break
		}
		hi, window = lo, min(window*2, maxWindow)
	}
	next := ""
	if len(out) > q.PageSize {
		out = out[:q.PageSize]
		next = strconv.FormatUint(out[len(out)-1].seq, 10)
	}
	es := make([]*gatewayv1.AuditEntry, len(out))
	for i, s := range out {
		es[i] = s.e
	}
	return es, next, nil
}

// readRange returns the entries matching q among stream sequences lo to
// hi-1 (filter as Search's subject filter), in stream order, and whether
// it met an entry before q.Start (none older can then match).
func (l *Log) readRange(ctx context.Context, q Query, filter []string, lo, hi uint64) ([]sequenced, bool, error) {
	cons, err := l.js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{FilterSubjects: filter,
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: lo})
	if err != nil {
		return nil, false, fmt.Errorf("audit search: %w", err)
	}
	defer func() { _ = events.DropOrdered(l.js, Stream, cons) }()
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("audit search: %w", err)
	}
	var out []sequenced
	before := false
	pending := int(info.NumPending)
	for pending > 0 {
		batch, err := cons.Fetch(min(pending, int(hi-lo), 256), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, false, fmt.Errorf("audit search: %w", err)
		}
		got, done := 0, false
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil {
				return nil, false, err
			}
			pending = int(meta.NumPending)
			if meta.Sequence.Stream >= hi {
				done = true
				continue
			}
			e := &gatewayv1.AuditEntry{}
			if err := proto.Unmarshal(m.Data(), e); err != nil {
				continue // not an entry this version understands
			}
			t := e.GetTime().AsTime()
			switch {
			case !q.Start.IsZero() && t.Before(q.Start):
				before = true
			case !q.End.IsZero() && !t.Before(q.End):
			case !q.names(e):
			default:
				out = append(out, sequenced{e: e, seq: meta.Sequence.Stream})
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, false, fmt.Errorf("audit search: %w", err)
		}
		if got == 0 || done {
			break
		}
	}
	return out, before, nil
}
