package server

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// metrics are the notify service's Prometheus series (through the OTel
// exporter): motesplats_notifications_sent_total{channel},
// motesplats_notifications_failed_total{channel,reason} with reason
// temporary or permanent, and motesplats_notifications_queue, the messages
// waiting (queued, retrying or held). Labels are channel names and two
// words: nothing about a person.
type metrics struct {
	sent, failed metric.Int64Counter
	reg          metric.Registration
}

func newMetrics(msgs *store.Repo[*pb.StoredMessage]) (*metrics, error) {
	m := otel.GetMeterProvider().Meter("github.com/motesplats/motesplats/services/notify")
	var err error
	out := &metrics{}
	if out.sent, err = m.Int64Counter("motesplats.notifications.sent", metric.WithDescription("messages handed to a channel")); err != nil {
		return nil, err
	}
	if out.failed, err = m.Int64Counter("motesplats.notifications.failed", metric.WithDescription("failed send attempts, temporary or permanent")); err != nil {
		return nil, err
	}
	queue, err := m.Int64ObservableGauge("motesplats.notifications.queue", metric.WithDescription("messages waiting to be sent"))
	if err != nil {
		return nil, err
	}
	out.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		p, err := msgs.Find(store.Query[*pb.StoredMessage]{Index: "pending", Values: []string{"1"}, Limit: 1})
		if err == nil {
			o.ObserveInt64(queue, int64(p.Total))
		}
		return nil
	}, queue)
	return out, err
}

func channelName(c pb.Channel) string {
	return strings.ToLower(strings.TrimPrefix(c.String(), "CHANNEL_"))
}

// Sent implements notice.Metrics.
func (m *metrics) Sent(c pb.Channel) {
	m.sent.Add(context.Background(), 1, metric.WithAttributes(attribute.String("channel", channelName(c))))
}

// Failed implements notice.Metrics.
func (m *metrics) Failed(c pb.Channel, permanent bool) {
	reason := "temporary"
	if permanent {
		reason = "permanent"
	}
	m.failed.Add(context.Background(), 1, metric.WithAttributes(attribute.String("channel", channelName(c)), attribute.String("reason", reason)))
}

func (m *metrics) close() {
	if m.reg != nil {
		_ = m.reg.Unregister()
	}
}
