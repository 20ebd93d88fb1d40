package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The dead-letter commands (operators and admins; ADR 0059): events a
// service's consumer gave up on, listed, inspected (ids and the error in
// words, never the payload), replayed to that consumer or discarded.

// deadLetters runs "mp deadletters list|show|replay|discard".
func deadLetters(ctx context.Context, c *clients, sub string, args []string, e env) error {
	switch sub {
	case "list":
		return listDeadLetters(ctx, c, args, e)
	case "show":
		id, err := e.oneArg("deadletters show", args)
		if err != nil {
			return err
		}
		res, err := c.ops.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: id}))
		if err != nil {
			return err
		}
		e.printDeadLetter(res.Msg.GetDeadLetter())
		return nil
	case "replay":
		id, err := e.oneArg("deadletters replay", args)
		if err != nil {
			return err
		}
		if _, err := c.ops.ReplayDeadLetter(ctx, connect.NewRequest(&gatewayv1.ReplayDeadLetterRequest{Id: id})); err != nil {
			return err
		}
		fmt.Fprintln(e.Out, e.f("dl.replayed", id))
		return nil
	case "discard":
		return discardDeadLetter(ctx, c, args, e)
	}
	return errors.New(e.f("err.unknown_command", strings.TrimSpace("deadletters "+sub)))
}

func listDeadLetters(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("deadletters list", flag.ContinueOnError)
	consumer := fs.String("consumer", "", e.t("flag.listDeadLetters.consumer"))
	stream := fs.String("stream", "", e.t("flag.listDeadLetters.stream"))
	if err := e.parse(fs, args); err != nil {
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
				d.GetSubject(), count(d.GetDeliveryCount(), e.t("n.delivery"), e.t("n.deliveries")), e.deadLetterError(d.GetErrorKind(), d.GetErrorCause()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, count(total, e.t("n.dead_letter"), e.t("n.dead_letters")))
	return nil
}

func discardDeadLetter(ctx context.Context, c *clients, args []string, e env) error {
	id, err := e.confirmedArg("deadletters discard [-yes]", args, confirmation{
		yesFlag: "flag.discardDeadLetter.yes", question: "dl.confirm", notDone: "dl.not_discarded", ask: true})
	if err != nil {
		return err
	}
	if _, err := c.ops.DiscardDeadLetter(ctx, connect.NewRequest(&gatewayv1.DiscardDeadLetterRequest{Id: id})); err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("dl.discarded", id))
	return nil
}

// printDeadLetter writes one dead letter, a fact a line, labelled as the
// web's dead-letter page labels them.
func (e Env) printDeadLetter(d *gatewayv1.DeadLetter) {
	none := e.t("ops.dl.none")
	for _, row := range [][2]string{
		{"ops.dl.one", d.GetId()},
		{"ops.dl.consumer", d.GetConsumer()},
		{"ops.dl.stream", fmt.Sprintf("%s (%s %d)", d.GetStream(), e.t("ops.dl.seq"), d.GetStreamSequence())},
		{"dl.subject", d.GetSubject()},
		{"ops.dl.event", orDash(d.GetEventType(), none)},
		{"ops.dl.eventid", orDash(d.GetEventId(), none)},
		{"ops.dl.subjectid", orDash(d.GetSubjectId(), none)},
		{"ops.dl.error", e.deadLetterError(d.GetErrorKind(), d.GetErrorCause())},
		{"ops.dl.deliveries", fmt.Sprint(d.GetDeliveryCount())},
		{"ops.dl.replays", fmt.Sprint(d.GetReplayCount())},
		{"ops.dl.published", dlTime(d.GetPublishTime())},
		{"ops.dl.first", dlTime(d.GetFirstFailureTime())},
		{"ops.dl.last", dlTime(d.GetLastFailureTime())},
	} {
		fmt.Fprintf(e.Out, "%-22s %s\n", e.t(row[0])+":", row[1])
	}
}

// dlTime is a dead letter's moment as every mp line prints one.
func dlTime(t *timestamppb.Timestamp) string { return localtime.Stamp(t) }

func orDash(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// deadLetterError says why a consumer gave up, in the web's words for
// the kind and the cause.
func (e Env) deadLetterError(kind gatewayv1.DeadLetterErrorKind, cause string) string {
	k := e.t("ops.kind." + kind.String())
	if c := e.t("ops.cause." + cause); cause != "" && c != "ops.cause."+cause {
		return k + ": " + c
	}
	if cause != "" {
		return k + ": " + e.d("ops.cause.other", "Type", cause)
	}
	return k
}
