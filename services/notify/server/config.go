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

// OptionsFromEnv reads the settings from the environment.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	o := Options{
		KeyID:       or(getenv("MP_SIGNING_KEY_ID"), "local"),
		LinkKeyFile: getenv("MP_LINK_KEY_FILE"),
		PublicURL:   or(getenv("MP_PUBLIC_URL"), "http://"+service.GatewayAddr),
		Services: directory.Addrs{
			Participants: service.Participants.AddrFrom(getenv), Volunteers: service.Volunteers.AddrFrom(getenv),
			Mentoring: service.Mentoring.AddrFrom(getenv), Dinners: service.Dinners.AddrFrom(getenv),
			Guides: service.Guides.AddrFrom(getenv),
		},
		Quiet: notice.DefaultQuietHours(),
	}
	var errs []error
	if s := getenv("MP_SIGNING_KEY"); s != "" {
		k, err := auth.DecodePrivateKey(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("MP_SIGNING_KEY: %w", err))
		}
		o.SigningKey = k
	}
	if s := getenv("MP_LINK_KEY"); s != "" {
		k, err := links.ParseKey(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("MP_LINK_KEY: %w", err))
		}
		o.LinkKey = k
	}
	if s := getenv("MP_SMTP_URL"); s != "" {
		c, err := channel.ParseSMTPURL(s)
		if err != nil {
			errs = append(errs, err)
		}
		o.SMTP = &c
	}
	if s := getenv("MP_SMS_URL"); s != "" {
		c, err := channel.ParseSMSURL(s)
		if err != nil {
			errs = append(errs, err)
		}
		o.SMS = &c
	}
	if s := getenv("MP_WEBHOOK_URL"); s != "" {
		secret, err := base64.StdEncoding.DecodeString(getenv("MP_WEBHOOK_SECRET"))
		if err != nil || len(secret) < 16 {
			errs = append(errs, errors.New("MP_WEBHOOK_SECRET: base64 of at least 16 bytes is required with MP_WEBHOOK_URL"))
		}
		o.Webhook = &channel.WebhookConfig{URL: s, Secret: secret}
	}
	if s := getenv("MP_QUIET_HOURS"); s != "" {
		a, b, ok := strings.Cut(s, "-")
		start, err1 := strconv.Atoi(a)
		end, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || start < 0 || start > 23 || end < 0 || end > 23 {
			errs = append(errs, errors.New(`MP_QUIET_HOURS: want "21-8" (hours from-to), or "0-0" for none`))
		}
		o.Quiet.Start, o.Quiet.End = start, end
	}
	if s := getenv("MP_NOTIFY_RETENTION_DAYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3650 {
			errs = append(errs, errors.New("MP_NOTIFY_RETENTION_DAYS: want a whole number of days from 1 to 3650"))
		}
		o.Retention = time.Duration(n) * 24 * time.Hour
	}
	if o.BounceAddr, o.BounceSecret = getenv("MP_BOUNCE_ADDR"), getenv("MP_BOUNCE_SECRET"); o.BounceAddr != "" && len(o.BounceSecret) < 16 {
		errs = append(errs, errors.New("MP_BOUNCE_SECRET: at least 16 characters are required with MP_BOUNCE_ADDR"))
	}
	if s := getenv("MP_QUIET_TZ"); s != "" {
		loc, err := time.LoadLocation(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("MP_QUIET_TZ: %w", err))
		}
		o.Quiet.Location = loc
	}
	return o, errors.Join(errs...)
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
