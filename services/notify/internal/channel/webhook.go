package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// WebhookConfig configures the generic JSON webhook: an organisation's own
// SMS gateway or mail system, which takes the message from here.
type WebhookConfig struct {
	URL    string
	Secret []byte // HMAC-SHA256 key for the signature header
	Client *http.Client
	Now    func() time.Time
}

// Webhook posts messages as JSON, signed.
type Webhook struct{ cfg WebhookConfig }

// NewWebhook returns the webhook sender.
func NewWebhook(cfg WebhookConfig) *Webhook {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 20 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Webhook{cfg: cfg}
}

// WebhookMessage is the JSON body the webhook receives.
type WebhookMessage struct {
	ID       string `json:"id"`
	Channel  string `json:"channel"` // "email" or "sms": what the person asked for
	To       string `json:"to"`
	Language string `json:"language"`
	Subject  string `json:"subject,omitempty"`
	Text     string `json:"text"`
	HTML     string `json:"html,omitempty"`
}

// Sign is the signature header's value for body sent at ts:
// "v1=" + hex(HMAC-SHA256(secret, "<ts>.<body>")). Receivers recompute it
// and refuse a timestamp older than a few minutes.
func Sign(secret []byte, ts int64, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	h.Write(body)
	return "v1=" + hex.EncodeToString(h.Sum(nil))
}

// Send posts m with headers X-Motesplats-Timestamp, X-Motesplats-Signature
// and Idempotency-Key (the message's key: a receiver that keeps it drops a
// repeat). 2xx is sent; 408, 425, 429 and 5xx are temporary; other 4xx a
// permanent rejection.
func (w *Webhook) Send(ctx context.Context, m notice.Outgoing) (string, error) {
	ch := "email"
	if m.Channel == pb.Channel_CHANNEL_SMS {
		ch = "sms"
	}
	body, err := json.Marshal(WebhookMessage{ID: m.ID, Channel: ch, To: m.To, Language: m.Language, Subject: m.Subject, Text: m.Text, HTML: m.HTML})
	if err != nil {
		return "", notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, "encode")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return "", notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, "request")
	}
	ts := w.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	req.Header.Set("X-Motesplats-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Motesplats-Signature", Sign(w.cfg.Secret, ts, body))
	res, err := w.cfg.Client.Do(req)
	if err != nil {
		return "", notice.Temporary("webhook: " + errKind(err))
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	detail := "webhook: " + strconv.Itoa(res.StatusCode)
	switch c := res.StatusCode; {
	case c >= 200 && c < 300:
		return "", nil
	case c == http.StatusRequestTimeout, c == http.StatusTooEarly, c == http.StatusTooManyRequests, c >= 500:
		return "", notice.Temporary(detail)
	case c >= 400:
		return "", notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, detail)
	}
	return "", notice.Temporary(detail)
}
