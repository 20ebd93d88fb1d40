package cli

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// fakeMessages is the gateway's message API: a delivery skipped for want
// of contact details, and a mailbox where every message is gone (erased
// with its person), as the notify service says both.
type fakeMessages struct {
	gatewayv1connect.UnimplementedMessageServiceHandler
}

func (fakeMessages) ListDeliveries(_ context.Context, req *connect.Request[gatewayv1.ListDeliveriesRequest]) (*connect.Response[gatewayv1.ListDeliveriesResponse], error) {
	if req.Msg.GetPersonId() != "p1" {
		return connect.NewResponse(&gatewayv1.ListDeliveriesResponse{}), nil
	}
	return connect.NewResponse(&gatewayv1.ListDeliveriesResponse{Deliveries: []*notifyv1.Delivery{{PersonId: "p1",
		Status: notifyv1.DeliveryStatus_DELIVERY_STATUS_SKIPPED, Failure: notifyv1.Failure_FAILURE_NO_CONTACT,
		FailureReason: "personen saknar e-postadress eller telefonnummer för kanalen"}}}), nil
}

func (fakeMessages) GetMailboxMessage(context.Context, *connect.Request[gatewayv1.GetMailboxMessageRequest]) (*connect.Response[gatewayv1.GetMailboxMessageResponse], error) {
	return nil, connect.NewError(connect.CodeNotFound, errors.New("no such message in the development mailbox"))
}

// TestMessagesSayItOnce: mp messages list printed a skipped delivery's
// reason twice (the label, then the service's words for the same) and
// "okänd kanal" for a person with no channel at all; mp mailbox show of
// a message that is gone said "finns inte: no such message in the
// development mailbox". Each is now said once, in one language.
func TestMessagesSayItOnce(t *testing.T) {
	t.Parallel()
	serve := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMessageServiceHandler(fakeMessages{})) }
	out, err := runServices(t, "", serve, "messages", "list", "-person", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "\tingen kanal\tskickades inte\tpersonen saknar e-postadress eller telefonnummer\n") {
		t.Errorf("messages list printed %q, want the channel as none and the reason once", out)
	}
	if strings.Count(out, "saknar") != 1 || strings.Contains(out, "okänd kanal") {
		t.Errorf("messages list printed %q", out)
	}
	for lang, want := range map[string]string{"": "meddelandet finns inte i utvecklingsbrevlådan", "en": "no such message in the development mailbox"} {
		_, err := runServices(t, lang, serve, "mailbox", "show", "0190f3e2-0000-7000-8000-000000000001")
		if err == nil || err.Error() != want {
			t.Errorf("MP_LANG=%q mailbox show: %v, want %q", lang, err, want)
		}
	}
}

// TestMessagesListSaysNone: for a person nothing was sent to, mp messages
// list printed nothing at all (the s24 outside round); it says so in the
// web page's words.
func TestMessagesListSaysNone(t *testing.T) {
	t.Parallel()
	serve := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMessageServiceHandler(fakeMessages{})) }
	for lang, want := range map[string]string{"": "Inga meddelanden än.\n", "en": "No messages yet.\n"} {
		out, err := runServices(t, lang, serve, "messages", "list", "-person", "p2")
		if err != nil || out != want {
			t.Errorf("MP_LANG=%q messages list of nobody's messages: %q, %v; want %q", lang, out, err, want)
		}
	}
}

// TestPrefsLineReadsAsOneSentence: mp participants notify printed "språk
// arabiska; Bara sms; vill inte ha: påminnelser", the channel with the
// capital of its choice's label mid-line (outside round s26, ADR 0137).
func TestPrefsLineReadsAsOneSentence(t *testing.T) {
	t.Parallel()
	e := Env{Getenv: func(string) string { return "" }}
	got := e.describePrefs(&typev1.NotificationPreferences{PreferredLanguage: "ar", PreferredChannel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS,
		OptOuts: []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_REMINDERS}})
	if want := "språk arabiska; bara sms; vill inte ha: påminnelser"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
