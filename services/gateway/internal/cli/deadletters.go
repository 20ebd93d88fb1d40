package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The dead-letter commands (operators and admins; ADR 0059): events a
// service's consumer gave up on, listed, inspected (ids and the error in
// words, never the payload), replayed to that consumer or discarded.

const deadLettersUsage = `
  mp deadletters list [-consumer C] [-stream S]   events consumers gave up on (operators, admins)
  mp deadletters show ID                 one of them: ids, error in words, deliveries, times
  mp deadletters replay ID               send it back to the consumer that failed (fix the cause first)
  mp deadletters discard [-yes] ID       delete it for good (asks to confirm)
`

// deadLetters runs "mp deadletters list|show|replay|discard".
func deadLetters(ctx context.Context, c *clients, sub string, args []string, e env) error {
	switch sub {
	case "list":
		return listDeadLetters(ctx, c, args, e)
	case "show":
		if len(args) != 1 {
			return errors.New("usage: mp deadletters show ID")
		}
		res, err := c.ops.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: args[0]}))
		if err != nil {
			return err
		}
		printDeadLetter(e.Out, res.Msg.GetDeadLetter())
		return nil
	case "replay":
		if len(args) != 1 {
			return errors.New("usage: mp deadletters replay ID")
		}
		if _, err := c.ops.ReplayDeadLetter(ctx, connect.NewRequest(&gatewayv1.ReplayDeadLetterRequest{Id: args[0]})); err != nil {
			return err
		}
		fmt.Fprintf(e.Out, "%s replayed to its consumer (if it fails again it comes back as a new dead letter)\n", args[0])
		return nil
	case "discard":
		return discardDeadLetter(ctx, c, args, e)
	}
	return fmt.Errorf("unknown command %q; see mp help", strings.TrimSpace("deadletters "+sub))
}

func listDeadLetters(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("deadletters list", flag.ContinueOnError)
	fs.SetOutput(e.Out)
	consumer := fs.String("consumer", "", "only this consumer's dead letters")
	stream := fs.String("stream", "", "only those of events from this stream, for example PARTICIPANTS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	total := int32(0)
	err := pages(func(token string) (string, error) {
		res, err := c.ops.ListDeadLetters(ctx, connect.NewRequest(&gatewayv1.ListDeadLettersRequest{
			Consumer: *consumer, Stream: *stream, PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		total = res.Msg.GetTotalSize()
		for _, d := range res.Msg.GetDeadLetters() {
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", d.GetId(), dlTime(d.GetLastFailureTime()), d.GetConsumer(),
				d.GetSubject(), count(d.GetDeliveryCount(), "delivery", "deliveries"), describeDeadLetterError(d.GetErrorKind(), d.GetErrorCause()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, count(total, "dead letter", "dead letters"))
	return nil
}

func discardDeadLetter(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("deadletters discard", flag.ContinueOnError)
	fs.SetOutput(e.Out)
	yes := fs.Bool("yes", false, "do not ask to confirm")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: mp deadletters discard [-yes] ID")
	}
	id := fs.Arg(0)
	if !*yes {
		fmt.Fprintf(e.Out, "Discard dead letter %s? Its consumer will never handle the event. Type yes to confirm: ", id)
		line, err := bufio.NewReader(e.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if strings.TrimSpace(line) != "yes" {
			return errors.New("not discarded")
		}
	}
	if _, err := c.ops.DiscardDeadLetter(ctx, connect.NewRequest(&gatewayv1.DiscardDeadLetterRequest{Id: id})); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s discarded\n", id)
	return nil
}

// printDeadLetter writes one dead letter, a fact a line.
func printDeadLetter(w io.Writer, d *gatewayv1.DeadLetter) {
	fmt.Fprintf(w, "Dead letter: %s\nConsumer:    %s\nStream:      %s (sequence %d)\nSubject:     %s\n",
		d.GetId(), d.GetConsumer(), d.GetStream(), d.GetStreamSequence(), d.GetSubject())
	fmt.Fprintf(w, "Event:       %s %s (about %s)\n", orDash(d.GetEventType(), "-"), orDash(d.GetEventId(), "-"), orDash(d.GetSubjectId(), "-"))
	fmt.Fprintf(w, "Error:       %s\nDeliveries:  %d\nReplays:     %d\n",
		describeDeadLetterError(d.GetErrorKind(), d.GetErrorCause()), d.GetDeliveryCount(), d.GetReplayCount())
	fmt.Fprintf(w, "Published:   %s\nFirst fail:  %s\nLast fail:   %s\n",
		dlTime(d.GetPublishTime()), dlTime(d.GetFirstFailureTime()), dlTime(d.GetLastFailureTime()))
}

// dlTime is a dead letter's moment as every mp line prints one.
func dlTime(t *timestamppb.Timestamp) string { return localtime.Stamp(t) }

func orDash(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// describeDeadLetterError says why a consumer gave up, in words.
func describeDeadLetterError(kind gatewayv1.DeadLetterErrorKind, cause string) string {
	var k string
	switch kind {
	case gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_POISON:
		k = "not an event (poison message)"
	case gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_PERMANENT:
		k = "the service refused it as impossible to handle"
	case gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_MAX_DELIVER:
		k = "every delivery failed"
	default:
		k = "unknown failure"
	}
	if c, ok := causeWords[cause]; ok {
		return k + ": " + c
	}
	if cause != "" {
		return k + ": an unclassified error (" + cause + ")"
	}
	return k
}

// causeWords are the error causes a consumer records, in words.
var causeWords = map[string]string{
	"not_found":           "a record the event refers to does not exist",
	"invalid":             "the event's content was refused as invalid",
	"conflict":            "the record kept changing under it",
	"failed_precondition": "the record was in a state that does not allow it",
	"already_exists":      "the record exists already",
	"permission_denied":   "the service refused the access",
	"unavailable":         "a service or NATS did not answer",
	"internal":            "an internal error in the service",
	"panic":               "the service crashed on it",
	"deadline_exceeded":   "handling it took too long",
	"canceled":            "handling it was cancelled",
	"bad_envelope":        "it is not an event envelope",
}
