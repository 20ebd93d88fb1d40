package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
)

// token prints a token signed with the operators' key, for grpcurl and
// scripts. It never creates a key: the stack must have run once.
func token(cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "admin", "admin, coordinator or operator")
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
	switch r := auth.Role(*role); r {
	case auth.RoleAdmin, auth.RoleCoordinator, auth.RoleOperator:
	default:
		// The services would refuse it anyway (the key's binding); saying
		// so here names the reason instead of "missing or invalid token".
		return fmt.Errorf("token: -role must be admin, coordinator or operator: the operators' key signs people's roles only, and a service signs its own tokens with its own key (ADR 0217)")
	}
	key, kid, err := operatorKey(cfg)
	if err != nil {
		return err
	}
	c := auth.Claims{Subject: *subject, Role: auth.Role(*role), Organisation: *org}
	if *munis != "" {
		c.Municipalities = strings.Split(*munis, ",")
	}
	tok, err := auth.NewSigner(key, kid, time.Now).Sign(c, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

// operatorKey is the key the operators' tools (token, seed, load,
// latency) sign with, and its key id: MP_OPERATOR_SIGNING_KEY when set
// (separate processes, compose, Kubernetes), otherwise the local stack's
// operator.key. The services bind it to people's roles only, so whoever
// runs a tool cannot sign as the gateway or notify (ADR 0217).
//
// The gateway's MP_SIGNING_KEY alone (the form before ADR 0217) still
// works for one release, with one warning naming the variable to set. No
// tool reads the gateway's key file.
func operatorKey(cfg Config) (ed25519.PrivateKey, string, error) {
	switch {
	case cfg.OperatorSigningKey != "":
		k, err := auth.DecodePrivateKey(cfg.OperatorSigningKey)
		if err != nil {
			return nil, "", fmt.Errorf("MP_OPERATOR_SIGNING_KEY: %w", err)
		}
		return k, cfg.OperatorKeyID, nil
	case cfg.SigningKey != "":
		k, err := auth.DecodePrivateKey(cfg.SigningKey)
		if err != nil {
			return nil, "", fmt.Errorf("MP_SIGNING_KEY: %w", err)
		}
		toolLog(cfg).Warn("MP_SIGNING_KEY is the gateway's key: set MP_OPERATOR_SIGNING_KEY, the operators' own "+
			"(go run ./services/stack keygen operator adds it to an .env), and unset MP_SIGNING_KEY; "+
			"the gateway's key will not sign for the tools after this release (ADR 0217)", "key_id", cfg.SigningKeyID)
		return k, cfg.SigningKeyID, nil
	}
	k, err := readKey(cfg.OperatorKeyPath())
	if err != nil {
		// make up keeps its keys in keys.env, not the data directory: a
		// reader sent to make run there started a second stack (ADR 0227).
		return nil, "", fmt.Errorf("no operators' key at %s: start the stack once with `make run` (it makes one), or set MP_OPERATOR_SIGNING_KEY; "+
			"after make up, run the tool with its keys, as make up prints it: (set -a; . .tmp/up/keys.env; bin/stack ...): %w", cfg.OperatorKeyPath(), err)
	}
	return k, operatorKeyID, nil
}

// toolLog is where a tool's warnings go: one JSON line on stderr, as the
// stack's other logs (a test's capture when set); never stdout, which
// carries the token.
func toolLog(cfg Config) *slog.Logger {
	w := cfg.logs
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewJSONHandler(w, nil)).With("service", "stack")
}

// keygen prints a new set of keys as environment settings for separate
// processes (docker-compose's .env): the gateway's signing key, notify's
// own (MP_NOTIFY_SIGNING_KEY, given to notify as its MP_SIGNING_KEY with
// MP_SIGNING_KEY_ID=notify), the operators' own for their tools
// (MP_OPERATOR_SIGNING_KEY, ADR 0217), the public keys every service
// verifies, each bound to what its signer may sign (ADR 0210), the data
// key and the answer links' key.
//
// "keygen notify" upgrades a set of before ADR 0210 without touching its
// other keys: it prints notify's new key and public, the MP_PUBLIC_KEYS
// given (the environment's) bound, with notify's key added. "keygen
// operator" does the same for the operators' key of ADR 0217. The NATS
// users' passwords (ADR 0225, 0226) come last; "keygen nats" prints them
// alone, without those its environment has (an .env of before, sourced).
func keygen(args []string, getenv func(string) string, out io.Writer) error {
	public := getenv("MP_PUBLIC_KEYS")
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(os.Stderr, keygenUsage)
		return flag.ErrHelp
	}
	if len(args) >= 1 && args[0] == "nats-tls" {
		return keygenNATSTLS(args[1:], out)
	}
	if len(args) > 1 || len(args) == 1 && args[0] != "notify" && args[0] != "operator" && args[0] != "nats" {
		return fmt.Errorf("keygen: want no argument, notify, operator, nats or nats-tls")
	}
	have := func(string) string { return "" }
	if len(args) == 1 && args[0] == "nats" {
		// An .env of before: only the passwords it lacks, when sourced.
		have = getenv
	}
	nats, err := natsPasswords(have)
	if err != nil {
		return err
	}
	if len(args) == 1 && args[0] == "nats" {
		_, err := io.WriteString(out, nats)
		return err
	}
	n, err := auth.GenerateKey()
	if err != nil {
		return err
	}
	if len(args) == 1 {
		return keygenOne(args[0], n, public, out)
	}
	op, err := auth.GenerateKey()
	if err != nil {
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
	public = service.BindPublicKeys(localKeyID+"="+auth.EncodePublicKey(k.Public().(ed25519.PublicKey)), n.Public().(ed25519.PublicKey))
	public = service.AddOperatorKey(public, op.Public().(ed25519.PublicKey))
	// MP_LINK_KEY signs notify's answer links (services/notify/README.md).
	_, err = fmt.Fprintf(out, "MP_SIGNING_KEY=%s\nMP_NOTIFY_SIGNING_KEY=%s\nMP_OPERATOR_SIGNING_KEY=%s\nMP_PUBLIC_KEYS=%s\nMP_DATA_KEY=%s\nMP_LINK_KEY=%s\n%s",
		auth.EncodePrivateKey(k), auth.EncodePrivateKey(n), auth.EncodePrivateKey(op), public, dk, base64.StdEncoding.EncodeToString(link), nats)
	return err
}

