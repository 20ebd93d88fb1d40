package web

// Changing a user's e-mail from the users page (ADR 0207): an admin who
// typed a coordinator's address wrong corrects it here instead of erasing
// and recreating the account.

import (
	"net/http"
	"net/url"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// userEmailPage is the form that changes a user's e-mail.
func (w *Web) userEmailPage(rw http.ResponseWriter, r *http.Request, p *page) error {
	return w.showUserEmail(rw, r, p, http.StatusOK)
}

func (w *Web) showUserEmail(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	if !p.Admin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	u, err := w.g.GetUser(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.Form.Get("email") == "" {
		p.Form.Set("email", u.GetEmail())
	}
	p.Title, p.Nav = p.t("u.email.title"), "users"
	p.Data = u
	return w.render(rw, p, status, "user_email")
}

// changeUserEmail sets the user's e-mail; a malformed or taken address
// comes back on the form in the service's words.
func (w *Web) changeUserEmail(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Form = r.PostForm
	id := r.PathValue("id")
	_, err := w.g.UpdateUser(r.Context(), p.caller, &gatewayv1.User{Id: id, Email: r.PostForm.Get("email")}, []string{"email"}, "")
	if err != nil {
		if apperr.ErrorCode(err) == apperr.AlreadyExists {
			msg := translateMessage(p.Lang, apperr.ErrorMessage(err))
			p.Errors["email"] = msg
			p.ErrorList = []errItem{{Field: "email", Label: p.t("email"), Message: msg}}
			return w.showUserEmail(rw, r, p, http.StatusConflict)
		}
		if formErrors(p, err, userField) {
			return w.showUserEmail(rw, r, p, http.StatusUnprocessableEntity)
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/admin/users", url.Values{"done": {"email"}}), http.StatusSeeOther)
	return nil
}
