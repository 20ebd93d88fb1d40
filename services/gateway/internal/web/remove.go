package web

import (
	"net/http"
	"net/url"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// removal is what the remove page shows: whose record, and where its
// actions post to.
type removal struct {
	Name, Base, Kind string
}

// removeKind is one register's removal: how to look a record up (which
// also proves the caller may see it) and how to remove it.
type removeKind struct {
	base, title string
	name        func(w *Web, r *http.Request, p *page, id string) (string, error)
	remove      func(w *Web, r *http.Request, p *page, id string, erase bool) error
}

var removeKinds = map[string]removeKind{
	"participants": {
		base: "/participants", title: "p.title",
		name: func(w *Web, r *http.Request, p *page, id string) (string, error) {
			v, err := w.g.GetParticipant(r.Context(), p.caller, id)
			return join(v.GetParticipant().GetGivenName(), v.GetParticipant().GetFamilyName()), err
		},
		remove: func(w *Web, r *http.Request, p *page, id string, erase bool) error {
			return w.g.DeleteParticipant(r.Context(), p.caller, id, erase)
		},
	},
	"volunteers": {
		base: "/volunteers", title: "v.title",
		name: func(w *Web, r *http.Request, p *page, id string) (string, error) {
			v, err := w.g.GetVolunteer(r.Context(), p.caller, id)
			return join(v.GetVolunteer().GetGivenName(), v.GetVolunteer().GetFamilyName()), err
		},
		remove: func(w *Web, r *http.Request, p *page, id string, erase bool) error {
			return w.g.DeleteVolunteer(r.Context(), p.caller, id, erase)
		},
	},
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// removePage is the confirmation step before removing or erasing a
// record: it names the person and explains the difference.
func (w *Web) removePage(kind string) handler {
	k := removeKinds[kind]
	return func(rw http.ResponseWriter, r *http.Request, p *page) error {
		return w.showRemove(rw, r, p, k, kind, http.StatusOK)
	}
}

func (w *Web) showRemove(rw http.ResponseWriter, r *http.Request, p *page, k removeKind, kind string, status int) error {
	id := r.PathValue("id")
	name, err := k.name(w, r, p, id)
	if err != nil {
		return err
	}
	p.Title, p.Nav = p.t("rm.title"), kind
	p.Data = removal{Name: name, Base: k.base + "/" + id, Kind: kind}
	return w.render(rw, p, status, "remove")
}

// remove deletes (erase false) or erases a record. Erasing cannot be
// undone, so it needs the confirmation box ticked; without it the
// confirmation page comes back with the box marked.
func (w *Web) remove(kind string, erase bool) handler {
	k := removeKinds[kind]
	return func(rw http.ResponseWriter, r *http.Request, p *page) error {
		if erase && r.PostForm.Get("confirm") != "yes" {
			msg := p.t("rm.erase.required")
			p.Errors["confirm"] = msg
			p.ErrorList = []errItem{{Field: "confirm", Label: p.t("rm.erase.confirm"), Message: msg}}
			return w.showRemove(rw, r, p, k, kind, http.StatusUnprocessableEntity)
		}
		id, action := r.PathValue("id"), kind+"/delete"
		if erase {
			action = kind + "/erase"
		}
		err := k.remove(w, r, p, id, erase)
		switch {
		case err == nil:
			w.noteRemoved(r, p, action, id)
		case w.removedAgain(r, p, action, id, err):
			// The same form sent twice: answered as the first (removed.go).
		default:
			if apperr.ErrorCode(err) == apperr.FailedPrecondition {
				p.ErrorList = []errItem{{Message: err.Error()}}
				p.Errors["_"] = err.Error()
				return w.showRemove(rw, r, p, k, kind, http.StatusConflict)
			}
			return err
		}
		done := "removed"
		if erase {
			done = "erased"
		}
		http.Redirect(rw, r, withDone(p, k.base, url.Values{"done": {done}}), http.StatusSeeOther)
		return nil
	}
}
