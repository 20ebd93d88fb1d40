package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

// dinnersClient is the gateway's dinners API.
type dinnersClient = gatewayv1connect.DinnersServiceClient

// dinners runs "mp dinners <what> ...".
func dinners(ctx context.Context, c *clients, args []string, e env) error {
	if len(args) == 0 {
		return errors.New(e.t("usage.word") + "\n" + e.t("help.dinners"))
	}
	what, args := args[0], args[1:]
	if what == "offers" || what == "signups" || what == "jobs" || what == "seatings" || what == "proposals" {
		if len(args) == 0 {
			return errors.New(e.f("usage.see_help", "mp dinners "+what))
		}
		what, args = what+" "+args[0], args[1:]
	}
	d := c.dinners
	switch what {
	case "offers list":
		return listOffers(ctx, d, c.namesakes(ctx), args, e)
	case "offers add":
		return addOffer(ctx, d, args, e)
	case "offers update":
		return updateOffer(ctx, d, args, e)
	case "offers delete":
		return deleteByID(what, args, e, func(id string) error {
			_, err := d.DeleteDinnerOffer(ctx, connect.NewRequest(&gatewayv1.DeleteDinnerOfferRequest{Id: id}))
			return err
		})
	case "offers cancel-date":
		if len(args) != 2 {
			return errors.New(e.t("usage.cancel_date"))
		}
		res, err := d.CancelDinner(ctx, connect.NewRequest(&gatewayv1.CancelDinnerRequest{OfferId: args[0], Date: args[1]}))
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Out, e.f("dinners.date_cancelled", args[0], args[1], count(len(res.Msg.GetCancelledSeatingIds()), e.t("n.seating"), e.t("n.seatings"))))
		return nil
	case "signups list":
		return listSignUps(ctx, d, c.namesakes(ctx), args, e)
	case "signups add":
		return addSignUp(ctx, d, args, e)
	case "signups update":
		return updateSignUp(ctx, d, args, e)
	case "signups delete":
		return deleteByID(what, args, e, func(id string) error {
			_, err := d.DeleteDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.DeleteDinnerSignUpRequest{Id: id}))
			return err
		})
	case "jobs start":
		return startDinnerJob(ctx, d, args, e)
	case "jobs list":
		return listDinnerJobs(ctx, d, e)
	case "jobs watch":
		id, err := oneID("jobs watch", args, e)
		if err != nil {
			return err
		}
		return watchDinnerJob(ctx, d, id, e)
	case "unseated":
		id, err := oneID("unseated", args, e)
		if err != nil {
			return err
		}
		return listUnseated(ctx, d, c.namesakes(ctx), id, e)
	case "seatings list":
		return listSeatings(ctx, d, c.namesakes(ctx), args, e, "")
	case "proposals list":
		return listSeatings(ctx, d, c.namesakes(ctx), args, e, "PROPOSED")
	case "approve", "reject", "rsvp", "cancel", "attendance", "feedback":
		return changeSeating(ctx, d, what, args, e)
	case "record-held":
		return recordHeld(ctx, d, args, e)
	case "waitlist":
		return waitlist(ctx, d, args, e)
	case "report":
		return dinnerReport(ctx, c, args, e)
	}
	return errors.New(e.f("err.unknown_command", "dinners "+what))
}

// oneID reads the single id argument of cmd.
func oneID(cmd string, args []string, e env) (string, error) {
	return e.oneArg("dinners "+cmd, args)
}

// deleteByID runs a "mp dinners <records> delete ID" command cmd.
func deleteByID(cmd string, args []string, e env, del func(id string) error) error {
	id, err := oneID(cmd, args, e)
	if err != nil {
		return err
	}
	if err := del(id); err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("done.delete", id))
	return nil
}

func (e Env) diets(flagName, value string) ([]typev1.Diet, error) {
	ns, err := e.enumList(flagName, value, dietChoice)
	out := make([]typev1.Diet, len(ns))
	for k, n := range ns {
		out[k] = typev1.Diet(n)
	}
	return out, err
}

func (e Env) allergens(flagName, value string) ([]dinnersv1.Allergen, error) {
	ns, err := e.enumList(flagName, value, allergenChoice)
	out := make([]dinnersv1.Allergen, len(ns))
	for k, n := range ns {
		out[k] = dinnersv1.Allergen(n)
	}
	return out, err
}

