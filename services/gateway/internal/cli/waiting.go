package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// listWaiting prints the newcomers waiting for a mentor, longest waiting
// first, as the web app's /matching/waiting lists them (ADR 0172): the
// overview's "väntar på mentor" made into people in mp too, as every
// other list a coordinator sees. A line: id, name (a namesake with when
// they were registered), municipality, the day the wait began and how
// many days ago. -page-size N prints only the N longest waiting (one
// page) and says how many wait in all, but reads the rest of the list to
// tell its namesakes apart: a namesake after the N is one still, and
// mp jobs unmatched marked "Abdi Nur" where this did not (ADR 0178, ADR
// 0188). -o writes the lines to a file.
func listWaiting(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("matching waiting", flag.ContinueOnError)
	size := fs.Int("page-size", 0, e.f("flag.waiting_page_size", page.MaxSize))
	outPath := fs.String("o", "", e.t("flag.out"))
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(e.f("usage.see_help", "mp matching waiting"))
	}
	if *size < 0 || *size > page.MaxSize {
		// Said in the flag's own words before anything is asked: the
		// service's page_size rule reads "between 0 and 500", where 0 is
		// its default page, not "all" as without the flag here.
		return errors.New(e.f("err.waiting_page_size", page.MaxSize))
	}
	var rows, all []*gatewayv1.WaitingNewcomerView
	total := int32(0)
	err := pages(func(token string) (string, error) {
		n := int32(page.MaxSize)
		if *size != 0 && token == "" {
			n = int32(*size) // the page printed; the rest in pages of the most
		}
		res, err := c.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: n, PageToken: token}))
		if err != nil {
			return "", err
		}
		if token == "" {
			rows, total = res.Msg.GetNewcomers(), res.Msg.GetTotalSize()
		}
		all = append(all, res.Msg.GetNewcomers()...)
		return res.Msg.GetNextPageToken(), nil
	})
	if err != nil {
		return err
	}
	if *size == 0 {
		rows = all
	}
	// Namesakes over the whole list, not page by page nor within the N
	// printed: mp reads it all (ADR 0132's rule, over what one reads at
	// once; ADR 0188 for -page-size).
	pn, _, err := c.namesakes(ctx)(participantIDs(all), nil)
	if err != nil {
		return err
	}
	told := tellLeftOut(all, pn)
	var b bytes.Buffer
	now := time.Now()
	for _, r := range rows {
		since := r.GetWaitStartTime().AsTime()
		days := localtime.DaysSince(since, now)
		name := e.nameOrGone(r.GetParticipantName())
		waited := e.d("m.waiting.today") // "i dag", not "0 dagar"
		if days > 0 {
			waited = catalog.Data(e.words().lang, "m.waiting.days", map[string]any{"Count": days}, days)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s (%s)\n", r.GetParticipantId(), e.apart(name, told[r.GetParticipantId()]), muniName(r.GetMunicipalityCode()),
			since.In(localtime.Zone).Format(time.DateOnly), waited)
	}
	if len(rows) == 0 {
		fmt.Fprintln(&b, e.d("m.waiting.none"))
	}
	if *outPath == "" {
		_, err = e.Out.Write(b.Bytes())
	} else {
		lines := bytes.Count(b.Bytes(), []byte{'\n'})
		if err = writePrivate(*outPath, b.Bytes()); err != nil {
			err = e.saveErr(*outPath, err)
		} else {
			// Names of people: readable by the user alone, as mp's
			// config. Said once on disk, as report export says it.
			fmt.Fprintln(e.Out, e.f("export.saved", count(lines, e.t("n.line"), e.t("n.lines")), *outPath))
		}
	}
	switch {
	case err != nil || int(total) <= len(rows):
	case len(rows) == 1:
		// "den som", not "de 1 som" (ADR 0176).
		fmt.Fprintln(e.Out, e.f("waiting.more_one", total))
	default:
		fmt.Fprintln(e.Out, e.f("waiting.more", len(rows), total))
	}
	return err
}
