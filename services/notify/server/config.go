package server

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/directory"
	"github.com/motesplats/motesplats/services/notify/internal/links"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// Options are the notify service's own settings (README: Configuration).
type Options struct {
	// SigningKey signs notify's service tokens (MP_SIGNING_KEY, the key
	// the services' MP_PUBLIC_KEYS verify); KeyID names it
	// (MP_SIGNING_KEY_ID, default "local"). Required.
	SigningKey ed25519.PrivateKey
	KeyID      string
	// LinkKey is the answer links' HMAC key (MP_LINK_KEY, base64 of 32
	// bytes), or read from / created at LinkKeyFile (MP_LINK_KEY_FILE;
	// the embedded stack uses data/link.key, 0600).
	LinkKey     []byte
	LinkKeyFile string
	// PublicURL is where people open their links: the gateway's public
	// address (MP_PUBLIC_URL, default http://127.0.0.1:8080).
	PublicURL string
	// Services are the addresses notify reads from and answers through.
	Services directory.Addrs
	// SMTP, SMS and Webhook configure the channels; each nil one falls
	// back to the webhook, then to the development mailbox.
	SMTP    *channel.SMTPConfig
	SMS     *channel.ElksConfig
	Webhook *channel.WebhookConfig
	// Quiet holds SMS at night (MP_QUIET_HOURS "21-8", MP_QUIET_TZ
	// "Europe/Stockholm").
	Quiet notice.QuietHours
	// SendInterval and SweepInterval pace the sender's retry scan and the
	// reminder sweep (defaults 1s and 5m); Retry shapes backoff. Tests
	// shorten them.
	SendInterval, SweepInterval time.Duration
	Retry                       notice.Backoff
	// Owner names this replica in message leases (default a random id).
	Owner string
	// Retention is how long finished messages and spent links are kept
	// (MP_NOTIFY_RETENTION_DAYS, default 90 days; ADR 0105).
	Retention time.Duration
	// BounceAddr serves POST /v1/bounces for late e-mail bounces
	// (MP_BOUNCE_ADDR, off when empty), authorised by BounceSecret
	// (MP_BOUNCE_SECRET, at least 16 characters; ADR 0107).
	BounceAddr, BounceSecret string
	// BounceReady, if set, is told the bounce endpoint's address (tests).
	BounceReady func(net.Addr)
	// OneKeyMessages seals a message under its recipient's key alone, as
	// before ADR 0159, also when its text names another person: only the
	// planted-value test's control run sets it, to show that what sealing
	// for both people hides is there to find.
	OneKeyMessages bool
}

