// Package channel holds the notify service's senders: e-mail over SMTP,
// SMS through 46elks' HTTP API, and a generic JSON webhook. Each classifies
// its failures as temporary (retried with backoff) or permanent (recorded
// and shown to the coordinator), and none logs an address, a number or a
// text.
package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/motesplats/motesplats/pkg/envvar"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TLSMode is how an SMTP connection is protected.
type TLSMode string

// The modes. STARTTLS is the default (submission port 587); TLS is
// implicit TLS (port 465); None sends in clear and is for loopback tests
// and a local relay only.
const (
	StartTLS TLSMode = "starttls"
	TLS      TLSMode = "tls"
	None     TLSMode = "none"
)

// SMTPConfig configures the e-mail channel.
type SMTPConfig struct {
	Addr          string // host:port
	Username      string // empty: no AUTH
	Password      string
	From          string // envelope and header sender
	Mode          TLSMode
	TLS           *tls.Config // nil: system roots, ServerName from Addr
	DialTimeout   time.Duration
	MessageIDHost string // right-hand side of Message-ID (default "motesplats")
}

// ParseSMTPURL reads MP_SMTP_URL:
// smtp://user:password@host:587?from=noreply@example.org[&tls=starttls|tls|none].
// smtps:// means implicit TLS (port 465 by default).
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return SMTPConfig{}, &envvar.Error{Var: "MP_SMTP_URL", Secret: true, Problem: "not an smtp:// or smtps:// URL with a host", Want: "smtp://user:password@host:port?from=address (or smtps://)"}
	}
	c := SMTPConfig{Mode: StartTLS, From: u.Query().Get("from")}
	port := u.Port()
	if u.Scheme == "smtps" {
		c.Mode = TLS
		if port == "" {
			port = "465"
		}
	}
	if port == "" {
		port = "587"
	}
	c.Addr = net.JoinHostPort(u.Hostname(), port)
	if m := u.Query().Get("tls"); m != "" {
		switch TLSMode(m) {
		case StartTLS, TLS, None:
			c.Mode = TLSMode(m)
		default:
			return SMTPConfig{}, &envvar.Error{Var: "MP_SMTP_URL", Secret: true, Problem: "the tls= parameter is not a known value", Want: "tls=starttls, tls=tls or tls=none"}
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if c.Mode == None && !loopback(u.Hostname()) {
		// In clear across a network, the text (names, addresses) and a
		// password would be readable on the way.
		return SMTPConfig{}, &envvar.Error{Var: "MP_SMTP_URL", Secret: true, Problem: "tls=none with a host that is not this machine", Want: "tls=none only for a relay on loopback (127.0.0.1, ::1, localhost)"}
	}
	if c.From == "" {
		return SMTPConfig{}, &envvar.Error{Var: "MP_SMTP_URL", Secret: true, Problem: "the from= parameter is missing", Want: "smtp://user:password@host:port?from=address (the sender address)"}
	}
	return c, nil
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String describes the configuration without the password.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("smtp addr=%s tls=%s auth=%v", c.Addr, c.Mode, c.Username != "")
}

// SMTP sends e-mail, one connection per message.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP returns the e-mail sender.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.MessageIDHost == "" {
		cfg.MessageIDHost = "motesplats"
	}
	if cfg.TLS == nil {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.TLS = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return &SMTP{cfg: cfg}
}

// Send delivers m. A 5xx reply to RCPT is a bounce (permanent), any other
// 5xx a permanent rejection; 4xx replies and connection failures are
// temporary. Returns no provider id.
func (s *SMTP) Send(ctx context.Context, m notice.Outgoing) (string, error) {
	body, err := s.compose(m)
	if err != nil {
		return "", notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, "compose")
	}
	c, err := s.dial(ctx)
	if err != nil {
		return "", notice.Temporary("connect: " + errKind(err))
	}
	defer c.Close()
	if s.cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
			return "", classifySMTP(err, "auth", false)
		}
	}
	if err := c.Mail(s.cfg.From, nil); err != nil {
		return "", classifySMTP(err, "mail", false)
	}
	if err := c.Rcpt(m.To, nil); err != nil {
		return "", classifySMTP(err, "rcpt", true)
	}
	w, err := c.Data()
	if err != nil {
		return "", classifySMTP(err, "data", false)
	}
	if _, err := w.Write(body); err != nil {
		return "", notice.Temporary("data write: " + errKind(err))
	}
	if err := w.Close(); err != nil {
		return "", classifySMTP(err, "data end", false)
	}
	_ = c.Quit()
	return "", nil
}

func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	d := net.Dialer{Timeout: s.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // bounds every command of a stalled server
	}
	switch s.cfg.Mode {
	case TLS:
		return smtp.NewClient(tls.Client(conn, s.cfg.TLS)), nil
	case None:
		c := smtp.NewClient(conn)
		return c, c.Hello("localhost")
	default:
		c, err := smtp.NewClientStartTLS(conn, s.cfg.TLS)
		if err != nil {
			_ = conn.Close()
		}
		return c, err
	}
}

// classifySMTP maps an SMTP reply to a temporary or permanent failure.
func classifySMTP(err error, step string, rcpt bool) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		detail := step + ": " + strconv.Itoa(se.Code)
		if se.Code >= 500 {
			if rcpt {
				return notice.PermanentFailure(pb.Failure_FAILURE_BOUNCED, detail)
			}
			return notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, detail)
		}
		return notice.Temporary(detail)
	}
	return notice.Temporary(step + ": " + errKind(err))
}

// errKind names a network error without its text (which can hold an
// address).
func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, new(*net.OpError)):
		return "network"
	}
	return "error"
}

// compose builds a multipart/alternative message (text and HTML, UTF-8,
// quoted-printable). Message-ID is the message's key, so a receiver or a
// relay that keeps Message-IDs drops a repeat after a crash (ADR 0101).
func (s *SMTP) compose(m notice.Outgoing) ([]byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", s.cfg.From)
	h("To", m.To)
	h("Subject", mime.QEncoding.Encode("utf-8", strings.ReplaceAll(strings.ReplaceAll(m.Subject, "\r", " "), "\n", " ")))
	h("Date", time.Now().Format(time.RFC1123Z))
	h("Message-ID", "<"+m.ID+"@"+s.cfg.MessageIDHost+">")
	h("MIME-Version", "1.0")
	h("Content-Language", m.Language)
	h("Auto-Submitted", "auto-generated")
	h("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if part.body == "" {
			continue
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
