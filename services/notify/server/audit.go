package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auditid"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/service"
)

// auditor writes "notify sent <template> to <person> by <channel>".
type auditor struct {
	js  jetstream.JetStream
	now func() time.Time
	ids ids.Source
}

// openAudit makes sure the audit log the gateway keeps exists (ADR 0018:
// notify appends one entry per sent message to the same stream, so "who
// was told what, when" is answered by the admins' audit search). Both
// create it from events.AuditStreamConfig; notify may start first.
func openAudit(ctx context.Context, d service.Deps) (*auditor, error) {
	_, err := d.JS.CreateStream(ctx, events.AuditStreamConfig(d.Replicas))
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("audit stream: %w", err)
	}
	return &auditor{js: d.JS, now: d.Now, ids: d.IDs}, nil
}

// Sent records m's send: the person's id, the template's name as the
// action, the channel, the time. Never the text or the address. The entry
// id derives from the message, so a retried write is deduplicated. The
// ids pass the log's one rule, the gateway's too (auditid.Keep, ADR
// 0229): the log is never purged, and notify's own rule kept whatever its
// message held.
func (a *auditor) Sent(ctx context.Context, m *pb.StoredMessage) error {
	kind := "participant"
	if m.GetVolunteer() {
		kind = "volunteer"
	}
	action := "notify_" + strings.ToLower(strings.TrimPrefix(m.GetTemplate().String(), "TEMPLATE_"))
	ch := strings.ToLower(strings.TrimPrefix(m.GetChannel().String(), "CHANNEL_"))
	e := &gatewayv1.AuditEntry{Id: "audit-" + m.GetId(), Time: timestamppb.New(a.now()), UserId: "notify", Role: string(auth.RoleService),
		Action: action, ResourceType: kind, ResourceId: m.GetPersonId(), Outcome: "ok", Channel: ch,
		ResourceIds: []string{m.GetId(), m.GetProposalId()}}
	auditid.Keep(e)
	data, err := proto.Marshal(e)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: "audit.notify." + kind + "." + action, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, e.GetId())
	if _, err := a.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