// OptionsFromEnv reads the settings from the environment. A bad value is
// an error naming its variable (one line each, envvar.Error); an empty
// one is the default.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	e := envvar.New(getenv)
	addr := func(i service.Info) string { return e.Target(i.Env, i.Addr) } // dialled: make up names replicas as static:///a,b
	o := Options{
		KeyID:       or(e.Getenv("MP_SIGNING_KEY_ID"), "local"),
		LinkKeyFile: e.Getenv("MP_LINK_KEY_FILE"),
		PublicURL:   strings.TrimRight(e.URL("MP_PUBLIC_URL", "http://"+service.GatewayAddr, false, "https", "http"), "/"),
		Services: directory.Addrs{
			Participants: addr(service.Participants), Volunteers: addr(service.Volunteers),
			Mentoring: addr(service.Mentoring), Dinners: addr(service.Dinners), Guides: addr(service.Guides),
		},
		Quiet:      notice.DefaultQuietHours(),
		Retention:  time.Duration(e.Int("MP_NOTIFY_RETENTION_DAYS", 0, 1, 3650)) * 24 * time.Hour,
		BounceAddr: e.Addr("MP_BOUNCE_ADDR", "", ""),
	}
	var errs []error
	if s := e.Getenv("MP_SIGNING_KEY"); s != "" {
		k, err := auth.DecodePrivateKey(s)
		if err != nil {
			e.RefuseSecret("MP_SIGNING_KEY", "not a signing key", "base64 of a 32-byte Ed25519 seed (go run ./services/stack keygen makes one)")
		}
		o.SigningKey = k
	}
	if s := e.Getenv("MP_LINK_KEY"); s != "" {
		k, err := links.ParseKey(s)
		if err != nil {
			e.RefuseSecret("MP_LINK_KEY", "not a link key", "base64 of 32 bytes (go run ./services/stack keygen makes one)")
		}
		o.LinkKey = k
	}
	if s := e.Getenv("MP_SMTP_URL"); s != "" {
		c, err := channel.ParseSMTPURL(s)
		if err != nil {
			errs = append(errs, err)
		}
		o.SMTP = &c
	}
	if s := e.Getenv("MP_SMS_URL"); s != "" {
		c, err := channel.ParseSMSURL(s)
		if err != nil {
			errs = append(errs, err)
		}
		o.SMS = &c
	}
	if s := e.URL("MP_WEBHOOK_URL", "", true, "https", "http"); s != "" {
		secret, err := base64.StdEncoding.DecodeString(e.Getenv("MP_WEBHOOK_SECRET"))
		if err != nil || len(secret) < 16 {
			e.RefuseSecret("MP_WEBHOOK_SECRET", "missing or too short", "base64 of at least 16 bytes, required with MP_WEBHOOK_URL")
		}
		o.Webhook = &channel.WebhookConfig{URL: s, Secret: secret}
	}
	if s := strings.TrimSpace(e.Getenv("MP_QUIET_HOURS")); s != "" {
		a, b, ok := strings.Cut(s, "-")
		start, err1 := strconv.Atoi(a)
		end, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || start < 0 || start > 23 || end < 0 || end > 23 {
			e.Refuse("MP_QUIET_HOURS", s, "not two hours from 0 to 23", `"21-8" (hours from-to), or "0-0" for none`)
		}
		o.Quiet.Start, o.Quiet.End = start, end
	}
	if o.BounceSecret = e.Getenv("MP_BOUNCE_SECRET"); o.BounceAddr != "" && len(o.BounceSecret) < 16 {
		e.RefuseSecret("MP_BOUNCE_SECRET", "missing or shorter than 16 characters", "at least 16 characters, required with MP_BOUNCE_ADDR")
	}
	if s := strings.TrimSpace(e.Getenv("MP_QUIET_TZ")); s != "" {
		loc, err := time.LoadLocation(s)
		if err != nil {
			e.Refuse("MP_QUIET_TZ", s, "not a known time zone", "an IANA time zone such as Europe/Stockholm")
			loc = o.Quiet.Location
		}
		o.Quiet.Location = loc
	}
	return o, errors.Join(append([]error{e.Err()}, errs...)...)
}

// String describes the options for the start-up log, secrets masked.
func (o Options) String() string {
	ch := func(set bool, s fmt.Stringer) string {
		if !set {
			return "off"
		}
		return s.String()
	}
	wh := "off"
	if o.Webhook != nil {
		wh = "on"
	}
	keep := or0(o.Retention, notice.DefaultRetention)
	return fmt.Sprintf("public_url=%s smtp=(%s) sms=(%s) webhook=%s quiet=%d-%d %s retention=%dd bounces=%s", o.PublicURL,
		ch(o.SMTP != nil, smtpString{o.SMTP}), ch(o.SMS != nil, smsString{o.SMS}), wh, o.Quiet.Start, o.Quiet.End, o.Quiet.Location,
		int(keep/(24*time.Hour)), or(o.BounceAddr, "off"))
}

type smtpString struct{ c *channel.SMTPConfig }

// String describes the SMTP settings without the password.
func (s smtpString) String() string { return s.c.String() }

type smsString struct{ c *channel.ElksConfig }

// String describes the SMS settings without the password.
func (s smsString) String() string { return s.c.String() }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
