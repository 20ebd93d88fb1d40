package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

func listParticipants(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("participants list", flag.ContinueOnError)
	muni := fs.String("municipality", "", "only this municipality code")
	name := fs.String("name", "", "only names with words starting so (3+ letters a word; case and accents ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return pages(func(token string) (string, error) {
		res, err := c.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return "", err
		}
		for _, p := range res.Msg.GetParticipants() {
			fmt.Fprintf(e.Out, "%s\t%s %s\t%s\t%s\n", p.GetId(), p.GetGivenName(), p.GetFamilyName(), p.GetMunicipalityCode(), p.GetSwedishLevel())
		}
		return res.Msg.GetNextPageToken(), nil
	})
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
	return pages(func(token string) (string, error) {
		res, err := c.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{PageSize: 500, PageToken: token, MunicipalityCode: *muni, Name: *name}))
		if err != nil {
			return "", err
		}
		for _, v := range res.Msg.GetVolunteers() {
			fmt.Fprintf(e.Out, "%s\t%s %s\t%s\n", v.GetId(), v.GetGivenName(), v.GetFamilyName(), v.GetMunicipalityCode())
		}
		return res.Msg.GetNextPageToken(), nil
	})
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
