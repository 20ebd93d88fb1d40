// Package gatewayurl says where the gateway of a running stack is reached.
// It is a leaf (standard library only) so the mp client can use it without
// linking the services' dependencies.
package gatewayurl

import (
	"net"
	"strings"
)

// DefaultAddr is the gateway's default HTTP listen address (GATEWAY_ADDR).
const DefaultAddr = "127.0.0.1:8080"

// FromEnv is where a browser or the mp client on this machine reaches the
// gateway that the same environment starts: MP_PUBLIC_URL when set, else
// http:// and GATEWAY_ADDR, else DefaultAddr. A listen address on every
// interface (":18080", "0.0.0.0:18080") is reached on loopback. The seed's
// sign-in banner and `mp login` use it, so a stack moved to other ports is
// found without a flag (a newcomer following the README with GATEWAY_ADDR
// set was sent to port 8080 by both).
func FromEnv(getenv func(string) string) string {
	return For(getenv("GATEWAY_ADDR"), getenv("MP_PUBLIC_URL"))
}

// For is FromEnv for values already read: the gateway's listen address
// (empty: DefaultAddr) and its public URL (empty: none).
func For(addr, publicURL string) string {
	if u := strings.TrimRight(publicURL, "/"); u != "" {
		return u
	}
	if addr == "" {
		addr = DefaultAddr
	}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	return "http://" + addr
}
