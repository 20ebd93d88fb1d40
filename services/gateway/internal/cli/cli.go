// Package cli is the mp command line client: every command, against the
// gateway's Connect API, with an API token stored by "mp login". It lives
// outside cmd/mp so tests run commands in process against a real gateway.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// clients are the gateway's services, with the stored token.
type clients struct {
	users    gatewayv1connect.UserServiceClient
	tokens   gatewayv1connect.ApiTokenServiceClient
	registry gatewayv1connect.RegistryServiceClient
	matching gatewayv1connect.MatchingServiceClient
	messages gatewayv1connect.MessageServiceClient
	dinners  dinnersClient
	ops      gatewayv1connect.OpsServiceClient
	cfg      config
	http     *http.Client
	// retry is the interceptor every client sends through (retry.go).
	retry sameRequest
}

func newClients(e env, c config) *clients {
	retry := sameRequest{e: e, server: c.Server}
	opts := []connect.ClientOption{connect.WithProtoJSON(), connect.WithInterceptors(bearer(c.Token), retry)}
	return &clients{
		users:    gatewayv1connect.NewUserServiceClient(e.HTTP, c.Server, opts...),
		tokens:   gatewayv1connect.NewApiTokenServiceClient(e.HTTP, c.Server, opts...),
		registry: gatewayv1connect.NewRegistryServiceClient(e.HTTP, c.Server, opts...),
		matching: gatewayv1connect.NewMatchingServiceClient(e.HTTP, c.Server, opts...),
		messages: gatewayv1connect.NewMessageServiceClient(e.HTTP, c.Server, opts...),
		dinners:  gatewayv1connect.NewDinnersServiceClient(e.HTTP, c.Server, opts...),
		ops:      gatewayv1connect.NewOpsServiceClient(e.HTTP, c.Server, opts...),
		cfg:      c, http: e.HTTP, retry: retry,
	}
}

// explain turns a Connect error into a message with every field to fix,
// in mp's language where the gateway's catalogue has the service's words;
// a gateway that does not answer is said so, not as Go's dial error.
func explain(e Env, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the flags are printed, nothing else to say
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	if droppedMidCall(err) {
		return errors.New(e.t("err.dropped"))
	}
	var dial *net.OpError
	switch ce.Code() {
	case connect.CodeUnavailable:
		if errors.As(err, &dial) && dial.Op == "dial" && e.server != "" {
			// Nothing answered at the saved address: the stack is down or
			// moved, which "the gateway or a service behind it" did not
			// tell apart from a service down behind a running gateway.
			return errors.New(e.f("err.gateway_down", e.server))
		}
		return errors.New(e.t("err.unavailable"))
	case connect.CodeUnauthenticated:
		if ce.Message() == disabledMessage {
			// Not "sign in again": that is refused too (ADR 0223).
			return errors.New(e.t("err.disabled"))
		}
		return errors.New(e.t("err.unauthenticated"))
	case connect.CodeCanceled:
		return errors.New(e.t("err.canceled"))
	case connect.CodeDeadlineExceeded:
		return errors.New(e.t("err.deadline"))
	}
	msg := e.serviceText(ce.Message())
	if ce.Message() == "invalid request" {
		msg = e.t("errors.title") // the fields follow
	} else if msg == ce.Message() && e.words().lang != "en" {
		// A service's sentence the catalogue lacks stays English; the
		// kind of refusal ("finns inte", "nekad") is said in words first.
		if k := "audit.outcome." + ce.Code().String(); e.t(k) != k {
			msg = e.t(k) + ": " + msg
		}
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				// The field by the label its web form shows ("Kommun"),
				// not its API path (participant.municipality_code).
				msg += fmt.Sprintf("\n  %s: %s", catalog.PathLabel(e.words().lang, fv.GetField()), e.serviceText(fv.GetDescription()))
			}
		}
	}
	return errors.New(msg)
}

// droppedMidCall reports whether a call failed because the connection to
// the gateway broke after it was made: reset, closed before the answer, or
// a write refused on it (a gateway killed while it carried the call out).
// connect calls a reset "canceled" (its word for a client that went away)
// and the rest "unavailable", which mp said as "avbrutet", as if the user
// had cancelled, or as "try again", while the change may have been made:
// after a restart the new e-mail address stood (ADR 0219). A dial that
// found nobody, and the user's own cancel, are not this.
func droppedMidCall(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var op *net.OpError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		(errors.As(err, &op) && op.Op != "dial")
}

