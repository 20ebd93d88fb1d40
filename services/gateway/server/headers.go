// Response headers every gateway answer carries, and its spans' names.

package server

import (
	"net/http"
)

// spanName names a request's span by route, never by the raw path (ids
// are not personal data, but routes aggregate).
func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method
}

// permissionsPolicy turns off the browser features the web app never
// uses, so injected content could not use them either.
const permissionsPolicy = "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"

// secure sets the headers every response carries: a strict content
// security policy (scripts and styles from this origin only), no framing,
// no sniffing, no referrer leaks, no browser features. With https (the
// public URL says so) browsers are also told to use https only (HSTS), so
// a later visit cannot be downgraded; over plain http the header would be
// ignored, and on a developer's localhost it would stick.
func secure(h http.Handler, https bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if https {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		hd.Set("Permissions-Policy", permissionsPolicy)
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
