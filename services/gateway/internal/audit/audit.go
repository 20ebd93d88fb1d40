// Package audit appends who read or changed which record to the AUDIT
// stream and searches it. The stream refuses deletes and purges, so an
// entry, once acknowledged, stays for the stream's whole retention. Entries
// carry ids, never names, contact details or free text.
//
// The subject of an entry is audit.<user id>.<resource type>.<action>, so a
// search by user is a subject filter that JetStream answers from its own
// index, and a search by time starts at a time the stream seeks to.
package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auditid"
	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Stream names the audit stream; Subjects is its filter. Both are
// pkg/events' definition, which notify creates the stream from too.
const (
	Stream   = events.StreamAudit
	Subjects = events.AuditSubjects
)

// Log records and searches audit entries.
type Log struct {
	js  jetstream.JetStream
	now func() time.Time
	ids ids.Source
	// read, when set (benchmarks), hears each consumer a search makes
	// (consumers 1) and each message it is delivered (msgs 1).
	read func(consumers, msgs int)
	// retried counts the searches run again while JetStream was electing
	// (untilAnswered), for the test that makes it so.
	retried atomic.Int64
}

// counted tells l.read, when set, what a search read.
func (l *Log) counted(consumers, msgs int) {
	if l.read != nil {
		l.read(consumers, msgs)
	}
}

// Open makes sure the AUDIT stream exists, append-only, and returns a Log.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, now func() time.Time, src ids.Source) (*Log, error) {
	_, err := ensure.Stream(ctx, js, events.AuditStreamConfig(replicas))
	if err != nil {
		return nil, fmt.Errorf("audit stream: %w", err)
	}
	return &Log{js: js, now: now, ids: src}, nil
}

// token turns a free-form id into a safe subject token: ids are UUIDs, but
// a caller-supplied id must never add subject levels or wildcards.
func token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// Record appends e, filling id and time, and returns once the stream has
// stored it. A caller must not answer a request whose entry failed: an
// unrecorded read of personal data is worse than a failed one.
func (l *Log) Record(ctx context.Context, e *gatewayv1.AuditEntry) error {
	e = proto.Clone(e).(*gatewayv1.AuditEntry)
	e.Id = l.ids.New()
	e.Time = timestamppb.New(l.now())
	return l.publish(ctx, e)
}

// RecordOnce appends e with its own id and time unless an entry on its
// subject (its user, record type and action) is the same by same, and
// says whether it wrote. It is for an entry that more than one gateway
// may write after a crash (the setup's admin, ADR 0229): e's id derives
// from what it records, so writers at once are deduplicated by the
// stream (Nats-Msg-Id), and one later finds the first's entry here. A
// caller must not answer a request whose entry failed, as for Record.
func (l *Log) RecordOnce(ctx context.Context, e *gatewayv1.AuditEntry, same func(*gatewayv1.AuditEntry) bool) (bool, error) {
	if e.GetId() == "" || e.GetTime() == nil {
		return false, errors.New("audit: RecordOnce needs the entry's id and time")
	}
	e = proto.Clone(e).(*gatewayv1.AuditEntry)
	found, err := l.find(ctx, subjectOf(e), same)
	if err != nil || found {
		return false, err
	}
	return true, l.publish(ctx, e)
}

