// Package cli is the mp command line client: every command, against the
// gateway's Connect API, with an API token stored by "mp login". It lives
// outside cmd/mp so tests run commands in process against a real gateway.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/term"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// config is what mp login stores.
type config struct {
	Server string `json:"server"`
	Token  string `json:"token"`
}

func configPath(e env) (string, error) {
	dir := e.Getenv("MP_CONFIG_DIR")
	if dir == "" {
		base := e.Getenv("XDG_CONFIG_HOME")
		if base == "" {
			home := e.Getenv("HOME")
			if home == "" {
				return "", errors.New("no HOME: set MP_CONFIG_DIR")
			}
			base = filepath.Join(home, ".config")
		}
		dir = filepath.Join(base, "mp")
	}
	return filepath.Join(dir, "config.json"), nil
}

func loadConfig(e env) (config, error) {
	var c config
	p, err := configPath(e)
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, errors.New("not signed in: run mp login")
	}
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func saveConfig(e env, c config) error {
	p, err := configPath(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return os.WriteFile(p, b, 0o600) // the token is a secret
}

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
}

func newClients(e env, c config) *clients {
	opts := []connect.ClientOption{connect.WithProtoJSON(), connect.WithInterceptors(bearer(c.Token))}
	return &clients{
		users:    gatewayv1connect.NewUserServiceClient(e.HTTP, c.Server, opts...),
		tokens:   gatewayv1connect.NewApiTokenServiceClient(e.HTTP, c.Server, opts...),
		registry: gatewayv1connect.NewRegistryServiceClient(e.HTTP, c.Server, opts...),
		matching: gatewayv1connect.NewMatchingServiceClient(e.HTTP, c.Server, opts...),
		messages: gatewayv1connect.NewMessageServiceClient(e.HTTP, c.Server, opts...),
		dinners:  gatewayv1connect.NewDinnersServiceClient(e.HTTP, c.Server, opts...),
		ops:      gatewayv1connect.NewOpsServiceClient(e.HTTP, c.Server, opts...),
		cfg:      c, http: e.HTTP,
	}
}

// explain turns a Connect error into a message with every field to fix.
func explain(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	msg := ce.Message()
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				msg += fmt.Sprintf("\n  %s: %s", fv.GetField(), fv.GetDescription())
			}
		}
	}
	return errors.New(msg)
}

// Env is what a command may touch: its input, output, environment and
// HTTP client.
type Env struct {
	In     io.Reader
	Out    io.Writer
	Getenv func(string) string
	HTTP   *http.Client
}

type env = Env

// Run runs one mp command.
func Run(ctx context.Context, args []string, e Env) error {
	if len(args) == 0 {
		return errors.New("usage: mp login|logout|whoami|participants|volunteers|jobs|proposals|report|dinners|guides|messages|mailbox|deadletters ... (see mp help)")
	}
	cmd, args := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(e.Out, usage+dinnersUsage+guidesUsage+messagesUsage+deadLettersUsage)
		return nil
	}
	if cmd == "login" {
		return login(ctx, args, e)
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	c := newClients(e, cfg)
	if cmd == "dinners" {
		return explain(dinners(ctx, c, args, e))
	}
	if cmd == "guides" {
		return explain(guides(ctx, c, args, e))
	}
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch cmd + " " + sub {
	case "logout ":
		_, err = c.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{Id: "current"}))
		if err == nil {
			cfg.Token = ""
			err = saveConfig(e, cfg)
		}
	case "whoami ":
		var res *connect.Response[gatewayv1.GetUserResponse]
		if res, err = c.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err == nil {
			u := res.Msg.GetUser()
			fmt.Fprintf(e.Out, "%s <%s> %s %s %s\n", u.GetDisplayName(), u.GetEmail(), u.GetRole(), u.GetOrganisationId(), strings.Join(u.GetMunicipalityCodes(), ","))
		}
	case "participants list":
		err = listParticipants(ctx, c, args, e)
	case "participants add":
		err = addParticipant(ctx, c, args, e)
	case "participants delete", "participants erase", "volunteers delete", "volunteers erase":
		err = remove(ctx, c, cmd, sub, args, e)
	case "participants consent":
		err = consent(ctx, c, args, e)
	case "volunteers list":
		err = listVolunteers(ctx, c, args, e)
	case "jobs start":
		err = startJob(ctx, c, args, e)
	case "jobs watch":
		if len(args) != 1 {
			return errors.New("usage: mp jobs watch ID")
		}
		err = watchJob(ctx, c, args[0], e)
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
		return fmt.Errorf("unknown command %q; see mp help", strings.TrimSpace(cmd+" "+sub))
	}
	return explain(err)
}

