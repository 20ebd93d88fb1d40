package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// Headers on a dead letter. They say where the message came from and why it
// was given up on; they never carry the handler's error text, which may
// quote data, only its class (see Header Error).
const (
	// HeaderOriginalSubject is the subject the message was published on.
	HeaderOriginalSubject = "Mp-Original-Subject"
	// HeaderOriginalStream is the stream that stored it.
	HeaderOriginalStream = "Mp-Original-Stream"
	// HeaderOriginalSequence is its sequence in that stream, for replay.
	HeaderOriginalSequence = "Mp-Original-Sequence"
	// HeaderConsumer is the durable consumer that gave up.
	HeaderConsumer = "Mp-Consumer"
	// HeaderDelivered is how many deliveries were tried.
	HeaderDelivered = "Mp-Delivered"
	// HeaderError is the error class: "<kind>: <detail>", where kind is
	// poison (not an Envelope with id and type), permanent (the handler
	// said so) or max_deliver (retries used up), and detail is the apperr
	// code, panic, deadline_exceeded, bad_envelope or the Go type of the
	// root error.
	HeaderError = "Mp-Error"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying, for example an event that
// refers to a record in a state the handler can never accept: the message
// is dead-lettered on its first failure instead of using up its retries.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, came from
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// errPanic stands in for a handler panic; the value is not kept because it
// may hold event data.
var errPanic = errors.New("handler panicked")

// errorClass names an error without its text, for dead-letter headers, logs
// and spans. Error text is left out because handlers wrap errors with
// whatever they were working on, and this package cannot tell data from
// prose.
func errorClass(kind string, err error) string {
	var ae *apperr.Error
	switch {
	case errors.Is(err, errBadEnvelope):
		return kind + ": bad_envelope"
	case errors.Is(err, errPanic):
		return kind + ": panic"
	case errors.Is(err, context.DeadlineExceeded):
		return kind + ": deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return kind + ": canceled"
	case errors.As(err, &ae):
		return kind + ": " + string(ae.Code)
	}
	root := err
	for {
		var next error
		if p, ok := root.(*permanentError); ok {
			next = p.err
		} else {
			next = errors.Unwrap(root)
		}
		if next == nil {
			break
		}
		root = next
	}
	return fmt.Sprintf("%s: %T", kind, root)
}

// deadLetter copies the message to the dead-letter subject and then
// terminates it. If the copy cannot be stored the message is not
// terminated but retried later, so nothing is lost.
func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, md *jetstream.MsgMetadata, class string) outcome {
	h, id := c.deadLetterHeaders(msg, md, class, time.Now())
	c.opts.prop.Inject(ctx, propagation.HeaderCarrier(h))
	dl := &nats.Msg{Subject: c.cfg.DeadLetterSubject, Data: msg.Data(), Header: h}

	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := c.js.PublishMsg(pctx, dl, jetstream.WithMsgID(id))
	if errors.Is(err, jetstream.ErrNoStreamResponse) && isDeadLetterSubject(c.cfg.DeadLetterSubject) {
		// Someone removed the stream since NewConsumer; recreate it.
		if err = ensureDeadLetterStream(pctx, c.js); err == nil {
			_, err = c.js.PublishMsg(pctx, dl, jetstream.WithMsgID(id))
		}
	}
	if err != nil {
		c.opts.logger.ErrorContext(ctx, "events: dead-letter publish failed; retrying the message",
			"consumer", c.cfg.Durable, "subject", originalSubject(msg), "sequence", md.Sequence.Stream,
			"error_class", class, "error", err)
		_ = msg.NakWithDelay(c.cfg.Backoff[len(c.cfg.Backoff)-1])
		return outcomeError
	}
	c.opts.logger.WarnContext(ctx, "events: message dead-lettered",
		"consumer", c.cfg.Durable, "subject", originalSubject(msg), "sequence", md.Sequence.Stream,
		"delivered", md.NumDelivered, "error_class", class, "dead_letter_subject", c.cfg.DeadLetterSubject)
	if err := msg.TermWithReason("dead-lettered"); err != nil {
		// The copy is stored; a redelivery is dead-lettered again and
		// deduplicated by the message id above.
		return outcomeError
	}
	return outcomeDeadLetter
}

// isDeadLetterSubject reports whether the DEADLETTER stream captures subject.
func isDeadLetterSubject(subject string) bool {
	return len(subject) > len(DeadLetterPrefix) && subject[:len(DeadLetterPrefix)] == DeadLetterPrefix
}
