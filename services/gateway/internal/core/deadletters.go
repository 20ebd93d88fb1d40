package core

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// Dead letters for an operator (ADR 0059): the gateway reads, replays and
// discards them on the shared NATS through events.DeadLetters, since every
// service's consumers write to the one DEADLETTER stream. They hold ids
// and codes only, so operators, who see no personal data, may use them;
// coordinators may not.

// errOpsOnly refuses the operations screens to coordinators. It is the
// answer whatever the request names, so it tells nothing about what
// exists.
var errOpsOnly = apperr.Errorf(apperr.PermissionDenied, "only operators and admins may do this")

// errNoDeadLetters answers when the gateway runs without NATS access to
// the dead letters.
var errNoDeadLetters = apperr.Errorf(apperr.Unavailable, "dead letters are not available on this server")

// opsName matches a consumer or stream name a filter may hold.
var opsName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// opsOnly lets operators and admins through.
func opsOnly(c Caller) error {
	switch c.User.GetRole() {
	case gatewayv1.Role_ROLE_OPERATOR, gatewayv1.Role_ROLE_ADMIN:
		return nil
	}
	return errOpsOnly
}

// deadLetterID parses a dead letter's id. Returns Invalid naming field.
func deadLetterID(field, id string) (uint64, error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil || seq == 0 {
		var v apperr.Validator
		v.Add(field, "is not a dead letter id (a number from the list)")
		return 0, v.Err()
	}
	return seq, nil
}

// ListDeadLetters pages through dead letters (operators and admins),
// audited with the ids shown.
func (g *Gateway) ListDeadLetters(ctx context.Context, c Caller, r *gatewayv1.ListDeadLettersRequest) (*gatewayv1.ListDeadLettersResponse, error) {
	if err := opsOnly(c); err != nil {
		return nil, err
	}
	var v apperr.Validator
	if s := r.GetConsumer(); s != "" && !opsName.MatchString(s) {
		v.Add("consumer", "is not a consumer name (letters, digits, '-' and '_')")
	}
	if s := r.GetStream(); s != "" && !opsName.MatchString(s) {
		v.Add("stream", "is not a stream name (letters, digits, '-' and '_')")
	}
	if n := r.GetPageSize(); n < 0 || n > events.MaxDeadLetterPage {
		v.Add("page_size", fmt.Sprintf("must be between 1 and %d (0 means 50)", events.MaxDeadLetterPage))
	}
	if t := r.GetPageToken(); t != "" {
		if _, err := deadLetterID("page_token", t); err != nil {
			v.Add("page_token", "is not a token from a previous page")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if g.DeadLetters == nil {
		return nil, errNoDeadLetters
	}
	page, err := g.DeadLetters.List(ctx, events.DeadLetterFilter{Consumer: r.GetConsumer(), Stream: r.GetStream()}, int(r.GetPageSize()), r.GetPageToken())
	out := &gatewayv1.ListDeadLettersResponse{NextPageToken: page.Next, TotalSize: int32(page.Total)}
	ids := make([]string, 0, len(page.Items))
	for _, dl := range page.Items {
		out.DeadLetters = append(out.DeadLetters, deadLetterToProto(dl))
		ids = append(ids, strconv.FormatUint(dl.Seq, 10))
	}
	if err := g.recordList(ctx, c, "dead_letter", ids, err); err != nil {
		return nil, err
	}
	return out, nil
}

// GetDeadLetter returns one dead letter with its event's ids (operators
// and admins), audited.
func (g *Gateway) GetDeadLetter(ctx context.Context, c Caller, id string) (*gatewayv1.DeadLetter, error) {
	seq, err := g.deadLetterCall(c, id)
	if err != nil {
		return nil, err
	}
	dl, err := g.DeadLetters.Get(ctx, seq)
	if err := g.record(ctx, c, "read", "dead_letter", id, err); err != nil {
		return nil, err
	}
	return deadLetterToProto(dl), nil
}

// ReplayDeadLetter sends a dead letter back to the consumer that gave up
// on it (operators and admins), audited as "replay".
func (g *Gateway) ReplayDeadLetter(ctx context.Context, c Caller, id string) error {
	seq, err := g.deadLetterCall(c, id)
	if err != nil {
		return err
	}
	return g.record(ctx, c, "replay", "dead_letter", id, g.DeadLetters.Replay(ctx, seq))
}

// DiscardDeadLetter deletes a dead letter (operators and admins), audited
// as "discard".
func (g *Gateway) DiscardDeadLetter(ctx context.Context, c Caller, id string) error {
	seq, err := g.deadLetterCall(c, id)
	if err != nil {
		return err
	}
	return g.record(ctx, c, "discard", "dead_letter", id, g.DeadLetters.Discard(ctx, seq))
}

// deadLetterCall checks the caller, the id and that dead letters are
// available, in that order: a coordinator learns nothing from an id.
func (g *Gateway) deadLetterCall(c Caller, id string) (uint64, error) {
	if err := opsOnly(c); err != nil {
		return 0, err
	}
	seq, err := deadLetterID("id", id)
	if err != nil {
		return 0, err
	}
	if g.DeadLetters == nil {
		return 0, errNoDeadLetters
	}
	return seq, nil
}

// errorKinds maps the kind of an Mp-Error header to the API's enum.
var errorKinds = map[string]gatewayv1.DeadLetterErrorKind{
	"poison":      gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_POISON,
	"permanent":   gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_PERMANENT,
	"max_deliver": gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_MAX_DELIVER,
}

func deadLetterToProto(dl events.DeadLetter) *gatewayv1.DeadLetter {
	return &gatewayv1.DeadLetter{
		Id: strconv.FormatUint(dl.Seq, 10), Subject: dl.Subject, Stream: dl.Stream, StreamSequence: dl.StreamSeq,
		Consumer: dl.Consumer, DeliveryCount: int32(dl.Delivered), ErrorKind: errorKinds[dl.ErrorKind()], ErrorCause: dl.ErrorCause(),
		PublishTime: stamp(dl.Published), FirstFailureTime: stamp(dl.FirstFailed), LastFailureTime: stamp(dl.LastFailed),
		ReplayCount: int32(dl.Replays), EventId: dl.EventID, EventType: dl.EventType, SubjectId: dl.SubjectID,
	}
}

// stamp is t as a Timestamp, nil when zero.
func stamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