const usage = `mp is the Mötesplats command line client.

  mp login [-server URL] -email E        sign in (password from MP_PASSWORD or stdin)
  mp logout                              revoke and forget the token
  mp whoami                              show the signed-in user
  mp participants list [-municipality C] [-name N]  list newcomers
  mp participants add -given-name N -municipality C [-family-name N] [-swedish-level SFI_B]
                      [-languages ar,en] [-interests a,b] [-household 1] [-consent]
                      [-language ar] [-channel sms] [-opt-out reminders]  (messages: see below)
  mp participants delete ID              remove a newcomer who leaves the programme
  mp participants erase [-yes] ID        erase every trace of a newcomer (asks to confirm)
  mp participants consent [-withdraw] ID record (or withdraw) consent to mentoring matching
  mp volunteers list [-municipality C] [-name N]    list volunteers
  mp volunteers delete ID                remove a volunteer who leaves
  mp volunteers erase [-yes] ID          erase every trace of a volunteer (asks to confirm)
  mp jobs start [-municipalities C,...] [-follow]  start a matching job
  mp jobs watch ID                       follow a job to the end
  mp proposals list [-job ID]            proposals with their explanation
  mp proposals approve ID                approve a proposal
  mp proposals reject ID                 reject a proposal
  mp report export [-o FILE]             the report as CSV (stdout by default)
`

func login(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(e.Out)
	server := fs.String("server", "http://127.0.0.1:8080", "gateway URL")
	email := fs.String("email", "", "e-mail address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("login: -email is required")
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
	if err != nil {
		return explain(err)
	}
	if err := saveConfig(e, config{Server: c.cfg.Server, Token: res.Msg.GetToken()}); err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "signed in as %s (%s); token valid until %s\n", res.Msg.GetUser().GetDisplayName(),
		res.Msg.GetUser().GetRole(), res.Msg.GetExpireTime().AsTime().Format(time.DateOnly))
	return nil
}

// readPassword prompts for the password. From a terminal it is read
// without echo, so it never shows on screen or in a screen recording; from
// a pipe it is the first line.
func readPassword(e env) (string, error) {
	fmt.Fprint(e.Out, "Password: ")
	if f, ok := e.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Out)
		return string(b), err
	}
	line, err := bufio.NewReader(e.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func listParticipants(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants list", flag.ContinueOnError)
	muni := fs.String("municipality", "", "only this municipality code")
	name := fs.String("name", "", "only names with words starting so (3+ letters a word; case and accents ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	token := ""
	for {
		res, err := c.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return err
		}
		for _, p := range res.Msg.GetParticipants() {
			fmt.Fprintf(e.Out, "%s\t%s %s\t%s\t%s\n", p.GetId(), p.GetGivenName(), p.GetFamilyName(), p.GetMunicipalityCode(), p.GetSwedishLevel())
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			return nil
		}
	}
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

func addParticipant(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants add", flag.ContinueOnError)
	given := fs.String("given-name", "", "given name")
	family := fs.String("family-name", "", "family name")
	muni := fs.String("municipality", "", "municipality code (four digits)")
	level := fs.String("swedish-level", "SFI_A", "NONE, SFI_A..SFI_D, SAS or FLUENT")
	langs := fs.String("languages", "", "language codes, comma separated")
	interests := fs.String("interests", "", "interest tags, comma separated")
	household := fs.Int("household", 1, "people in the household")
	consent := fs.Bool("consent", false, "the newcomer consents to mentoring matching")
	prefs := addPrefFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	sl, err := enumFlag("swedish-level", *level, "SWEDISH_LEVEL_", typev1.SwedishLevel_value)
	if err != nil {
		return err
	}
	p := &participantsv1.Participant{GivenName: *given, FamilyName: *family, MunicipalityCode: *muni,
		SwedishLevel: typev1.SwedishLevel(sl),
		Household:    &participantsv1.Household{Size: int32(*household)}, Interests: splitCSV(*interests)}
	for _, l := range splitCSV(*langs) {
		p.Languages = append(p.Languages, &typev1.LanguageSkill{Code: l, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL})
	}
	if *consent {
		p.Consents = []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: consentTextVersion, Language: "sv"}}
	}
	if prefs.set(fs) {
		if p.Notifications, err = prefs.apply(fs, nil); err != nil {
			return err
		}
	}
	res, err := c.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: p, RequestId: ids.UUIDv7{}.New()}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetParticipant().GetId())
	return nil
}