// natsPasswords are the .env lines of the NATS users' passwords
// (deploy/nats-users.conf, ADR 0225, 0226): NATS_PASSWORD of ADR 0225's
// single user (compose keeps it for this release), the operators'
// NATS_SYS_PASSWORD, and NATS_<USER>_PASSWORD of each service's own user,
// the tools' and the cluster routes'. A variable have already gives is
// left out, so "keygen nats" adds to an .env of before only what it
// lacks; each line of a service's user says which variable that service
// reads it as.
func natsPasswords(have func(string) string) (string, error) {
	var b strings.Builder
	users := append([]string{service.NATSClientUser, service.NATSSystemUser}, service.NATSServiceUsers()...)
	for _, u := range append(users, service.NATSRouteUser) {
		v := service.NATSPasswordVar(u)
		if u == service.NATSClientUser {
			v = service.NATSPasswordEnv
		}
		if have(v) != "" {
			continue
		}
		p, err := service.NewNATSPassword()
		if err != nil {
			return "", err
		}
		if slices.Contains(service.NATSServiceUsers(), u) {
			fmt.Fprintf(&b, "# %s signs in as NATS_USER=%s with this as its NATS_PASSWORD (ADR 0226)\n", u, u)
		}
		fmt.Fprintf(&b, "%s=%s\n", v, p)
	}
	return b.String(), nil
}

// keygenUsage is what `keygen -h` prints: keygen takes an argument, not
// flags, so no flag set prints it.
const keygenUsage = `usage: stack keygen [notify|operator|nats|nats-tls [-dir certs]]
  (none)    new keys for every signer, the bound MP_PUBLIC_KEYS, a data key and a link key, as .env lines
  notify    notify's own key for an .env of before ADR 0210, and its MP_PUBLIC_KEYS with the key added:
            (set -a; . ./.env; go run ./services/stack keygen notify)
  operator  the operators' own key for an .env of before ADR 0217, likewise:
            (set -a; . ./.env; go run ./services/stack keygen operator)
  nats      the NATS users' passwords (NATS_PASSWORD, NATS_SYS_PASSWORD, NATS_<USER>_PASSWORD of each
            service, the tools and the routes) that an .env of before ADR 0225 or 0226 lacks:
            (set -a; . ./.env; go run ./services/stack keygen nats) >> .env
  nats-tls  NATS' TLS files (ADR 0230) in -dir (default certs, which compose mounts): a private CA
            (ca.crt, ca.key; kept when there) and the server's certificate (tls.crt, tls.key), renewed
            on every run: go run ./services/stack keygen nats-tls
`

// keygenOne prints the new key k of one signer added to an existing set
// (public, the .env's MP_PUBLIC_KEYS): notify's (its entries bound, ADR
// 0210) or the operators' (ADR 0217), and the MP_PUBLIC_KEYS to replace
// the old line with. A set that has the signer's key id already is
// refused: a second key under one id would refuse every token, and a
// rotation is the runbook's (a new id beside the old).
func keygenOne(who string, k ed25519.PrivateKey, public string, out io.Writer) error {
	if public == "" {
		return fmt.Errorf("keygen %s: set MP_PUBLIC_KEYS to the current value (set -a; . ./.env) first", who)
	}
	if _, err := service.ParsePublicKeys(public); err != nil {
		return fmt.Errorf("keygen %s: MP_PUBLIC_KEYS: %w", who, err)
	}
	pub := k.Public().(ed25519.PublicKey)
	if who == "notify" {
		_, err := fmt.Fprintf(out, "MP_NOTIFY_SIGNING_KEY=%s\nMP_PUBLIC_KEYS=%s\n", auth.EncodePrivateKey(k), service.BindPublicKeys(public, pub))
		return err
	}
	if service.HasKeyID(public, service.OperatorKeyID) {
		return fmt.Errorf("keygen operator: MP_PUBLIC_KEYS has a key %s already (to rotate it, see docs/runbook.md, Rotating keys)", service.OperatorKeyID)
	}
	_, err := fmt.Fprintf(out, "MP_OPERATOR_SIGNING_KEY=%s\nMP_PUBLIC_KEYS=%s\n", auth.EncodePrivateKey(k), service.AddOperatorKey(public, pub))
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
