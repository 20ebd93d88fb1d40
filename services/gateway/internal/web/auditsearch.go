package web

import "net/url"

// auditSearch is the address of the audit page's search for id in one
// of its fields (user_id or resource_id): the one builder behind the
// audit rows' links, the users page's and a newcomer's or volunteer's
// page's (ADR 0261, ADR 0265), so they all land on the same search.
func auditSearch(field, id string) string {
	return "/admin/audit?" + url.Values{field: {id}}.Encode()
}