func listVolunteers(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("volunteers list", flag.ContinueOnError)
	muni := fs.String("municipality", "", "only this municipality code")
	name := fs.String("name", "", "only names with words starting so (3+ letters a word; case and accents ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	token := ""
	for {
		res, err := c.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return err
		}
		for _, v := range res.Msg.GetVolunteers() {
			fmt.Fprintf(e.Out, "%s\t%s %s\t%s\n", v.GetId(), v.GetGivenName(), v.GetFamilyName(), v.GetMunicipalityCode())
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			return nil
		}
	}
}

func startJob(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("jobs start", flag.ContinueOnError)
	org := fs.String("organisation", "", "organisation id (admins)")
	munis := fs.String("municipalities", "", "municipality codes, comma separated (default: all of yours)")
	follow := fs.Bool("follow", false, "follow the job's progress to the end")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := c.matching.StartMatchingJob(ctx, connect.NewRequest(&gatewayv1.StartMatchingJobRequest{
		RequestId: ids.UUIDv7{}.New(), OrganisationId: *org, MunicipalityCodes: splitCSV(*munis)}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetJob().GetId())
	if *follow {
		return watchJob(ctx, c, res.Msg.GetJob().GetId(), e)
	}
	return nil
}

// watchJob polls the job until it finishes, printing progress changes.
func watchJob(ctx context.Context, c *clients, id string, e env) error {
	last := ""
	for {
		res, err := c.matching.GetMatchingJob(ctx, connect.NewRequest(&gatewayv1.GetMatchingJobRequest{Id: id}))
		if err != nil {
			return err
		}
		j := res.Msg.GetJob()
		line := fmt.Sprintf("%3d%% %s %s", j.GetProgressPercent(), strings.ToLower(strings.TrimPrefix(j.GetState().String(), "JOB_STATE_")), j.GetPhase())
		if line != last {
			fmt.Fprintln(e.Out, line)
			last = line
		}
		switch j.GetState() {
		case mentoringv1.JobState_JOB_STATE_SUCCEEDED:
			fmt.Fprintf(e.Out, "proposals: %d, unmatched: %d\n", j.GetCounts().GetProposals(), j.GetCounts().GetUnmatched())
			return nil
		case mentoringv1.JobState_JOB_STATE_FAILED:
			return errors.New("the job failed; try again, and tell your administrator if it keeps failing")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func listProposals(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("proposals list", flag.ContinueOnError)
	job := fs.String("job", "", "only proposals of this job")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Every page, not the first 200 (issue 12: 200 of 265 were shown
	// without a word); a token that does not move on is an error, never a
	// silent stop.
	token := ""
	for {
		res, err := c.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: *job, PageSize: 200, PageToken: token,
			Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}}))
		if err != nil {
			return err
		}
		for _, v := range res.Msg.GetPairs() {
			var why []string
			for _, p := range v.GetPair().GetScoreParts() {
				why = append(why, fmt.Sprintf("%s=%d", p.GetRule(), p.GetPoints()))
			}
			fmt.Fprintf(e.Out, "%s\t%s + %s\tscore %d (%s)\n", v.GetPair().GetId(), v.GetParticipantName(), v.GetVolunteerName(),
				v.GetPair().GetScore(), strings.Join(why, " "))
		}
		next := res.Msg.GetNextPageToken()
		if next == "" {
			return nil
		}
		if next == token {
			return fmt.Errorf("stopped after an incomplete list: the service returned the same page token twice")
		}
		token = next
	}
}

func decide(ctx context.Context, c *clients, what string, args []string, e env) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: mp proposals %s ID", what)
	}
	var v *gatewayv1.PairView
	if what == "approve" {
		res, err := c.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: args[0]}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	} else {
		res, err := c.matching.RejectPair(ctx, connect.NewRequest(&gatewayv1.RejectPairRequest{Id: args[0], Reason: eventsv1.RejectReason_REJECT_REASON_POOR_FIT}))
		if err != nil {
			return err
		}
		v = res.Msg.GetPair()
	}
	fmt.Fprintf(e.Out, "%s %s\n", v.GetPair().GetId(), strings.ToLower(strings.TrimPrefix(v.GetPair().GetStatus().String(), "PAIR_STATUS_")))
	return nil
}