// textArgs refuses an argument that is not UTF-8 text, naming its flag,
// before any call: such a value cannot be sent at all, and the encoder's
// own error named a protobuf field ("proto: field ... contains invalid
// UTF-8"), as the web app's "måste vara giltig text" does not.
func textArgs(e Env, args []string) error {
	for i, a := range args {
		if utf8.ValidString(a) {
			continue
		}
		name := ""
		if f, _, ok := strings.Cut(a, "="); ok && strings.HasPrefix(f, "-") && utf8.ValidString(f) {
			name = f
		} else if i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") {
			name = args[i-1]
		}
		if name == "" {
			name = e.t("arg.value")
		}
		return fmt.Errorf("%s: %s", name, e.serviceText("must be valid UTF-8 text"))
	}
	return nil
}

// Env is what a command may touch: its input, output, environment and
// HTTP client.
type Env struct {
	In     io.Reader
	Out    io.Writer
	Getenv func(string) string
	HTTP   *http.Client
	// Err receives what mp says while it works (that it waits for a
	// gateway that is gone), apart from the output; nil says nothing.
	Err io.Writer
	// RestartWait, when positive, replaces restartWait: how long a read
	// or a repeatable write waits for a gateway that is gone (tests).
	RestartWait time.Duration
	// lang is the language of this run, "sv" or "en"; Run sets it.
	lang string
	// server is the gateway's address from the saved sign-in, for the
	// words when nothing answers there; Run sets it.
	server string
}

type env = Env

// Run runs one mp command.
func Run(ctx context.Context, args []string, e Env) error {
	envLang := ""
	if e.Getenv != nil {
		envLang = e.Getenv("MP_LANG")
	}
	e.lang = langOf(envLang, "")
	if l := strings.ToLower(strings.TrimSpace(envLang)); l != "" && l != "sv" && l != "en" {
		// An unknown language was silently Swedish (ADR 0186); the
		// refusal is in Swedish, the language mp falls back to.
		return fmt.Errorf(e.t("err.mp_lang"), envLang)
	}
	if len(args) == 0 {
		return errors.New(e.t("usage.short"))
	}
	cmd, args := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(e.Out, e.t("usage.intro")+helpText(e))
		return nil
	}
	if cmd == "login" {
		return login(ctx, args, e)
	}
	if cmd == "consent" {
		// The texts are compiled in: no sign-in, no call; a signed-in
		// user's language still applies.
		if cfg, err := loadConfig(e); err == nil {
			e.lang = langOf(envLang, cfg.Locale)
		}
		if len(args) == 0 || args[0] != "show" {
			return errors.New(e.t("usage.consent_show"))
		}
		return explain(e, showConsent(args[1:], e))
	}
	cfg, err := loadConfig(e)
	if err != nil && !slices.ContainsFunc(args, isHelpFlag) {
		return err
	}
	// -h needs no sign-in: the command prints its flags before any call.
	e.lang = langOf(envLang, cfg.Locale)
	e.server = cfg.Server
	if text, unfinished, ok := askedGroupHelp(e, cmd, args); ok {
		if unfinished {
			return errors.New(text)
		}
		fmt.Fprintln(e.Out, text)
		return nil
	}
	if err := textArgs(e, args); err != nil {
		return err
	}
	c := newClients(e, cfg)
	if cmd == "dinners" {
		return explain(e, dinners(ctx, c, args, e))
	}
	if cmd == "guides" {
		return explain(e, guides(ctx, c, args, e))
	}
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch cmd + " " + sub {
	case "logout ":
		err = logout(ctx, c, cfg, e)
	case "whoami ":
		var res *connect.Response[gatewayv1.GetUserResponse]
		if res, err = c.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err == nil {
			u := res.Msg.GetUser()
			var org string
			if org, err = c.organisationName(ctx, u.GetOrganisationId()); err == nil {
				// The organisation and municipalities by the names the web
				// shows; an administrator has neither.
				line := fmt.Sprintf("%s <%s> %s", u.GetDisplayName(), u.GetEmail(), e.code("role.", u.GetRole().String(), "ROLE_"))
				for _, f := range []string{org, muniNames(u.GetMunicipalityCodes())} {
					if f != "" {
						line += "\t" + f
					}
				}
				fmt.Fprintln(e.Out, line)
			}
		}
	case "users list":
		err = listUsers(ctx, c, args, e)
	case "users delete":
		err = deleteUser(ctx, c, args, e)
	case "users email":
		err = changeUserEmail(ctx, c, args, e)
	case "organisations list":
		err = listOrganisations(ctx, c, args, e)
	case "organisations add":
		err = addOrganisation(ctx, c, args, e)
	case "participants list":
		err = listParticipants(ctx, c, args, e)
	case "participants add":
		err = addParticipant(ctx, c, args, e)
	case "participants delete", "participants erase", "volunteers delete", "volunteers erase":
		err = remove(ctx, c, cmd, sub, args, e)
	case "participants consent":
		err = participantConsent(ctx, c, args, e)
	case "volunteers list":
		err = listVolunteers(ctx, c, args, e)
	case "volunteers add":
		err = addVolunteer(ctx, c, args, e)
	case "volunteers roles":
		err = volunteerRoles(ctx, c, args, e)
	case "jobs start":
		err = startJob(ctx, c, args, e)
	case "jobs list":
		err = listJobs(ctx, c, args, e)
	case "jobs watch":
		var id string
		if id, err = e.oneArg("jobs watch", args); err == nil {
			err = watchJob(ctx, c, id, e)
		}
	case "jobs unmatched":
		var id string
		if id, err = e.oneArg("jobs unmatched", args); err == nil {
			err = listUnmatched(ctx, c, id, e)
		}
	case "matching waiting":
		err = listWaiting(ctx, c, args, e)
	case "proposals list":
		err = listProposals(ctx, c, args, e)
	case "proposals approve", "proposals reject":
		err = decide(ctx, c, sub, args, e)
	case "report export":
		err = exportReport(ctx, c, args, e)
	case "participants notify", "volunteers notify":
		err = setNotify(ctx, c, cmd, args, e)
	case "messages list":
		err = listMessages(ctx, c, args, e)
	case "mailbox list", "mailbox show":
		err = mailbox(ctx, c, sub, args, e)
	case "deadletters list", "deadletters show", "deadletters replay", "deadletters discard":
		err = deadLetters(ctx, c, sub, args, e)
	default:
		return errors.New(e.f("err.unknown_command", strings.TrimSpace(cmd+" "+sub)))
	}
	return explain(e, err)
}

