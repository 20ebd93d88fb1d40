package web

import (
	"net/http"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
)

// pathID answers NotFound for a page or form whose address names a record
// by an id this system could not have made (ids.Valid: 1 to 64 letters,
// digits, '-' or '_'). Such an id names nothing, as an unknown one does:
// "xyz" met the services' look-up and its 404 page, while an id of 200
// characters, or one with a dot, met their check and a 422 "Postens id:
// är inget giltigt id." (outside round s43, ADR 0240, 0242), two answers
// for one kind of wrong address, the second in a field's words on a page
// with no field. The API and mp keep the services' field violation: there
// the id is a value the caller sent, not an address.
func pathID(r *http.Request) error {
	if id := r.PathValue("id"); id != "" && !ids.Valid(id) {
		return apperr.Errorf(apperr.NotFound, "not found")
	}
	return nil
}

// queryJob is the job the address names in its query ("?job="), as the
// programmes' job pages read it. An id this system could not have made
// answers NotFound there, as an unknown job's does (the services'
// look-up), rather than their 422 "Postens id: är inget giltigt id." on
// a page with no such field: ADR 0242 checked the path's ids only, and
// /matching?job=a.b still answered in a field's words (outside round
// s44, ADR 0245).
func queryJob(r *http.Request) (string, error) {
	j := r.URL.Query().Get("job")
	if j != "" && !ids.Valid(j) {
		return "", apperr.Errorf(apperr.NotFound, "not found")
	}
	return j, nil
}