// party reads "SELF:34,CHILD:8": relation and age of each member.
func (e Env) party(value string) ([]*dinnersv1.PartyMember, error) {
	var out []*dinnersv1.PartyMember
	for _, m := range splitCSV(value) {
		rel, age, ok := strings.Cut(m, ":")
		n, err := strconv.Atoi(age)
		if !ok || err != nil {
			return nil, errors.New(e.f("err.party", m))
		}
		r, err := e.enumFlag("party", rel, relationChoice)
		if err != nil {
			return nil, err
		}
		out = append(out, &dinnersv1.PartyMember{Relation: dinnersv1.Relation(r), Age: int32(n)})
	}
	return out, nil
}

// listByMunicipality runs a "mp dinners <records> list [-municipality C]"
// command: the flag, then every page of list (which prints its rows)
// until the last.
func listByMunicipality(name string, args []string, e env, list func(token, muni string) (next string, err error)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	muni := municipalityFlag(fs, "municipality", e.t("flag.municipality_filter"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	return pages(func(token string) (string, error) { return list(token, *muni) })
}

// listOffers prints the offers, a host with a namesake (over the whole
// scope, page by page) with when they were registered (ADR 0200).
func listOffers(ctx context.Context, d dinnersClient, ask askNamesakes, args []string, e env) error {
	return listByMunicipality("dinners offers list", args, e, func(token, muni string) (string, error) {
		res, err := d.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{PageSize: 500, PageToken: token, MunicipalityCode: muni}))
		if err != nil {
			return "", err
		}
		label := map[string]string{}
		for _, v := range res.Msg.GetOffers() {
			label[v.GetOffer().GetVolunteerId()] = v.GetHostName() + ", " + v.GetOffer().GetMunicipalityCode()
		}
		told, err := groupsTold(label, true, ask)
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetOffers() {
			o := v.GetOffer()
			var dates []string
			for _, dn := range o.GetDinners() {
				s := fmt.Sprintf("%s %s %d/%d", dn.GetDate(), dn.GetStartTime(), dn.GetSeatsTaken(), o.GetSeats())
				if dn.GetCancelled() {
					s += " " + e.t("dinners.cancelled_word")
				}
				dates = append(dates, s)
			}
			row := fmt.Sprintf("%s\t%s\t%s\t%s", o.GetId(), e.apart(v.GetHostName(), told[o.GetVolunteerId()]), muniName(o.GetMunicipalityCode()), strings.Join(dates, "; "))
			if w := hostStatusWords(o.GetHostStatus(), e); w != "" {
				row += "\t" + w
			}
			fmt.Fprintln(e.Out, row)
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// hostStatusWords says, in the web app's words, why no seating job uses
// an offer (its host is no longer a dinner host, or has no valid background
// check: ADR 0117); empty when the host can receive guests or the status is
// not known.
func hostStatusWords(s dinnersv1.HostStatus, e env) string {
	switch s {
	case dinnersv1.HostStatus_HOST_STATUS_UNSPECIFIED, dinnersv1.HostStatus_HOST_STATUS_AVAILABLE:
		return ""
	}
	return e.t("dinners.host_status." + strings.ToLower(strings.TrimPrefix(s.String(), "HOST_STATUS_")))
}

func addOffer(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners offers add", flag.ContinueOnError)
	host := fs.String("host", "", e.t("flag.addOffer.host"))
	muni := municipalityFlag(fs, "municipality", e.t("flag.addOffer.municipality"))
	seats := fs.Int("seats", 0, e.t("flag.addOffer.seats"))
	dates := fs.String("dates", "", e.t("flag.addOffer.dates"))
	start := fs.String("time", "18:00", e.t("flag.addOffer.time"))
	dietsF := fs.String("diets", "", e.usage("flag.addOffer.diets", dietChoice))
	allergensF := fs.String("allergens", "", e.usage("flag.addOffer.allergens", allergenChoice))
	langs := fs.String("languages", "", e.t("flag.addOffer.languages"))
	comp := fs.String("composition", "mixed", e.usage("flag.addOffer.composition", compositionChoice))
	pets := fs.Bool("pets", false, e.t("flag.addOffer.pets"))
	// As the web form takes them: without them an offer added by mp had
	// no address for its confirmed guests until an update (outside round
	// s45).
	postcode := fs.String("postcode", "", e.t("flag.addOffer.postcode"))
	address := fs.String("address", "", e.t("flag.addOffer.address"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	ds, err := e.diets("diets", *dietsF)
	if err != nil {
		return err
	}
	as, err := e.allergens("allergens", *allergensF)
	if err != nil {
		return err
	}
	c, err := e.enumFlag("composition", *comp, compositionChoice)
	if err != nil {
		return err
	}
	ls, err := e.languageCodes(*langs)
	if err != nil {
		return err
	}
	o := &dinnersv1.Offer{VolunteerId: *host, MunicipalityCode: *muni, Seats: int32(*seats), Languages: ls,
		Kitchen: &dinnersv1.Kitchen{Diets: ds, AllergensHandled: as}, Composition: dinnersv1.Composition(c), Pets: *pets,
		Postcode: people.NormPostcode(*postcode), Address: people.NormLine(*address)}
	for _, day := range splitCSV(*dates) {
		o.Dinners = append(o.Dinners, &dinnersv1.Dinner{Date: day, StartTime: *start})
	}
	res, err := d.CreateDinnerOffer(ctx, connect.NewRequest(&gatewayv1.CreateDinnerOfferRequest{RequestId: ids.UUIDv7{}.New(), Offer: o}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetOffer().GetOffer().GetId())
	return nil
}

// listSignUps prints the sign-ups, a guest with a namesake (over the
// whole scope, page by page) with when they were registered (ADR 0200).
func listSignUps(ctx context.Context, d dinnersClient, ask askNamesakes, args []string, e env) error {
	return listByMunicipality("dinners signups list", args, e, func(token, muni string) (string, error) {
		res, err := d.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{PageSize: 500, PageToken: token, MunicipalityCode: muni}))
		if err != nil {
			return "", err
		}
		label := map[string]string{}
		for _, v := range res.Msg.GetSignUps() {
			label[v.GetSignUp().GetParticipantId()] = v.GetParticipantName() + ", " + v.GetSignUp().GetMunicipalityCode()
		}
		told, err := groupsTold(label, false, ask)
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetSignUps() {
			s := v.GetSignUp()
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", s.GetId(), e.apart(v.GetParticipantName(), told[s.GetParticipantId()]), muniName(s.GetMunicipalityCode()),
				count(len(s.GetParty()), e.t("n.person"), e.t("n.people")), count(len(s.GetDates()), e.t("n.date"), e.t("n.dates")),
				e.f("dinners.no_shows", s.GetNoShowStreak()))
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

func addSignUp(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners signups add", flag.ContinueOnError)
	pid := fs.String("participant", "", e.t("flag.addSignUp.participant"))
	muni := municipalityFlag(fs, "municipality", e.t("flag.addSignUp.municipality"))
	dates := fs.String("dates", "", e.t("flag.addSignUp.dates"))
	partyF := fs.String("party", "self:30", e.usage("flag.addSignUp.party", relationChoice))
	dietsF := fs.String("diets", "", e.usage("flag.addSignUp.diets", dietChoice))
	allergensF := fs.String("allergens", "", e.usage("flag.addSignUp.allergens", allergenChoice))
	level := fs.String("swedish-level", "sfi_b", e.usage("flag.addSignUp.swedish-level", levelChoice))
	langs := fs.String("languages", "", e.t("flag.addSignUp.languages"))
	comp := fs.String("composition", "mixed", e.usage("flag.addSignUp.composition", compositionChoice))
	first := fs.Bool("first-time", false, e.t("flag.addSignUp.first-time"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	ms, err := e.party(*partyF)
	if err != nil {
		return err
	}
	ds, err := e.diets("diets", *dietsF)
	if err != nil {
		return err
	}
	as, err := e.allergens("allergens", *allergensF)
	if err != nil {
		return err
	}
	sl, err := e.enumFlag("swedish-level", *level, levelChoice)
	if err != nil {
		return err
	}
	c, err := e.enumFlag("composition", *comp, compositionChoice)
	if err != nil {
		return err
	}
	ls, err := e.languageCodes(*langs)
	if err != nil {
		return err
	}
	s := &dinnersv1.SignUp{ParticipantId: *pid, MunicipalityCode: *muni, Dates: splitCSV(*dates), Party: ms, Diets: ds, Allergens: as,
		SwedishLevel: typev1.SwedishLevel(sl), Languages: ls, Composition: dinnersv1.Composition(c), FirstTime: *first}
	res, err := d.CreateDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.CreateDinnerSignUpRequest{RequestId: ids.UUIDv7{}.New(), SignUp: s}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetSignUp().GetSignUp().GetId())
	return nil
}

// bearer sends the API token with every call, unary or streaming (a
// connect.UnaryInterceptorFunc would leave the job watch stream without
// it).
type bearer string

// WrapUnary implements connect.Interceptor.
func (b bearer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if b != "" {
			req.Header().Set("Authorization", "Bearer "+string(b))
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (b bearer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if b != "" {
			conn.RequestHeader().Set("Authorization", "Bearer "+string(b))
		}
		return conn
	}
}

// WrapStreamingHandler implements connect.Interceptor; mp serves nothing.
func (b bearer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
