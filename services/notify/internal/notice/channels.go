package notice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// Outgoing is one rendered message handed to a channel.
type Outgoing struct {
	// ID is the message's key: SMTP puts it in Message-ID and the webhook
	// in Idempotency-Key, so a receiver that keeps them can drop a repeat.
	ID       string
	Channel  pb.Channel // what the person gets: e-mail or SMS
	To       string     // address or number
	Language string
	Subject  string
	Text     string
	HTML     string
}

// Sender delivers messages over one channel. Send returns the provider's
// message id, if it has one, and an error made with Temporary or
// PermanentFailure; any other error counts as temporary.
type Sender interface {
	Send(ctx context.Context, m Outgoing) (providerID string, err error)
}

// StatusChecker is a Sender that can ask later whether a message it
// accepted reached the phone (46elks' status): accept-then-bounce.
// Status returns final=false while the provider does not know yet.
type StatusChecker interface {
	Status(ctx context.Context, providerID string) (final, delivered bool, err error)
}

// Channels are the configured senders. A nil Email or SMS falls back to
// Webhook, and a nil Webhook to the development mailbox (the message is
// kept, sealed, for an admin to read), which is what the embedded stack
// runs with.
type Channels struct {
	Email, SMS, Webhook Sender
}

// transport picks the sender for what the person gets (e-mail or SMS) and
// the channel to record.
func (c Channels) transport(want pb.Channel) (Sender, pb.Channel) {
	native := c.Email
	if want == pb.Channel_CHANNEL_SMS {
		native = c.SMS
	}
	switch {
	case native != nil:
		return native, want
	case c.Webhook != nil:
		return c.Webhook, pb.Channel_CHANNEL_WEBHOOK
	default:
		return nil, pb.Channel_CHANNEL_MAILBOX
	}
}

// SendError classifies a failed send.
type SendError struct {
	// Permanent failures are not retried.
	Permanent bool
	// Failure is why, for a permanent failure.
	Failure pb.Failure
	// Detail is for the log only: a status code or the provider's error
	// code, never the address or the text.
	Detail string
	// Source says the failure was a service notify reads the message's
	// facts from (a register, a programme) that did not answer, not the
	// channel: nothing was sent, so it is not an attempt, and it is tried
	// again after Deps.SourceRetry rather than the growing backoff
	// (ADR 0194).
	Source bool
	// source names the service that did not answer ("directory", or
	// "programme:" and the programme), so the sender asks it again once
	// per SourceRetry rather than once per waiting message.
	source string
}

// Error names the kind of failure and the detail: codes, no addresses.
func (e *SendError) Error() string {
	kind := "temporary"
	if e.Source {
		kind = "source"
	}
	if e.Permanent {
		kind = "permanent " + e.Failure.String()
	}
	return fmt.Sprintf("send: %s failure: %s", kind, e.Detail)
}

// Temporary says a send may succeed later (timeout, 5xx, 429, 4xx SMTP).
func Temporary(detail string) error { return &SendError{Detail: detail} }

// PermanentFailure says a send will never succeed (bounce, bad number).
func PermanentFailure(f pb.Failure, detail string) error {
	return &SendError{Permanent: true, Failure: f, Detail: detail}
}

// classify turns any send error into a SendError.
func classify(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return &SendError{Detail: "unclassified error"}
}

// Backoff spaces retries of temporary failures: Base doubled per attempt
// up to Max, given up after MaxAttempts.
type Backoff struct {
	Base, Max   time.Duration
	MaxAttempts int
}

// DefaultBackoff retries for about a day and a half: 5 s, 10 s, ... then
// every 30 minutes.
var DefaultBackoff = Backoff{Base: 5 * time.Second, Max: 30 * time.Minute, MaxAttempts: 80}

// DefaultSourceRetry is how soon a message waiting for a register or a
// programme that did not answer is tried again: two seconds after it
// is back at most (plus the sender's tick), where the growing backoff
// waited 8-25 s after a killed register came back (ADR 0190, 0194). A
// try costs two writes of the message record and one failed call.
const DefaultSourceRetry = 2 * time.Second

// Delay is the wait after the n-th failed attempt (n from 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// QuietHours holds SMS at night: none from Start to End o'clock local
// time; a held message goes out at End.
type QuietHours struct {
	Location   *time.Location
	Start, End int // hours, 0-23; Start > End spans midnight
}

// DefaultQuietHours is 21:00-08:00 in Sweden (calendar.Zone, where the
// people written to live).
func DefaultQuietHours() QuietHours {
	return QuietHours{Location: calendar.Zone, Start: 21, End: 8}
}

// Until returns when the quiet hours that t falls in end, or the zero time
// when t is not in them.
func (q QuietHours) Until(t time.Time) time.Time {
	if q.Start == q.End {
		return time.Time{}
	}
	l := t.In(q.Location)
	h := l.Hour()
	quiet := h >= q.Start || h < q.End
	if q.Start < q.End {
		quiet = h >= q.Start && h < q.End
	}
	if !quiet {
		return time.Time{}
	}
	end := time.Date(l.Year(), l.Month(), l.Day(), q.End, 0, 0, 0, q.Location)
	if !end.After(l) {
		end = time.Date(l.Year(), l.Month(), l.Day()+1, q.End, 0, 0, 0, q.Location)
	}
	return end
}

// FailureWords says a failure in Swedish for a coordinator; no provider
// text ever reaches them.
func FailureWords(f pb.Failure) string {
	switch f {
	case pb.Failure_FAILURE_BOUNCED:
		return "e-postadressen tar inte emot post (studsade)"
	case pb.Failure_FAILURE_INVALID_NUMBER:
		return "telefonnumret kan inte ta emot sms"
	case pb.Failure_FAILURE_REJECTED:
		return "leverantören vägrade ta emot meddelandet"
	case pb.Failure_FAILURE_GAVE_UP:
		return "gick inte att skicka på länge; försöken avbröts"
	case pb.Failure_FAILURE_NO_CONTACT:
		return "personen saknar e-postadress eller telefonnummer för kanalen"
	case pb.Failure_FAILURE_OPTED_OUT:
		return "personen har valt bort sådana meddelanden"
	case pb.Failure_FAILURE_OUTDATED:
		return "förslaget hann ändras eller personen lämnade innan meddelandet gick iväg"
	}
	return ""
}
