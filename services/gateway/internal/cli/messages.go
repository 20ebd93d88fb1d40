package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// The commands about messages: a person's message preferences (language,
// channel, opt-outs), what was sent to a person or about a proposal and
// whether it arrived, and the development mailbox (admins).

// prefFlags are the message-preference flags shared by add and notify.
type prefFlags struct {
	language, channel, optOut *string
	e                         Env
}

func addPrefFlags(fs *flag.FlagSet, e env) prefFlags {
	return prefFlags{
		e:        e,
		language: fs.String("language", "", e.t("flag.msg_language")),
		channel:  fs.String("channel", "", e.usage("flag.channel", channelChoice)),
		optOut:   fs.String("opt-out", "", e.usage("flag.opt_out", topicChoice)),
	}
}

// contactFlags are an add command's -email and -phone: without either,
// every message to the person fails as having no address (outside round
// s44: `mp participants add` took none, the web form does).
type contactFlags struct{ email, phone *string }

// addContactFlags defines -email and -phone on fs.
func addContactFlags(fs *flag.FlagSet, e env) contactFlags {
	return contactFlags{email: fs.String("email", "", e.t("flag.email")), phone: fs.String("phone", "", e.t("flag.phone"))}
}

// contact is the person's contact details from the flags, nil when
// neither was given; the service validates both.
func (f contactFlags) contact() *typev1.Contact {
	email, phone := strings.TrimSpace(*f.email), strings.TrimSpace(*f.phone)
	if email == "" && phone == "" {
		return nil
	}
	return &typev1.Contact{Email: email, Phone: phone}
}

// set reports whether any preference flag was given.
func (f prefFlags) set(fs *flag.FlagSet) bool {
	given := false
	fs.Visit(func(fl *flag.Flag) {
		given = given || slices.Contains([]string{"language", "channel", "opt-out"}, fl.Name)
	})
	return given
}

// apply merges the given flags into n (nil: a new one) and returns it;
// flags not given keep their value.
func (f prefFlags) apply(fs *flag.FlagSet, n *typev1.NotificationPreferences) (*typev1.NotificationPreferences, error) {
	out := &typev1.NotificationPreferences{}
	if n != nil {
		out.PreferredLanguage, out.PreferredChannel = n.GetPreferredLanguage(), n.GetPreferredChannel()
		out.OptOuts = append(out.OptOuts, n.GetOptOuts()...)
	}
	var err error
	fs.Visit(func(fl *flag.Flag) {
		if err != nil {
			return
		}
		switch fl.Name {
		case "language":
			out.PreferredLanguage = strings.ToLower(strings.TrimSpace(*f.language))
		case "channel":
			if strings.EqualFold(strings.TrimSpace(*f.channel), "any") {
				out.PreferredChannel = typev1.PreferredChannel_PREFERRED_CHANNEL_UNSPECIFIED
				return
			}
			var v int32
			v, err = f.e.enumFlag("channel", *f.channel, channelChoice)
			out.PreferredChannel = typev1.PreferredChannel(v)
		case "opt-out":
			out.OptOuts = nil
			for _, s := range splitCSV(*f.optOut) {
				var v int32
				if v, err = f.e.enumFlag("opt-out", s, topicChoice); err != nil {
					return
				}
				out.OptOuts = append(out.OptOuts, typev1.NotificationTopic(v))
			}
		}
	})
	return out, err
}

// parseWithID parses a command's flags around its one ID, which may
// come first ("mp volunteers roles ID -mentor 2", as the README writes
// it; Go's flag package stops at the first argument) or last; "" when
// there is none.
func parseWithID(fs *flag.FlagSet, args []string, e env) (string, error) {
	id, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, rest = args[0], args[1:]
	}
	if err := e.parse(fs, rest); err != nil {
		return "", err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	return id, nil
}

