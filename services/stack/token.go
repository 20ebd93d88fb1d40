package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// token prints a token signed with the stack's local key, for grpcurl and
// scripts. It never creates a key: the stack must have run once.
func token(cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "admin", "admin, coordinator, operator or service")
	org := fs.String("org", "", "organisation id (coordinators)")
	munis := fs.String("municipalities", "", "comma-separated SCB codes (coordinators)")
	subject := fs.String("subject", "local-admin", "user id the token speaks for")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > 24*time.Hour {
		// Tokens are meant to be short-lived: there is no revocation list.
		return fmt.Errorf("token: -ttl must be between 1s and 24h")
	}
	key, err := signingKey(cfg)
	if err != nil {
		return err
	}
	c := auth.Claims{Subject: *subject, Role: auth.Role(*role), Organisation: *org}
	if *munis != "" {
		c.Municipalities = strings.Split(*munis, ",")
	}
	tok, err := auth.NewSigner(key, localKeyID, time.Now).Sign(c, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

// signingKey is MP_SIGNING_KEY when set (separate processes, compose,
// Kubernetes), otherwise the local stack's key file.
func signingKey(cfg Config) (ed25519.PrivateKey, error) {
	if cfg.SigningKey != "" {
		k, err := auth.DecodePrivateKey(cfg.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("MP_SIGNING_KEY: %w", err)
		}
		return k, nil
	}
	k, err := readKey(cfg.SigningKeyPath())
	if err != nil {
		return nil, fmt.Errorf("no signing key at %s: start the stack once with `make run`, or set MP_SIGNING_KEY: %w", cfg.SigningKeyPath(), err)
	}
	return k, nil
}

// keygen prints a new set of keys as environment settings for separate
// processes (docker-compose's .env): the gateway's signing key (it also
// mints the operators' tokens), notify's own (MP_NOTIFY_SIGNING_KEY, given
// to notify as its MP_SIGNING_KEY with MP_SIGNING_KEY_ID=notify), the
// public keys every service verifies, each bound to what its signer may
// sign (ADR 0210), the data key and the answer links' key.
//
// "keygen notify" upgrades a set of before ADR 0210 without touching its
// other keys: it prints notify's new key and public, the MP_PUBLIC_KEYS
// given (the environment's) bound, with notify's key added.
func keygen(args []string, public string, out io.Writer) error {
	if len(args) > 1 || len(args) == 1 && args[0] != "notify" {
		return fmt.Errorf("keygen: want no argument, or notify")
	}
	n, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	notifyPub := n.Public().(ed25519.PublicKey)
	if len(args) == 1 {
		if public == "" {
			return fmt.Errorf("keygen notify: set MP_PUBLIC_KEYS to the current value (. ./.env) first")
		}
		if _, err := service.ParsePublicKeys(public); err != nil {
			return fmt.Errorf("keygen notify: MP_PUBLIC_KEYS: %w", err)
		}
		_, err = fmt.Fprintf(out, "MP_NOTIFY_SIGNING_KEY=%s\nMP_PUBLIC_KEYS=%s\n",
			auth.EncodePrivateKey(n), service.BindPublicKeys(public, notifyPub))
		return err
	}
	k, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	dk, err := seal.GenerateKEK()
	if err != nil {
		return err
	}
	link := make([]byte, 32)
	if _, err := rand.Read(link); err != nil {
		return err
	}
	public = service.BindPublicKeys(localKeyID+"="+auth.EncodePublicKey(k.Public().(ed25519.PublicKey)), notifyPub)
	// MP_LINK_KEY signs notify's answer links (services/notify/README.md).
	_, err = fmt.Fprintf(out, "MP_SIGNING_KEY=%s\nMP_NOTIFY_SIGNING_KEY=%s\nMP_PUBLIC_KEYS=%s\nMP_DATA_KEY=%s\nMP_LINK_KEY=%s\n",
		auth.EncodePrivateKey(k), auth.EncodePrivateKey(n), public, dk, base64.StdEncoding.EncodeToString(link))
	return err
}

// readKey reads the stack's signing key without creating one: minting a
// token with a key the running stack does not have would only confuse.
func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return auth.DecodePrivateKey(strings.TrimSpace(string(b)))
}
