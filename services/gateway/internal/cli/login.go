package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"connectrpc.com/connect"
	"golang.org/x/term"

	"github.com/motesplats/motesplats/pkg/gatewayurl"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// login signs in (the password read without echo from a terminal, or the
// first line of a pipe) and stores the token for the commands after it.
func login(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	// The default follows the variables `make run` reads, so a stack on
	// other ports (GATEWAY_ADDR) is found as the seed's banner says.
	server := fs.String("server", gatewayurl.FromEnv(e.Getenv), e.t("flag.login.server"))
	email := fs.String("email", "", e.t("flag.login.email"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New(e.t("err.login_email"))
	}
	if pub := e.Getenv("MP_PUBLIC_URL"); pub != "" && !flagSet(fs, "server") {
		if u, err := url.Parse(pub); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf(e.t("err.mp_public_url"), pub)
		}
	}
	if u, err := url.Parse(*server); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// "localhost:8080" without its scheme was said to be a gateway
		// that does not answer, while it answered (outside round s35).
		return errors.New(e.f("err.server_url", *server))
	}
	pass := e.Getenv("MP_PASSWORD")
	if pass == "" {
		var err error
		if pass, err = readPassword(e); err != nil {
			return err
		}
	}
	host, _ := os.Hostname()
	c := newClients(e, config{Server: strings.TrimRight(*server, "/")})
	res, err := c.tokens.CreateApiToken(ctx, connect.NewRequest(&gatewayv1.CreateApiTokenRequest{Email: *email, Password: pass, Name: "mp on " + host}))
	if connect.CodeOf(err) == connect.CodeUnavailable {
		return errors.New(e.f("err.login_unavailable", c.cfg.Server))
	}
	if code := connect.CodeOf(err); err != nil && (code == connect.CodeUnimplemented || code == connect.CodeUnknown) {
		// Something answered that is not the gateway's API (a metrics
		// port, another web server): mp printed its bare "404 Not
		// Found" (outside round s35).
		return errors.New(e.f("err.not_gateway", c.cfg.Server))
	}
	if connect.CodeOf(err) == connect.CodeUnauthenticated {
		// The web sign-in's words: explain's "gäller inte längre" is
		// for a saved sign-in that ran out, not a mistyped password; a
		// disabled account's right password is told so (ADR 0223).
		var ce *connect.Error
		if errors.As(err, &ce) && ce.Message() == disabledMessage {
			return errors.New(e.t("err.disabled"))
		}
		return errors.New(e.t("err.credentials"))
	}
	if err != nil {
		return explain(e, err)
	}
	u := res.Msg.GetUser()
	if err := saveConfig(e, config{Server: c.cfg.Server, Token: res.Msg.GetToken(), Locale: u.GetLocale()}); err != nil {
		return err
	}
	e.lang = langOf(e.Getenv("MP_LANG"), u.GetLocale())
	fmt.Fprintln(e.Out, e.f("login.done", u.GetDisplayName(), e.code("role.", u.GetRole().String(), "ROLE_"), localtime.Stamp(res.Msg.GetExpireTime())))
	return nil
}

// readPassword prompts for the password. From a terminal it is read
// without echo, so it never shows on screen or in a screen recording; from
// a pipe it is the first line.
func readPassword(e env) (string, error) {
	if f, ok := e.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Out, e.t("login.password"))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Out)
		return string(b), err
	}
	return e.ask(e.t("login.password"))
}

// ask prints prompt and reads one line of the input. A terminal ends the
// prompt's line when Enter is typed; from a pipe nothing does, so mp ends
// it: "Lösenord: inloggad som ..." was printed on one line.
func (e Env) ask(prompt string) (string, error) {
	if f, ok := e.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Out, prompt)
	} else {
		fmt.Fprintln(e.Out, strings.TrimRight(prompt, " "))
	}
	line, err := bufio.NewReader(e.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
