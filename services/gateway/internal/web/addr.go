package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// RemoteAddr returns the client address of r. With no trusted proxies it
// is the connection's peer. Behind trustedProxies proxies that each append
// the address they received from to X-Forwarded-For, it is the hop that
// many places from the right: everything left of it was written by the
// client and proves nothing. A header with fewer hops than that, or a hop
// that is not an address, falls back to the peer.
func RemoteAddr(trustedProxies int) func(*http.Request) string {
	return func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if trustedProxies <= 0 {
			return host
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			for _, hop := range strings.Split(h, ",") {
				hops = append(hops, strings.TrimSpace(hop))
			}
		}
		if len(hops) < trustedProxies {
			return host
		}
		hop := hops[len(hops)-trustedProxies]
		if net.ParseIP(hop) == nil {
			return host
		}
		return hop
	}
}

// validText reports whether every name and value in vs is UTF-8.
func validText(vs url.Values) bool {
	for k, v := range vs {
		if !utf8.ValidString(k) {
			return false
		}
		for _, s := range v {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}
