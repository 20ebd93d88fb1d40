package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// updateOffer changes only the fields whose flags are given.
func updateOffer(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners offers update", flag.ContinueOnError)
	seats := fs.Int("seats", 0, e.t("flag.updateOffer.seats"))
	dietsF := fs.String("diets", "", e.usage("flag.updateOffer.diets", dietChoice))
	allergensF := fs.String("allergens", "", e.usage("flag.updateOffer.allergens", allergenChoice))
	langs := fs.String("languages", "", e.t("flag.updateOffer.languages"))
	comp := fs.String("composition", "", e.usage("flag.updateOffer.composition", compositionChoice))
	pets := fs.Bool("pets", false, e.t("flag.updateOffer.pets"))
	postcode := fs.String("postcode", "", e.t("flag.updateOffer.postcode"))
	address := fs.String("address", "", e.t("flag.updateOffer.address"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	id, err := oneID("offers update", fs.Args(), e)
	if err != nil {
		return err
	}
	o := &dinnersv1.Offer{Id: id, Kitchen: &dinnersv1.Kitchen{}}
	var paths []string
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		path := f.Name
		switch f.Name {
		case "seats":
			o.Seats = int32(*seats)
		case "diets", "allergens":
			// The kitchen is one path: both lists are sent, so give both
			// to keep one of them.
			path = "kitchen"
			if o.Kitchen.Diets, err = e.diets("diets", *dietsF); err == nil {
				o.Kitchen.AllergensHandled, err = e.allergens("allergens", *allergensF)
			}
		case "languages":
			o.Languages, err = e.languageCodes(*langs)
		case "composition":
			var n int32
			n, err = e.enumFlag("composition", *comp, compositionChoice)
			o.Composition = dinnersv1.Composition(n)
		case "pets":
			o.Pets = *pets
		case "postcode":
			o.Postcode = people.NormPostcode(*postcode)
		case "address":
			o.Address = people.NormLine(*address)
		}
		if !slices.Contains(paths, path) {
			paths = append(paths, path)
		}
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New(e.f("err.give_one_of", "mp dinners offers update", "-seats, -diets, -allergens, -languages, -composition, -pets, -postcode, -address"))
	}
	res, err := d.UpdateDinnerOffer(ctx, connect.NewRequest(&gatewayv1.UpdateDinnerOfferRequest{Offer: o, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("done.update", res.Msg.GetOffer().GetOffer().GetId()))
	return nil
}

// updateSignUp changes only the fields whose flags are given.
func updateSignUp(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners signups update", flag.ContinueOnError)
	partyF := fs.String("party", "", e.usage("flag.updateSignUp.party", relationChoice))
	dates := fs.String("dates", "", e.t("flag.updateSignUp.dates"))
	dietsF := fs.String("diets", "", e.usage("flag.updateSignUp.diets", dietChoice))
	allergensF := fs.String("allergens", "", e.usage("flag.updateSignUp.allergens", allergenChoice))
	first := fs.Bool("first-time", false, e.t("flag.updateSignUp.first-time"))
	level := fs.String("swedish-level", "", e.usage("flag.updateSignUp.swedish-level", levelChoice))
	langs := fs.String("languages", "", e.t("flag.updateSignUp.languages"))
	comp := fs.String("composition", "", e.usage("flag.updateSignUp.composition", compositionChoice))
	class := fs.String("sfi-class", "", e.t("flag.updateSignUp.sfi-class"))
	postcode := fs.String("postcode", "", e.t("flag.updateSignUp.postcode"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	id, err := oneID("signups update", fs.Args(), e)
	if err != nil {
		return err
	}
	s := &dinnersv1.SignUp{Id: id}
	var paths []string
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		path := f.Name
		switch f.Name {
		case "party":
			s.Party, err = e.party(*partyF)
		case "dates":
			s.Dates = splitCSV(*dates)
		case "diets":
			s.Diets, err = e.diets("diets", *dietsF)
		case "allergens":
			s.Allergens, err = e.allergens("allergens", *allergensF)
		case "first-time":
			s.FirstTime, path = *first, "first_time"
		case "swedish-level":
			var n int32
			n, err = e.enumFlag("swedish-level", *level, levelChoice)
			s.SwedishLevel, path = typev1.SwedishLevel(n), "swedish_level"
		case "languages":
			s.Languages, err = e.languageCodes(*langs)
		case "composition":
			var n int32
			n, err = e.enumFlag("composition", *comp, compositionChoice)
			s.Composition = dinnersv1.Composition(n)
		case "sfi-class":
			s.SfiClass, path = *class, "sfi_class"
		case "postcode":
			s.Postcode = people.NormPostcode(*postcode)
		}
		paths = append(paths, path)
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New(e.f("err.give_one_of", "mp dinners signups update", "-party, -dates, -diets, -allergens, -first-time, "+
			"-swedish-level, -languages, -composition, -sfi-class, -postcode"))
	}
	res, err := d.UpdateDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.UpdateDinnerSignUpRequest{SignUp: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, e.f("done.update", res.Msg.GetSignUp().GetSignUp().GetId()))
	return nil
}
