package audit

import (
	"net"
	"net/netip"
)

// A coordinator's IP address is personal data, and the audit stream keeps
// it for good: it refuses deletes, so it outlives an erased user (ADR
// 0201, 0207). What the log needs is where a change came from (an
// office, a provider, a country), not which computer: it keeps the
// network, as analytics tools do when they anonymise addresses.
const (
	// ipv4Bits is how much of an IPv4 address is kept: the /24 network.
	ipv4Bits = 24
	// ipv6Bits is how much of an IPv6 address is kept: the /48 a site is
	// given.
	ipv6Bits = 48
)

// Network is the address addr shortened to its network, written as a
// prefix: "203.0.113.0/24" for 203.0.113.57, "2001:db8:1234::/48" for an
// IPv6 address in it (an IPv4 address written as IPv6 counts as IPv4). A
// port is dropped. Anything that is no IP address is kept as "": the
// log's column is for addresses only.
func Network(addr string) string {
	if addr == "" {
		return ""
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		host, _, serr := net.SplitHostPort(addr)
		if serr != nil {
			return ""
		}
		if ip, err = netip.ParseAddr(host); err != nil {
			return ""
		}
	}
	ip = ip.Unmap().WithZone("")
	bits := ipv6Bits
	if ip.Is4() {
		bits = ipv4Bits
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}
