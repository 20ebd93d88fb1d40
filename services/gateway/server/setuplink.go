package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// announceSetup hands the one-time setup link to the operator without
// putting it where logs are kept: into SetupLinkFile (mode 0600), and on
// Out only if Out is a terminal. Anyone holding the link can make
// themselves admin until the first admin exists; the file is removed once
// the link no longer works (forgetSetupLink).
func announceSetup(cfg Config, link string) error {
	tty := isTerminal(cfg.Out)
	if cfg.SetupLinkFile != "" {
		if err := writePrivate(cfg.SetupLinkFile, link+"\n"); err != nil {
			return fmt.Errorf("MP_SETUP_LINK_FILE: %w", err)
		}
		fmt.Fprintf(cfg.Out, "No users yet. The one-time link that creates the first admin is in %s (readable by you only).\n", cfg.SetupLinkFile)
	}
	switch {
	case tty:
		fmt.Fprintf(cfg.Out, "No users yet. Create the first admin at (one-time link):\n  %s\n", link)
	case cfg.SetupLinkFile == "":
		fmt.Fprintln(cfg.Out, "No users yet. The one-time setup link is not printed here, since this output may be kept in logs: "+
			"set MP_SETUP_LINK_FILE to a file to receive it, or MP_ADMIN_EMAIL and MP_ADMIN_PASSWORD, and restart.")
	}
	return nil
}

// writePrivate replaces path's content with s, readable by its owner
// only, also when the file existed with a wider mode.
func writePrivate(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// forgetSetupLink removes the setup-link file once its link no longer
// works, so an operator does not find a dead link there (ADR 0218): with
// tok, when the file holds the link of that token (the one this replica's
// form just used); with "" (at start, when no link works), when it holds
// any setup link. A file holding another link (another replica's newer
// one) or anything else stays. A file that cannot be read or removed is
// logged, not fatal: the setup itself is done.
func forgetSetupLink(log *slog.Logger, path, tok string) {
	if path == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !os.IsNotExist(err) {
			log.Warn("the setup-link file not read", "err", err)
		}
		return
	}
	held, ok := linkToken(string(data))
	if !ok || (tok != "" && held != tok) {
		return
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		log.Warn("the setup-link file not removed", "err", err)
	}
}

// linkToken is the token of the setup link s holds, as announceSetup
// writes it (".../setup?token=<token>" and a line end), and whether s is
// one.
func linkToken(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !strings.HasSuffix(u.Path, "/setup") {
		return "", false
	}
	tok := u.Query().Get("token")
	return tok, tok != ""
}

// setupRetry is how soon awaitSetup asks again when the link's state
// could not be read (NATS away for a moment).
const setupRetry = 10 * time.Second

// awaitSetup gives a new setup link when a form took the link and died
// before it made the admin: ADR 0214 left that to a start a minute later,
// so a gateway started in that minute (the one whose form died, restarted
// at once by make up or Kubernetes) said to restart again and never gave
// a link while it ran (found from outside, ADR 0219). It asks again when
// the taken link goes stale and announces the new link as at start
// (announceSetup: the file, or the terminal). It ends once a link is
// announced, an account exists or the link was used (then the file's dead
// link goes, forgetSetupLink), or with ctx. A read of the state that
// fails is asked again after retry.
func awaitSetup(ctx context.Context, cfg Config, log *slog.Logger, token func(context.Context) (string, time.Duration, error), base string, wait, retry time.Duration) {
	for wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		tok, next, err := token(ctx)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			log.Warn("the setup link's state not read; asking again", "in", retry, "err", err)
			next = retry
		case tok != "":
			if err := announceSetup(cfg, base+"/setup?token="+tok); err != nil {
				log.Error("the new setup link not announced", "err", err)
			}
			return
		case next == 0:
			forgetSetupLink(log, cfg.SetupLinkFile, "")
			return
		}
		wait = next
	}
}