// find reports whether an entry on subject is the same by same. The
// subject holds one user's entries of one kind (their sign-ins, the users
// they made), so this reads few.
func (l *Log) find(ctx context.Context, subject string, same func(*gatewayv1.AuditEntry) bool) (bool, error) {
	cons, err := l.js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return false, fmt.Errorf("audit: %w", err)
	}
	defer func() { _ = events.DropOrdered(l.js, Stream, cons) }()
	info, err := cons.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("audit: %w", err)
	}
	for pending := int(info.NumPending); pending > 0; {
		batch, err := cons.Fetch(min(pending, 256), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return false, fmt.Errorf("audit: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			meta, err := m.Metadata()
			if err != nil {
				return false, err
			}
			pending = int(meta.NumPending)
			e := &gatewayv1.AuditEntry{}
			if proto.Unmarshal(m.Data(), e) == nil && same(e) {
				return true, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return false, fmt.Errorf("audit: %w", err)
		}
		if got == 0 {
			// Announced but not delivered: unknown is not "absent".
			return false, errors.New("audit: the entries could not be read")
		}
	}
	return false, nil
}

// subjectOf is e's subject: audit.<user id>.<resource type>.<action>.
func subjectOf(e *gatewayv1.AuditEntry) string {
	return fmt.Sprintf("audit.%s.%s.%s", token(e.GetUserId()), token(e.GetResourceType()), token(e.GetAction()))
}

// publish writes e, its id as the stream's deduplication key, once
// stored. The stream can be neither purged nor deleted from: what a
// caller sent where an id belongs is kept only in a shape the system
// issues. Every entry passes here, whoever in the gateway writes it, and
// notify's pass the same rule (auditid.Keep; ADR 0219, 0221, 0229).
func (l *Log) publish(ctx context.Context, e *gatewayv1.AuditEntry) error {
	auditid.Keep(e)
	// The address as its network only (Network): the stream outlives an
	// erased user, and the host is personal data.
	e.RemoteAddr = Network(e.GetRemoteAddr())
	data, err := proto.Marshal(e)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: subjectOf(e), Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, e.GetId())
	if _, err := l.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// InvalidID stands in an entry for a resource id that was not an id.
const InvalidID = auditid.Invalid

// KeptID is what an entry about a record of type resource, with outcome,
// keeps of an id a caller sent: the audit log's one rule, shared with
// notify (auditid.Kept, ADR 0219, 0221).
func KeptID(resource, id, outcome string) string { return auditid.Kept(resource, id, outcome) }

// Issued reports whether id has the shape of an id this system issues
// (auditid.Issued).
func Issued(id string) bool { return auditid.Issued(id) }

// Query selects entries.
type Query struct {
	UserID string
	// ResourceID keeps entries about one record: its resource_id, or one
	// of a list's resource_ids. Record ids are not in the subject, so this
	// filter reads every entry the other criteria select.
	ResourceID string
	Start, End time.Time
	PageSize   int
	// PageToken is the stream sequence to continue from: oldest first,
	// the first to read; newest first, the one below which to read.
	PageToken string
	// NewestFirst pages from the newest entry back: an admin who has just
	// erased a user reads that first, not a first page of the stream's
	// oldest sign-ins (ADR 0205's Left, 0211).
	NewestFirst bool
}

// Search returns entries matching q in stream order (time order), or
// newest first (q.NewestFirst), and the token of the next page. Returns Invalid for a bad page token,
// a start or end time outside years 1 to 9999, or an end not after the start.
func (l *Log) Search(ctx context.Context, q Query) ([]*gatewayv1.AuditEntry, string, error) {
	if q.PageSize == 0 {
		q.PageSize = 100
	}
	// The binary protocol carries times past Timestamp's range (JSON
	// cannot): the stream cannot seek to them, which was an internal
	// error (ADR 0195).
	var v apperr.Validator
	for _, f := range []struct {
		field string
		t     time.Time
	}{{"start_time", q.Start}, {"end_time", q.End}} {
		if !f.t.IsZero() && (f.t.Year() < 1 || f.t.Year() > 9999) {
			v.Add(f.field, "must be a time from year 1 to 9999")
		}
	}
	// A window whose end is not after its start holds no entry: an empty
	// answer reads as "nobody did this" to whoever asked (found from
	// outside on the web page, ADR 0223; the API answered {} the same).
	if !q.Start.IsZero() && !q.End.IsZero() && !q.End.After(q.Start) {
		v.Add("end_time", "must be after start_time")
	}
	// The user id becomes part of the consumer's subject filter: one of
	// a million bytes made NATS close the gateway's connection (maximum
	// control line), taking every watch with it (ADR 0208). Ids are
	// ids.Valid; anything else names no entry.
	if q.PageSize < 0 || q.PageSize > 1000 {
		v.Add("page_size", "must be between 0 and 1000 (0 means 100)")
	}
	if q.UserID != "" && !ids.Valid(q.UserID) {
		v.Add("user_id", "is not a user id")
	}
	if q.ResourceID != "" && !ids.Valid(q.ResourceID) {
		v.Add("resource_id", "is not an id")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	filter := []string{Subjects}
	if q.UserID != "" {
		filter = []string{"audit." + token(q.UserID) + ".>"}
	}
	return l.untilAnswered(ctx, func() ([]*gatewayv1.AuditEntry, string, error) {
		if q.NewestFirst {
			return l.searchBack(ctx, q, filter)
		}
		return l.searchForward(ctx, q, filter)
	})
}

// searchForward is Search oldest first: one ordered consumer from the
// page token's sequence, or q.Start, reading until a page is full.
func (l *Log) searchForward(ctx context.Context, q Query, filter []string) ([]*gatewayv1.AuditEntry, string, error) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: filter, DeliverPolicy: jetstream.DeliverAllPolicy}
	switch {
	case q.PageToken != "":
		seq, err := pageSeq(q.PageToken)
		if err != nil {
			return nil, "", err
		}
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, seq
	case !q.Start.IsZero():
		start := q.Start
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
	}
	cons, err := l.js.OrderedConsumer(ctx, Stream, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("audit search: %w", err)
	}
	// Without this every search left a consumer on AUDIT for 5 minutes.
	defer func() { _ = events.DropOrdered(l.js, Stream, cons) }()
	l.counted(1, 0)
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("audit search: %w", err)
	}
	pending := int(info.NumPending)
	var out []*gatewayv1.AuditEntry
	next := ""
	for pending > 0 && len(out) < q.PageSize {
		batch, err := cons.Fetch(min(pending, q.PageSize-len(out), 256), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, "", fmt.Errorf("audit search: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			l.counted(0, 1)
			meta, err := m.Metadata()
			if err != nil {
				return nil, "", err
			}
			pending = int(meta.NumPending)
			e := &gatewayv1.AuditEntry{}
			if err := proto.Unmarshal(m.Data(), e); err != nil {
				continue // not an entry this version understands
			}
			if !q.End.IsZero() && !e.GetTime().AsTime().Before(q.End) {
				return out, "", nil
			}
			// The stream seeks by its own receive time; the entry's time
			// decides, so a clock that differs cannot widen the window.
			if !q.Start.IsZero() && e.GetTime().AsTime().Before(q.Start) {
				continue
			}
			if !q.names(e) {
				continue
			}
			out = append(out, e)
			if len(out) == q.PageSize && pending > 0 {
				next = strconv.FormatUint(meta.Sequence.Stream+1, 10)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, "", fmt.Errorf("audit search: %w", err)
		}
		if got == 0 {
			break
		}
	}
	return out, next, nil
}

// pageSeq is the stream sequence a page token names (both orders' tokens
// are one), or the refusal of anything a previous page did not give. A
// token is taken only as FormatUint writes it: ParseUint alone took "05"
// and "0005" for 5, a second spelling of one page (ADR 0213, 0218).
func pageSeq(tok string) (uint64, error) {
	seq, err := strconv.ParseUint(tok, 10, 64)
	if err != nil || seq == 0 || strconv.FormatUint(seq, 10) != tok {
		var v apperr.Validator
		v.Add("page_token", "is not a token from a previous page")
		return 0, v.Err()
	}
	return seq, nil
}

// names reports whether e is about q's resource (any entry when q names
// none): its own record or one of the records it lists.
func (q Query) names(e *gatewayv1.AuditEntry) bool {
	return q.ResourceID == "" || e.GetResourceId() == q.ResourceID || slices.Contains(e.GetResourceIds(), q.ResourceID)
}
