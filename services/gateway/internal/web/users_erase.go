package web

// Erasing a user from the users page (ADR 0201): a confirmation step that
// names the user and says what erasure covers, then DeleteUser.

import (
	"net/http"
	"net/url"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// userErasure is what the confirmation page shows.
type userErasure struct {
	User *gatewayv1.User
	// Self is true on the admin's own account, which they cannot erase:
	// the page says so instead of offering the button.
	Self bool
}

// userErasePage is the confirmation step before erasing a user.
func (w *Web) userErasePage(rw http.ResponseWriter, r *http.Request, p *page) error {
	return w.showUserErase(rw, r, p, http.StatusOK)
}

func (w *Web) showUserErase(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	if !p.Admin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	u, err := w.g.GetUser(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.Title, p.Nav = p.t("u.erase.title"), "users"
	p.Data = userErasure{User: u, Self: u.GetId() == p.caller.User.GetId()}
	return w.render(rw, p, status, "user_erase")
}

// eraseUser erases the user once the box is ticked; without it, or when
// the account refuses (the caller themselves, the last admin), the
// confirmation page comes back saying why.
func (w *Web) eraseUser(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	if r.PostForm.Get("confirm") != "yes" {
		msg := p.t("rm.erase.required")
		p.Errors["confirm"] = msg
		p.ErrorList = []errItem{{Field: "confirm", Label: p.t("rm.erase.confirm"), Message: msg}}
		return w.showUserErase(rw, r, p, http.StatusUnprocessableEntity)
	}
	id := r.PathValue("id")
	err := w.g.DeleteUser(r.Context(), p.caller, id)
	switch {
	case err == nil:
		w.noteRemoved(r, p, "users/erase", id)
	case w.removedAgain(r, p, "users/erase", id, err):
		// The same form sent twice: answered as the first (removed.go).
	default:
		if apperr.ErrorCode(err) == apperr.FailedPrecondition {
			msg := translateMessage(p.Lang, apperr.ErrorMessage(err))
			p.ErrorList = []errItem{{Message: msg}}
			p.Errors["_"] = msg
			return w.showUserErase(rw, r, p, http.StatusConflict)
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/admin/users", url.Values{"done": {"erased"}}), http.StatusSeeOther)
	return nil
}
