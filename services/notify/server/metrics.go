package server

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// metrics are the notify service's Prometheus series (through the OTel
// exporter): motesplats_notifications_sent_total{channel},
// motesplats_notifications_failed_total{channel,reason} with reason
// temporary or permanent, motesplats_notifications_queue, the messages
// waiting (queued, retrying or held), and the retention sweep's progress:
// motesplats_notifications_purged_total{kind} (kind message or link) and
// motesplats_notifications_oldest_kept_seconds, the age of the oldest
// finished message still kept (it stays under the retention while the
// sweep keeps up). Labels are channel names and a few words: nothing
// about a person.
type metrics struct {
	sent, failed, purged metric.Int64Counter
	// oldest is the last sweep's oldest kept age in seconds.
	oldest atomic.Int64
	reg    metric.Registration
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
	// Every channel's failures start at 0: the alerts count them with
	// increase(), which saw nothing of a channel's first failures in a
	// series that appeared at 1 (ADR 0193).
	for _, c := range []pb.Channel{pb.Channel_CHANNEL_EMAIL, pb.Channel_CHANNEL_SMS, pb.Channel_CHANNEL_WEBHOOK} {
		for _, reason := range []string{"temporary", "permanent"} {
			out.failed.Add(context.Background(), 0, metric.WithAttributes(attribute.String("channel", channelName(c)), attribute.String("reason", reason)))
		}
	}
	if out.purged, err = m.Int64Counter("motesplats.notifications.purged",
		metric.WithDescription("finished messages and spent links removed after the retention")); err != nil {
		return nil, err
	}
	queue, err := m.Int64ObservableGauge("motesplats.notifications.queue", metric.WithDescription("messages waiting to be sent"))
	if err != nil {
		return nil, err
	}
	oldest, err := m.Int64ObservableGauge("motesplats.notifications.oldest_kept", metric.WithUnit("s"),
		metric.WithDescription("age of the oldest finished message kept, at the last retention sweep"))
	if err != nil {
		return nil, err
	}
	out.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		p, err := msgs.Find(store.Query[*pb.StoredMessage]{Index: "pending", Values: []string{"1"}, Limit: 1})
		if err == nil {
			o.ObserveInt64(queue, int64(p.Total))
		}
		o.ObserveInt64(oldest, out.oldest.Load())
		return nil
	}, queue, oldest)
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

// Retained implements notice.Metrics.
func (m *metrics) Retained(messages, links int, oldest time.Duration) {
	ctx := context.Background()
	m.purged.Add(ctx, int64(messages), metric.WithAttributes(attribute.String("kind", "message")))
	m.purged.Add(ctx, int64(links), metric.WithAttributes(attribute.String("kind", "link")))
	m.oldest.Store(int64(oldest.Seconds()))
}

func (m *metrics) close() {
	if m.reg != nil {
		_ = m.reg.Unregister()
	}
}