// setNotify changes a participant's or volunteer's message preferences.
func setNotify(ctx context.Context, c *clients, kind string, args []string, e env) error {
	fs := flag.NewFlagSet(kind+" notify", flag.ContinueOnError)
	pf := addPrefFlags(fs, e)
	id, err := parseWithID(fs, args, e)
	if err != nil {
		return err
	}
	if id == "" || !pf.set(fs) {
		return errors.New(e.f("usage.notify", kind))
	}
	mask := &fieldmaskpb.FieldMask{Paths: []string{"notifications"}}
	if kind == "participants" {
		cur, err := c.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id}))
		if err != nil {
			return err
		}
		p := cur.Msg.GetParticipant().GetParticipant()
		n, err := pf.apply(fs, p.GetNotifications())
		if err != nil {
			return err
		}
		res, err := c.registry.UpdateParticipant(ctx, connect.NewRequest(&gatewayv1.UpdateParticipantRequest{
			Participant: &participantsv1.Participant{Id: id, Notifications: n, Etag: p.GetEtag()}, UpdateMask: mask}))
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Out, e.describePrefs(res.Msg.GetParticipant().GetNotifications()))
		return nil
	}
	cur, err := c.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: id}))
	if err != nil {
		return err
	}
	v := cur.Msg.GetVolunteer().GetVolunteer()
	n, err := pf.apply(fs, v.GetNotifications())
	if err != nil {
		return err
	}
	res, err := c.registry.UpdateVolunteer(ctx, connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{
		Volunteer: &volunteersv1.Volunteer{Id: id, Notifications: n, Etag: v.GetEtag()}, UpdateMask: mask}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.describePrefs(res.Msg.GetVolunteer().GetNotifications()))
	return nil
}

// describePrefs is one line: "språk arabiska, kanal sms, vill inte ha påminnelser",
// in the web's words for channels and kinds of message.
func (e Env) describePrefs(n *typev1.NotificationPreferences) string {
	lang := e.langName(n.GetPreferredLanguage())
	if n.GetPreferredLanguage() == "" {
		lang = e.t("prefs.default_language")
	}
	// Mid-line, as the opt-outs: the label is a choice's ("Bara sms").
	ch := lowerFirst(e.t("mailbox.pch." + n.GetPreferredChannel().String()))
	var outs []string
	for _, o := range n.GetOptOuts() {
		outs = append(outs, lowerFirst(e.t("mailbox.topic."+o.String())))
	}
	s := e.f("prefs.line", lang, ch)
	if len(outs) > 0 {
		s += e.f("prefs.opted_out", strings.Join(outs, ", "))
	}
	return s
}

// label is an enum value by its web label key prefix+NAME (the mailbox
// keys hold the whole name: "mailbox.ds.DELIVERY_STATUS_SENT").
func (e Env) label(prefix, name string) string {
	if s := e.t(prefix + name); s != prefix+name {
		return s
	}
	return strings.ToLower(strings.ReplaceAll(name, "_", " "))
}

