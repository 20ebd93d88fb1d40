package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNotify_ApprovalToAnswer is issue 13's "done when" through the real
// stack: approving a pair puts an offer in the development mailbox in the
// newcomer's language (Arabic, right to left, with the Swedish text), and
// opening its link and accepting moves the pair forward through
// mentoring's own RPC, recorded as answered by link.
func TestNotify_ApprovalToAnswer(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	l, stdout, _ := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	np := m.participant("", 0)
	np.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "ar"}
	orgID, pid, vid := mentoringPeople(t, l, c, "Notify", np, m.volunteer("", 0))
	mc, pairID := matchAndApprove(t, ctx, cfg, l, orgID, pid, vid)

	dial := func() *grpc.ClientConn {
		var tok bytes.Buffer
		if err := token(cfg, nil, &tok); err != nil {
			t.Fatal(err)
		}
		conn, err := grpcx.Dial(l.Addr("notify"), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	admin := notifyv1.NewNotificationServiceClient(dial())
	gateway := notifyv1.NewAnswerServiceClient(tokenConn(t, l.Addr("notify"), gatewayServiceToken(t, cfg)))
	var msg *notifyv1.MailboxMessage
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		res, err := admin.ListMailbox(ctx, &notifyv1.ListMailboxRequest{PersonId: pid})
		if err != nil {
			return err
		}
		if len(res.GetMessages()) == 0 {
			return errors.New("no offer in the mailbox yet")
		}
		msg = res.GetMessages()[0]
		return nil
	})
	full, err := admin.GetMailboxMessage(ctx, &notifyv1.GetMailboxMessageRequest{Id: msg.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	body := full.GetMessage()
	if body.GetLanguage() != "ar" || body.GetTemplate() != notifyv1.Template_TEMPLATE_MENTOR_OFFER ||
		!strings.Contains(body.GetHtmlBody(), `dir="rtl"`) || !strings.Contains(body.GetTextBody(), "Vi har hittat en mentor") {
		t.Fatalf("offer in the mailbox: %s %v\n%s", body.GetLanguage(), body.GetTemplate(), body.GetTextBody())
	}
	if strings.Contains(body.GetAnswerUrl(), pid) || !strings.Contains(body.GetAnswerUrl(), "/a/") {
		t.Fatalf("answer URL %q", body.GetAnswerUrl())
	}
	tok := body.GetAnswerUrl()[strings.LastIndex(body.GetAnswerUrl(), "/a/")+3:]
	r, err := gateway.ResolveLink(ctx, &notifyv1.ResolveLinkRequest{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetState() != notifyv1.LinkState_LINK_STATE_VALID || r.GetDirection() != notifyv1.Direction_DIRECTION_RTL ||
		!strings.HasPrefix(r.GetOffer().GetCounterpartFirstName(), m.run) {
		t.Fatalf("resolve = %v", r)
	}
	if _, err := admin.ListDeliveries(ctx, &notifyv1.ListDeliveriesRequest{ProposalId: pairID}); err != nil {
		t.Fatal(err)
	}
	out, err := gateway.Answer(ctx, &notifyv1.AnswerRequest{Token: tok, Action: notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT})
	if err != nil || out.GetOutcome() != notifyv1.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED {
		t.Fatalf("answer = %v, %v", out, err)
	}
	pair, err := mc.GetPair(ctx, &mentoringv1.GetPairRequest{Id: pairID})
	if err != nil {
		t.Fatal(err)
	}
	if pair.GetPair().GetNewcomerAcceptTime() == nil || pair.GetPair().GetUpdatedBy() != "notify-link" ||
		pair.GetPair().GetNewcomerAnsweredBy() != "notify-link" {
		t.Errorf("pair after the answer: accepted %v by %q (newcomer answered by %q)", pair.GetPair().GetNewcomerAcceptTime(),
			pair.GetPair().GetUpdatedBy(), pair.GetPair().GetNewcomerAnsweredBy())
	}
	// The send is counted by channel, with nothing about the person.
	murl := regexp.MustCompile(`metrics\s+(http://\S+/metrics)`).FindStringSubmatch(stdout.String())
	if murl == nil {
		t.Fatal("no metrics endpoint in the start-up output")
	}
	res, err := http.Get(murl[1])
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`motesplats_notifications_sent_total{channel="mailbox"`, "motesplats_notifications_queue"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(metrics), m.run) || strings.Contains(string(metrics), pid) {
		t.Error("a metric names the person")
	}
	if again, err := gateway.Answer(ctx, &notifyv1.AnswerRequest{Token: tok, Action: notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT}); err != nil ||
		again.GetState() != notifyv1.LinkState_LINK_STATE_USED {
		t.Errorf("second answer = %v, %v", again, err)
	}
}
