package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/envvar"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// ElksConfig configures the SMS channel on 46elks' API
// (https://46elks.com/docs/send-sms): POST <BaseURL>/a1/sms with basic
// auth and the form fields from, to and message; the answer is JSON with
// the message's id and status. GET <BaseURL>/a1/sms/<id> tells later
// whether it was delivered.
type ElksConfig struct {
	BaseURL  string // default https://api.46elks.com
	Username string // API username
	Password string // API password
	From     string // sender: a number, or up to 11 letters and digits
	Client   *http.Client
}

// ParseSMSURL reads MP_SMS_URL: https://<api user>:<api password>@api.46elks.com?from=Motesplats.
func ParseSMSURL(s string) (ElksConfig, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User == nil {
		return ElksConfig{}, &envvar.Error{Var: "MP_SMS_URL", Secret: true, Problem: "not an https URL with a user and password", Want: "https://user:password@api.46elks.com?from=Sender"}
	}
	c := ElksConfig{Username: u.User.Username(), From: u.Query().Get("from")}
	c.Password, _ = u.User.Password()
	c.BaseURL = u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
	if c.From == "" {
		return ElksConfig{}, &envvar.Error{Var: "MP_SMS_URL", Secret: true, Problem: "the from= parameter is missing", Want: "https://user:password@api.46elks.com?from=Sender (a sender name or number)"}
	}
	return c, nil
}

// String describes the configuration without the password.
func (c ElksConfig) String() string { return "46elks base=" + c.BaseURL + " from=" + c.From }

// Elks sends SMS through 46elks.
type Elks struct{ cfg ElksConfig }

// NewElks returns the SMS sender.
func NewElks(cfg ElksConfig) *Elks {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.46elks.com"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 20 * time.Second}
	}
	return &Elks{cfg: cfg}
}

// elksSMS is the part of 46elks' answer notify reads.
type elksSMS struct {
	ID     string `json:"id"`
	Status string `json:"status"` // created, sent, delivered, failed
}

// Send posts the SMS. A timeout, 429 or 5xx is temporary (46elks cannot
// deduplicate: see ADR 0101); a 4xx that names the number is an invalid
// number, any other 4xx a permanent rejection, except 401/403 (our
// credentials: fixing them must not lose the queue).
func (e *Elks) Send(ctx context.Context, m notice.Outgoing) (string, error) {
	form := url.Values{"from": {e.cfg.From}, "to": {m.To}, "message": {m.Text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.BaseURL+"/a1/sms", strings.NewReader(form.Encode()))
	if err != nil {
		return "", notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, "request")
	}
	req.SetBasicAuth(e.cfg.Username, e.cfg.Password)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out elksSMS
	if err := e.do(req, &out); err != nil {
		return "", err
	}
	if out.Status == "failed" {
		return out.ID, notice.PermanentFailure(pb.Failure_FAILURE_INVALID_NUMBER, "status failed")
	}
	if out.ID == "" {
		return "", notice.Temporary("answer without id")
	}
	return out.ID, nil
}

// Status asks 46elks whether an accepted SMS reached the phone.
func (e *Elks) Status(ctx context.Context, id string) (final, delivered bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.cfg.BaseURL+"/a1/sms/"+url.PathEscape(id), nil)
	if err != nil {
		return false, false, err
	}
	req.SetBasicAuth(e.cfg.Username, e.cfg.Password)
	var out elksSMS
	if err := e.do(req, &out); err != nil {
		return false, false, err
	}
	switch out.Status {
	case "delivered":
		return true, true, nil
	case "failed":
		return true, false, nil
	}
	return false, false, nil
}

func (e *Elks) do(req *http.Request, out *elksSMS) error {
	res, err := e.cfg.Client.Do(req)
	if err != nil {
		return notice.Temporary("46elks: " + errKind(err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return notice.Temporary("46elks: read: " + errKind(err))
	}
	detail := "46elks: " + strconv.Itoa(res.StatusCode)
	switch {
	case res.StatusCode == http.StatusTooManyRequests, res.StatusCode >= 500,
		res.StatusCode == http.StatusUnauthorized, res.StatusCode == http.StatusForbidden,
		res.StatusCode == http.StatusRequestTimeout:
		return notice.Temporary(detail)
	case res.StatusCode >= 400:
		// 46elks answers 4xx with a short text, "Invalid to number" and
		// the like; it is matched, never logged (it may repeat the number).
		if strings.Contains(strings.ToLower(string(body)), "to number") || strings.Contains(strings.ToLower(string(body)), "invalid number") {
			return notice.PermanentFailure(pb.Failure_FAILURE_INVALID_NUMBER, detail)
		}
		return notice.PermanentFailure(pb.Failure_FAILURE_REJECTED, detail)
	case res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated:
		return notice.Temporary(detail)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return notice.Temporary(fmt.Sprintf("%s: answer not JSON", detail))
	}
	return nil
}
