package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnerPostcodesAsWritten: the dinner forms take a postcode as a
// Swedish address writes it, "392 31", and one copied from right-to-left
// text with its invisible direction mark; both were refused "måste vara
// fem siffror" (outside round s25, ADR 0131). The offer's edit form too.
// A street address copied with direction marks loses them; it was
// refused as having "spaces first or last".
func TestDinnerPostcodesAsWritten(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Postnummer", "0880")
	coord := e.coordinator(admin, "postnummer@example.org", org, "0880")
	host := dinnerHost(t, coord, org, "0880", "Karin")
	guest := dinnerGuest(t, coord, org, "0880", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)

	b := e.browser()
	b.signIn("postnummer@example.org", password)
	code, body := b.post("/dinners/offers", url.Values{"request_id": {"01a24299-0000-7000-8000-000000000011"}, "person": {host},
		"municipality_code": {"0880"}, "seats": {"4"}, "date_0": {day}, "start_time": {"18:00"}, "composition": {"COMPOSITION_MIXED"},
		"postcode": {"392 31"}, "address": {"\u200fStorgatan 12 B\u200f"}})
	if code != http.StatusSeeOther {
		t.Fatalf("offer with postcode 392 31: %d\n%s", code, tagRe.ReplaceAllString(mainOf(body), ""))
	}
	code, body = b.post("/dinners/signups", url.Values{"request_id": {"01a24299-0000-7000-8000-000000000012"}, "person": {guest},
		"municipality_code": {"0880"}, "age_self": {"30"}, "composition": {"COMPOSITION_MIXED"}, "date_0": {day},
		"swedish_level": {"SWEDISH_LEVEL_SFI_C"}, "postcode": {"\u200f392\u00a032\u200f"}})
	if code != http.StatusSeeOther {
		t.Fatalf("sign-up with a postcode from right-to-left text: %d\n%s", code, tagRe.ReplaceAllString(mainOf(body), ""))
	}
	ctx := testutil.Context(t)
	offers, err := coord.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{}))
	if err != nil || len(offers.Msg.GetOffers()) != 1 {
		t.Fatalf("offers: %v, %v", offers, err)
	}
	offer := offers.Msg.GetOffers()[0].GetOffer()
	if offer.GetPostcode() != "39231" || offer.GetAddress() != "Storgatan 12 B" {
		t.Errorf("the offer's postcode and address = %q, %q; want 39231, Storgatan 12 B", offer.GetPostcode(), offer.GetAddress())
	}
	signUps, err := coord.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{}))
	if err != nil || len(signUps.Msg.GetSignUps()) != 1 {
		t.Fatalf("sign-ups: %v, %v", signUps, err)
	}
	if got := signUps.Msg.GetSignUps()[0].GetSignUp().GetPostcode(); got != "39232" {
		t.Errorf("the sign-up's postcode = %q, want 39232", got)
	}
	code, body = b.post("/dinners/offers/"+offer.GetId(), url.Values{"seats": {"4"}, "composition": {"COMPOSITION_MIXED"},
		"postcode": {"392 33"}, "etag": {offer.GetEtag()}})
	if code != http.StatusSeeOther {
		t.Fatalf("offer edited to postcode 392 33: %d\n%s", code, tagRe.ReplaceAllString(mainOf(body), ""))
	}
	got, err := coord.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: offer.GetId()}))
	if err != nil || got.Msg.GetOffer().GetOffer().GetPostcode() != "39233" {
		t.Errorf("the edited offer's postcode: %v, %v; want 39233", got, err)
	}
}
