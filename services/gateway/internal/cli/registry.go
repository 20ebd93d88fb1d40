package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

func listParticipants(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants list", flag.ContinueOnError)
	muni := municipalityFlag(fs, "municipality", e.t("flag.municipality_filter"))
	name := fs.String("name", "", e.t("flag.name_filter"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var rows []*participantsv1.Participant
	err := pages(func(token string) (string, error) {
		res, err := c.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return "", err
		}
		rows = append(rows, res.Msg.GetParticipants()...)
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	// Namesakes carry when each was registered, over the whole list, as
	// the web app's register and mp's other lists do (ADR 0132; outside
	// round s32: three "Selam Tesfaye, Uppsala" read as one person).
	told := tellRegistered(rows)
	for _, p := range rows {
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", p.GetId(), e.apart(p.GetGivenName()+" "+p.GetFamilyName(), told[p.GetId()]), muniName(p.GetMunicipalityCode()), e.level(p.GetSwedishLevel()))
	}
	return nil
}

func addParticipant(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants add", flag.ContinueOnError)
	given := fs.String("given-name", "", e.t("flag.given_name"))
	family := fs.String("family-name", "", e.t("flag.family_name"))
	muni := municipalityFlag(fs, "municipality", e.t("flag.municipality"))
	// An administrator belongs to no organisation and names the one the
	// newcomer is registered with, as volunteers add always let them; a
	// coordinator's is their own (ADR 0254).
	org := fs.String("organisation", "", e.t("flag.organisation"))
	level := fs.String("swedish-level", "sfi_a", e.usage("flag.swedish_level", levelChoice))
	langs := fs.String("languages", "", e.t("flag.languages"))
	interests := fs.String("interests", "", e.t("flag.interests"))
	household := fs.Int("household", 1, e.t("flag.household"))
	// As on the web form: a wish for a mentor of the same gender needs
	// the newcomer's gender (outside round s45: mp could give neither).
	gender := fs.String("gender", "", e.usage("flag.gender", genderChoice))
	sameGender := fs.Bool("same-gender-mentor", false, e.t("flag.same_gender_mentor"))
	// One box per programme, as on the web form (ADR 0099): each pool
	// takes only those who consented to its purpose.
	consents := map[eventsv1.ConsentPurpose]*bool{
		eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING: fs.Bool("consent", false, e.t("flag.consent_mentoring")),
		eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS:   fs.Bool("consent-dinners", false, e.t("flag.consent_dinners")),
		eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES:    fs.Bool("consent-guides", false, e.t("flag.consent_guides")),
	}
	permit := fs.String("permit-date", "", e.t("flag.permit_date"))
	establishment := fs.String("establishment", "", e.usage("flag.establishment", establishmentChoice))
	leave := fs.String("parental-leave", "", e.usage("flag.parental_leave", leaveChoice))
	prefs := addPrefFlags(fs, e)
	contact := addContactFlags(fs, e)
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	sl, err := e.enumFlag("swedish-level", *level, levelChoice)
	if err != nil {
		return err
	}
	p := &participantsv1.Participant{OrganisationId: *org, GivenName: *given, FamilyName: *family, MunicipalityCode: *muni,
		SwedishLevel: typev1.SwedishLevel(sl), ResidencePermitDate: *permit,
		Household: &participantsv1.Household{Size: int32(*household)}, Interests: splitCSV(*interests),
		Contact: contact.contact(), WantsSameGenderMentor: *sameGender}
	if *gender != "" {
		g, err := e.enumFlag("gender", *gender, genderChoice)
		if err != nil {
			return err
		}
		p.Gender = typev1.Gender(g)
	}
	if *establishment != "" {
		v, err := e.enumFlag("establishment", *establishment, establishmentChoice)
		if err != nil {
			return err
		}
		p.EstablishmentStatus = eventsv1.EstablishmentStatus(v)
	}
	if *leave != "" {
		v, err := e.enumFlag("parental-leave", *leave, leaveChoice)
		if err != nil {
			return err
		}
		p.ParentalLeave = eventsv1.ParentalLeave(v)
	}
	codes, err := e.languageCodes(*langs)
	if err != nil {
		return err
	}
	for _, l := range codes {
		p.Languages = append(p.Languages, &typev1.LanguageSkill{Code: l, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL})
	}
	// Each consent is to its programme's current text, in the newcomer's
	// message language (-language) when the text is written in it, else
	// Swedish: the text the coordinator reads out (mp consent show).
	for _, purpose := range consent.Purposes {
		if *consents[purpose] {
			p.Consents = append(p.Consents, consent.Texts().Record(purpose, strings.TrimSpace(*prefs.language)))
		}
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
	muni := municipalityFlag(fs, "municipality", e.t("flag.municipality_filter"))
	name := fs.String("name", "", e.t("flag.name_filter"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var rows []*volunteersv1.Volunteer
	err := pages(func(token string) (string, error) {
		res, err := c.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return "", err
		}
		rows = append(rows, res.Msg.GetVolunteers()...)
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	told := tellRegistered(rows) // namesakes, as for newcomers
	for _, v := range rows {
		fmt.Fprintf(e.Out, "%s\t%s\t%s\t%s\n", v.GetId(), e.apart(v.GetGivenName()+" "+v.GetFamilyName(), told[v.GetId()]), muniName(v.GetMunicipalityCode()), e.roles(v.GetRoles()))
	}
	return nil
}

// remove deletes or erases a newcomer or volunteer. Erasing cannot be
// undone, so it asks for "yes" on the input unless -yes is given.
func remove(ctx context.Context, c *clients, kind, what string, args []string, e env) error {
	id, err := e.confirmedArg(kind+" "+what, args, confirmation{
		yesFlag: "flag.erase_yes", question: "erase.confirm", notDone: "erase.not_erased", ask: what == "erase"})
	if err != nil {
		return err
	}
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
	fmt.Fprintln(e.Out, e.f("done."+what, id)) // deleted, erased
	return nil
}

// participantConsent records or withdraws a newcomer's consent to one programme
// (mentoring unless -programme says dinners or guides).
func participantConsent(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants consent", flag.ContinueOnError)
	withdraw := fs.Bool("withdraw", false, e.t("flag.consent_withdraw"))
	programme := fs.String("programme", "mentoring", e.usage("flag.consent_programme", programmeChoice))
	lang := fs.String("language", "sv", e.t("flag.consent_language"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(e.t("usage.consent"))
	}
	pv, err := e.enumFlag("programme", *programme, programmeChoice)
	if err != nil && *withdraw {
		// A consent without a text (follow-up, recorded through the API
		// earlier) can still be withdrawn; the refusal lists those -h does.
		if v, aerr := e.enumFlag("programme", *programme, anyProgramme); aerr == nil {
			pv, err = v, nil
		}
	}
	if err != nil {
		return err
	}
	purpose := eventsv1.ConsentPurpose(pv)
	what := e.t("programme." + strings.ToLower(strings.TrimPrefix(purpose.String(), "CONSENT_PURPOSE_")))
	if *withdraw {
		if _, err := c.registry.WithdrawConsent(ctx, connect.NewRequest(&gatewayv1.WithdrawConsentRequest{Id: fs.Arg(0), Purpose: purpose})); err != nil {
			return err
		}
		fmt.Fprintln(e.Out, e.f("consent.withdrawn", fs.Arg(0), what))
		return nil
	}
	rec, err := recordedConsent(e, purpose, strings.TrimSpace(*lang))
	if err != nil {
		return err
	}
	_, err = c.registry.RecordConsent(ctx, connect.NewRequest(&gatewayv1.RecordConsentRequest{Id: fs.Arg(0), Consent: rec}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("consent.recorded", fs.Arg(0), what))
	return nil
}
