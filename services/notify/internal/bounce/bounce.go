// Package bounce is notify's HTTP endpoint for e-mail bounces that arrive
// after the SMTP server accepted a message: a mail provider's delivery
// webhook (or the operator's relay of the bounce mailbox) posts the
// Message-IDs notify gave its messages, and a hard bounce turns the
// message failed, visible to coordinators (ADR 0107).
package bounce

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// Recorder records one bounce: notice.Service.Bounced. It returns
// NotFound for a message it does not hold, and whether it recorded it.
type Recorder interface {
	Bounced(ctx context.Context, messageID string, permanent bool) (bool, error)
}

// Path is where a mail provider (or the operator's relay of its
// delivery reports) posts bounces that arrive after the SMTP server had
// accepted a message (ADR 0107).
const Path = "/v1/bounces"

// maxBounces bounds one post's entries; maxBounceBody its size.
const (
	maxBounces    = 100
	maxBounceBody = 64 << 10
)

// bounceRequest is the body: each entry names a message by the Message-ID
// notify gave it ("<m...@motesplats>", or the bare key). Any other field a
// provider sends (the recipient's address, the diagnostic text) is
// ignored: notify keeps no copy of it.
type bounceRequest struct {
	Bounces []struct {
		MessageID string `json:"message_id"`
		// Permanent is a hard bounce (5.x.x: no such mailbox, domain gone).
		Permanent bool `json:"permanent"`
	} `json:"bounces"`
}

// bounceResponse says what came of a post: recorded (a sent e-mail now
// failed), ignored (temporary, or not a sent e-mail), unknown (no such
// message here: never ours, or past the retention).
type bounceResponse struct {
	Recorded int `json:"recorded"`
	Ignored  int `json:"ignored"`
	Unknown  int `json:"unknown"`
}

// Handler serves POST Path for svc, authorised by secret as an HTTP
// Basic password (any user name) or a Bearer token: the two ways mail
// providers' webhooks carry a credential.
func Handler(svc Recorder, secret string, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Path, func(w http.ResponseWriter, r *http.Request) {
		if !authorised(r, secret) {
			w.Header().Set("WWW-Authenticate", `Basic realm="motesplats-bounces"`)
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		var req bounceRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBounceBody))
		if err := dec.Decode(&req); err != nil {
			http.Error(w, `want {"bounces":[{"message_id":"<...>","permanent":true}]} up to 64 KiB`, http.StatusBadRequest)
			return
		}
		if len(req.Bounces) > maxBounces {
			http.Error(w, "at most 100 bounces per post", http.StatusRequestEntityTooLarge)
			return
		}
		var res bounceResponse
		for _, b := range req.Bounces {
			ok, err := svc.Bounced(r.Context(), b.MessageID, b.Permanent)
			switch {
			case apperr.ErrorCode(err) == apperr.NotFound:
				res.Unknown++
			case err != nil:
				// The provider retries a post that failed: say so, and
				// log the code only.
				log.Warn("notify: record bounce", "code", string(apperr.ErrorCode(err)))
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			case ok:
				res.Recorded++
			default:
				res.Ignored++
			}
		}
		log.Info("notify: bounces posted", "recorded", res.Recorded, "ignored", res.Ignored, "unknown", res.Unknown)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	})
	return mux
}

func authorised(r *http.Request, secret string) bool {
	got := ""
	if _, pass, ok := r.BasicAuth(); ok {
		got = pass
	} else if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		got = tok
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(secret)) == 1
}

// Serve serves h on addr until ctx ends; ready, if not nil, is told the
// address once it listens.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("serving", "component", "notify bounces", "addr", lis.Addr().String())
	if ready != nil {
		ready(lis.Addr())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