// listMessages prints the deliveries to a person or about a proposal, one
// per line, a permanent failure with its reason.
func listMessages(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("messages list", flag.ContinueOnError)
	person := fs.String("person", "", e.t("flag.person"))
	proposal := fs.String("proposal", "", e.t("flag.proposal"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if (*person == "") == (*proposal == "") {
		return errors.New(e.t("usage.messages"))
	}
	// An empty list says so in the web's words: mp printed nothing, which
	// read as if the command had not answered (the s24 outside round).
	n := 0
	err := pages(func(token string) (string, error) {
		res, err := c.messages.ListDeliveries(ctx, connect.NewRequest(&gatewayv1.ListDeliveriesRequest{
			PersonId: *person, ProposalId: *proposal, PageSize: 200, PageToken: token}))
		if err != nil {
			return "", err
		}
		for _, d := range res.Msg.GetDeliveries() {
			// A delivery without a channel went through none: the
			// catalogue says "ingen kanal", as the web's page does.
			channel := e.label("mailbox.ch.", d.GetChannel().String())
			line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", localtime.Stamp(d.GetCreateTime()), d.GetPersonId(),
				e.label("mailbox.tpl.", d.GetTemplate().String()), channel, e.label("mailbox.ds.", d.GetStatus().String()))
			// The failure once, as the web's page says it: its label, or
			// the service's words for a failure the label lacks. Both
			// were printed, and they say the same.
			if d.GetFailure() != notifyv1.Failure_FAILURE_UNSPECIFIED {
				line += "\t" + e.label("mailbox.fl.", d.GetFailure().String())
			} else if r := d.GetFailureReason(); r != "" {
				line += "\t" + r
			}
			fmt.Fprintln(e.Out, line)
			n++
		}
		return res.Msg.GetNextPageToken(), nil
	})
	if err == nil && n == 0 {
		fmt.Fprintln(e.Out, e.t("mailbox.dl.none"))
	}
	return err
}

// mailbox lists the development mailbox or shows one message.
func mailbox(ctx context.Context, c *clients, sub string, args []string, e env) error {
	if sub == "show" {
		id, err := e.oneArg("mailbox show", args)
		if err != nil {
			return err
		}
		res, err := c.messages.GetMailboxMessage(ctx, connect.NewRequest(&gatewayv1.GetMailboxMessageRequest{Id: id}))
		if err != nil {
			return err
		}
		m := res.Msg.GetMessage()
		if name := apart.Named(res.Msg.GetRecipientName(), res.Msg.GetRecipientMunicipalityCode()); name != "" {
			told, err := recipientsTold(map[string]string{m.GetPersonId(): name}, c.namesakes(ctx))
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Out, "%s: %s\n", e.t("mailbox.recipient"), e.apart(name, told[m.GetPersonId()]))
		}
		fmt.Fprintf(e.Out, "%s: %s (%s)\n%s: %s\n%s: %s\n", e.t("mailbox.to"), m.GetTo(), e.label("mailbox.ch.", m.GetIntendedChannel().String()),
			e.t("mailbox.language"), e.langName(m.GetLanguage()), e.t("mailbox.subject"), m.GetSubject())
		if u := m.GetAnswerUrl(); u != "" {
			fmt.Fprintf(e.Out, "%s: %s\n", e.t("mailbox.answer_link"), u)
		}
		body := m.GetTextBody()
		if body == "" {
			// notify removed the text with an erased person (ADR 0086):
			// an empty body said nothing; the web's message page says why
			// and what is kept (ADR 0219).
			body = e.t("mailbox.text.erased")
		}
		fmt.Fprintf(e.Out, "\n%s\n", body)
		return nil
	}
	fs := flag.NewFlagSet("mailbox list", flag.ContinueOnError)
	person := fs.String("person", "", e.t("flag.mailbox_person"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	return pages(func(token string) (string, error) {
		res, err := c.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PageSize: 200, PageToken: token, PersonId: *person}))
		if err != nil {
			return "", err
		}
		names := recipientsNamed(res.Msg)
		told, err := recipientsTold(names, c.namesakes(ctx))
		if err != nil {
			return "", err
		}
		for _, m := range res.Msg.GetMessages() {
			to := m.GetTo()
			if name := names[m.GetPersonId()]; name != "" {
				to = e.apart(name, told[m.GetPersonId()]) + " <" + to + ">"
			}
			fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", m.GetId(), localtime.Stamp(m.GetCreateTime()), to,
				e.langName(m.GetLanguage()), e.label("mailbox.tpl.", m.GetTemplate().String()), m.GetSubject())
		}
		return res.Msg.GetNextPageToken(), nil
	})
}

// recipientsNamed names a mailbox page's recipients by person id as the
// registers and lists do, "Förnamn Efternamn, Kommun" (apart.Named): by
// name alone two people of one name in two municipalities read as one
// (ADR 0222). A gateway without the municipalities gives the names alone.
func recipientsNamed(res *gatewayv1.ListMailboxResponse) map[string]string {
	munis := res.GetRecipientMunicipalityCodes()
	out := make(map[string]string, len(res.GetRecipientNames()))
	for id, name := range res.GetRecipientNames() {
		out[id] = apart.Named(name, munis[id])
	}
	return out
}

// recipientsTold marks the mailbox's recipients (names by person id) who
// have a namesake the admin may see, as the web's mailbox does (ADR
// 0209): a message names its person by id alone, newcomer or volunteer,
// so each id is asked as both in one call and the service leaves out the
// kind it is not; the label is the name with its municipality
// (recipientsNamed, ADR 0222). mp printed the address alone, unmarked
// (ADR 0211).
func recipientsTold(names map[string]string, ask askNamesakes) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ids := slices.Sorted(maps.Keys(names))
	pn, vn, err := ask(ids, ids)
	if err != nil {
		return nil, err
	}
	told := tellGroups(names, pn)
	maps.Copy(told, tellGroups(names, vn))
	return told, nil
}

// langName names a message or consent text language in mp's words
// ("arabiska"); any other code is quoted as typed ("xx"). It printed the
// code ("språk ar") where the web app says the name (the s24 outside
// round, ADR 0126).
func (e Env) langName(code string) string {
	if s := e.t("langname." + code); s != "langname."+code {
		return s
	}
	return fmt.Sprintf("%q", code)
}
