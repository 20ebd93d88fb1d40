package web

import (
	"bytes"
	"sort"
)

// The error summary at the top of a refused form lists its problems in
// the order the fields stand on the page (ADR 0231). The refusals reach
// the page in the order they were found: the service's in the record's
// order, then the form's own (a language the app does not know), so
// "Talade språk" came last, below fields that stand after it. The page
// itself is the one order every form keeps true: a field's place is where
// its id, the summary link's target, stands in the rendered page, so no
// list per form can drift from the template.

// inPageOrder reorders p.ErrorList by where each item's field stands in
// page, the page rendered once, and reports whether the order changed.
// Items without a field, or whose field the page does not show, keep
// their places; the others take the places among them in page order.
func inPageOrder(p *page, page []byte) bool {
	type placed struct {
		item errItem
		at   int
	}
	var slots []int
	var items []placed
	for i, e := range p.ErrorList {
		if e.Field == "" {
			continue
		}
		at := bytes.Index(page, []byte(`id="f-`+e.Field+`"`))
		if at < 0 {
			continue
		}
		slots = append(slots, i)
		items = append(items, placed{e, at})
	}
	if sort.SliceIsSorted(items, func(a, b int) bool { return items[a].at < items[b].at }) {
		return false
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].at < items[b].at })
	for k, i := range slots {
		p.ErrorList[i] = items[k].item
	}
	return true
}