// serviceText is a service's message in mp's language: the web app's
// words for it (catalog.ViolationText: the services' violations and
// refusals, with a status in words, and the dinners catalogue's
// sentences), so mp and the pages say the same (ADR 0136); then mp's own
// "svc." sentences and the web catalogue's sentence found by its English
// text; else as the service wrote it.
func (e Env) serviceText(msg string) string {
	if s := catalog.ViolationText(e.words().lang, msg); s != msg {
		return s
	}
	if s := e.t("svc." + msg); s != "svc."+msg {
		return s
	}
	return e.fromEnglish(msg)
}

func splitCSV(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// downloadCSV saves the CSV at path on the gateway (a web route that
// takes the API token) to outPath, or writes it to stdout. When the route
// refuses the parameters (400, 422: its answer is a web page), ask, when
// given, puts the same question to the API, whose refusal names the
// fields in words; mp said only "the gateway answered 422" (ADR 0129).
func downloadCSV(ctx context.Context, c *clients, path, outPath string, e env, ask func() error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.Server+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	// A redirect would be the sign-in page: never follow one, or the
	// page would be saved as the report.
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return errors.New(e.t("err.canceled"))
		}
		// No HTTP answer at all: nothing listens at the saved address.
		return errors.New(e.f("err.gateway_down", c.cfg.Server))
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusUnauthorized && disabledBody(res.Body):
		return errors.New(e.t("err.disabled"))
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode/100 == 3:
		return errors.New(e.t("err.export_token"))
	case (res.StatusCode == http.StatusBadRequest || res.StatusCode == http.StatusUnprocessableEntity) && ask != nil:
		if err := ask(); err != nil {
			return err
		}
		return errors.New(e.f("err.export_status", res.Status))
	case res.StatusCode != http.StatusOK:
		return errors.New(e.f("err.export_status", res.Status))
	case !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv"):
		return errors.New(e.f("err.export_not_csv", res.Header.Get("Content-Type")))
	}
	if outPath == "" {
		_, err = io.Copy(e.Out, res.Body)
		return err
	}
	f, err := createPrivate(outPath)
	if err != nil {
		return e.saveErr(outPath, err)
	}
	lines := &lineCounter{w: f}
	_, err = io.Copy(lines, res.Body)
	if lines.err != nil {
		// The file refused a write (a full disk): the user's words, as
		// for an open or a close; a download that broke off keeps its own.
		err = e.saveErr(outPath, lines.err)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = e.saveErr(outPath, cerr)
	}
	if err != nil {
		return err
	}
	// Said once it is on disk: with -o mp printed nothing at all, and a user
	// could not tell a saved file from a command that did nothing (outside
	// round s30).
	fmt.Fprintln(e.Out, e.f("export.saved", count(lines.n, e.t("n.line"), e.t("n.lines")), outPath))
	return nil
}

// disabledMessage is the gateway's answer to a disabled account's token
// or right password (account.DisabledMessage, which mp does not import:
// the account package is the server's); mp says it in its language.
const disabledMessage = "this account is turned off; ask an administrator"

// disabledBody reports whether a web answer's body is disabledMessage
// (the gateway's CSV routes answer a token in plain text).
func disabledBody(r io.Reader) bool {
	b, _ := io.ReadAll(io.LimitReader(r, 200))
	return strings.TrimSpace(string(b)) == disabledMessage
}
