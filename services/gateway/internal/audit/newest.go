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

// endSlack is how many sequences above the first entry at a window's end
// a newest-first read starts (seqFrom): entries that concurrent requests
// stamped and appended in a slightly different order are still read.
const endSlack = 64

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
	if !q.End.IsZero() && hi > first {
		// A window that ends in the past: start below its end rather
		// than read back every newer entry to reach it (10,900 entries,
		// 235 ms, for a window at the start of 10,000; ADR 0218).
		from, err := l.seqFrom(ctx, st, first, hi, q.End)
		if err != nil {
			return nil, "", err
		}
		// Entries recorded at once by several requests may be stored a
		// little out of their times' order: the read starts endSlack
		// above, and each entry's own time still decides.
		hi = min(hi, from+endSlack)
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

// seqFrom is the first stream sequence in lo to hi-1 whose entry is at
// or after t (hi when none is), found by halving on the entries' own
// times: Record stamps each as it appends, so they rise with the
// sequence (as searchBack's stop before q.Start assumes too). One direct
// read of the stream per step, log2 of the range in all. An entry this
// version cannot read counts as before t.
func (l *Log) seqFrom(ctx context.Context, st jetstream.Stream, lo, hi uint64, t time.Time) (uint64, error) {
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := st.GetMsg(ctx, mid)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			lo = mid + 1 // gone with the stream's retention: older still
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("audit search: %w", err)
		}
		l.counted(0, 1)
		e := &gatewayv1.AuditEntry{}
		if proto.Unmarshal(m.Data, e) == nil && !e.GetTime().AsTime().Before(t) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
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
	l.counted(1, 0)
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("audit search: %w", err)
	}
	var out []sequenced
	before := false
	pending := int(info.NumPending)
	// next is the lowest sequence not yet delivered: a fetch asks for no
	// more than the range has left, so a page below a token does not read
	// as many entries again above it.
	next := lo
	for pending > 0 && next < hi {
		batch, err := cons.Fetch(min(pending, int(hi-next), 256), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, false, fmt.Errorf("audit search: %w", err)
		}
		got, done := 0, false
		for m := range batch.Messages() {
			got++
			l.counted(0, 1)
			meta, err := m.Metadata()
			if err != nil {
				return nil, false, err
			}
			pending = int(meta.NumPending)
			next = meta.Sequence.Stream + 1
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
