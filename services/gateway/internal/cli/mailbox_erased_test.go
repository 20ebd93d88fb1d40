package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
)

// erasedMailbox is the gateway's mailbox holding one message whose text
// notify removed because the other person of its proposal was erased
// (ADR 0086): recipient, address and time kept; subject, text and answer
// link empty, as notify answers it.
type erasedMailbox struct {
	gatewayv1connect.UnimplementedMessageServiceHandler
}

func (erasedMailbox) GetMailboxMessage(context.Context, *connect.Request[gatewayv1.GetMailboxMessageRequest]) (*connect.Response[gatewayv1.GetMailboxMessageResponse], error) {
	return connect.NewResponse(&gatewayv1.GetMailboxMessageResponse{Message: &notifyv1.MailboxMessage{
		Id: "m1", PersonId: "p1", To: "ingrid@example.se", Language: "sv",
		IntendedChannel: notifyv1.Channel_CHANNEL_EMAIL, Template: notifyv1.Template_TEMPLATE_MENTOR_OFFER,
	}}), nil
}

// TestMailboxShowSaysTheTextWasRemoved: mp mailbox show of a message whose
// text was removed with an erased person printed an empty subject and an
// empty body, and no word why; the web's message page says it was removed
// and what is kept. mp now says the web's sentence in the user's language
// (outside round s39, ADR 0219).
func TestMailboxShowSaysTheTextWasRemoved(t *testing.T) {
	t.Parallel()
	serve := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMessageServiceHandler(erasedMailbox{})) }
	for lang, want := range map[string]string{
		"":   "Texten togs bort eftersom en person som meddelandet handlade om har raderats. Vem det gick till, när och hur finns kvar.",
		"en": "The text was removed because a person the message was about has been erased. Who it went to, when and how are kept.",
	} {
		out, err := runServices(t, lang, serve, "mailbox", "show", "m1")
		if err != nil {
			t.Fatalf("MP_LANG=%q: %v", lang, err)
		}
		if !strings.HasSuffix(out, "\n\n"+want+"\n") {
			t.Errorf("MP_LANG=%q mailbox show printed %q, want it to end with %q", lang, out, want)
		}
		if !strings.Contains(out, "ingrid@example.se") {
			t.Errorf("MP_LANG=%q mailbox show printed %q, want the address kept", lang, out)
		}
	}
}