// exportReport downloads the CSV the web app's Reports page exports.
func exportReport(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("report export", flag.ContinueOnError)
	outPath := fs.String("o", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return downloadCSV(ctx, c, "/reports/export.csv?format=machine", *outPath, e)
}

// downloadCSV saves the CSV at path on the gateway (a web route that
// takes the API token) to outPath, or writes it to stdout.
func downloadCSV(ctx context.Context, c *clients, path, outPath string, e env) error {
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
		return err
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode/100 == 3:
		return errors.New("export: the API token is not valid any more: run mp login")
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("export: the gateway answered %s", res.Status)
	case !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv"):
		return fmt.Errorf("export: the gateway sent %q, not CSV", res.Header.Get("Content-Type"))
	}
	w := e.Out
	if outPath != "" {
		f, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	_, err = io.Copy(w, res.Body)
	return err
}

// remove deletes or erases a newcomer or volunteer. Erasing cannot be
// undone, so it asks for "yes" on the input unless -yes is given.
func remove(ctx context.Context, c *clients, kind, what string, args []string, e env) error {
	fs := flag.NewFlagSet(kind+" "+what, flag.ContinueOnError)
	fs.SetOutput(e.Out)
	yes := fs.Bool("yes", false, "erase without asking")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: mp %s %s ID", kind, what)
	}
	id := fs.Arg(0)
	if what == "erase" && !*yes {
		fmt.Fprintf(e.Out, "Erase %s and every trace of them? This cannot be undone. Type yes to confirm: ", id)
		line, err := bufio.NewReader(e.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if strings.TrimSpace(line) != "yes" {
			return errors.New("not erased")
		}
	}
	var err error
	switch kind + " " + what {
	case "participants delete":
		_, err = c.registry.DeleteParticipant(ctx, connect.NewRequest(&gatewayv1.DeleteParticipantRequest{Id: id}))
	case "participants erase":
		_, err = c.registry.EraseParticipant(ctx, connect.NewRequest(&gatewayv1.EraseParticipantRequest{Id: id}))
	case "volunteers delete":
		_, err = c.registry.DeleteVolunteer(ctx, connect.NewRequest(&gatewayv1.DeleteVolunteerRequest{Id: id}))
	case "volunteers erase":
		_, err = c.registry.EraseVolunteer(ctx, connect.NewRequest(&gatewayv1.EraseVolunteerRequest{Id: id}))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s %sd\n", id, what) // deleted, erased
	return nil
}

// consent records or withdraws a newcomer's consent to mentoring.
func consent(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants consent", flag.ContinueOnError)
	fs.SetOutput(e.Out)
	withdraw := fs.Bool("withdraw", false, "withdraw the consent instead")
	lang := fs.String("language", "sv", "language of the consent text the newcomer was shown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: mp participants consent [-withdraw] ID")
	}
	purpose := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	if *withdraw {
		if _, err := c.registry.WithdrawConsent(ctx, connect.NewRequest(&gatewayv1.WithdrawConsentRequest{Id: fs.Arg(0), Purpose: purpose})); err != nil {
			return err
		}
		fmt.Fprintf(e.Out, "%s consent withdrawn\n", fs.Arg(0))
		return nil
	}
	_, err := c.registry.RecordConsent(ctx, connect.NewRequest(&gatewayv1.RecordConsentRequest{Id: fs.Arg(0),
		Consent: &participantsv1.Consent{Purpose: purpose, TextVersion: consentTextVersion, Language: *lang}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s consent recorded\n", fs.Arg(0))
	return nil
}

// consentTextVersion names the consent text mp records consent to.
const consentTextVersion = "2026-01"
