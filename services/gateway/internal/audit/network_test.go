package audit

import (
	"slices"
	"strings"
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// TestNetwork (ADR 0207): an audit entry keeps the network of an address,
// never the host: IPv4 to /24, IPv6 to /48, a mapped IPv4 as IPv4, a port
// or a zone dropped, and anything that is no address not at all.
func TestNetwork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.57", "203.0.113.0/24"},
		{"203.0.113.57:44321", "203.0.113.0/24"},
		{"127.0.0.1", "127.0.0.0/24"},
		{"2001:db8:1234:5678:9abc::1", "2001:db8:1234::/48"},
		{"[2001:db8:1234:5678::1]:443", "2001:db8:1234::/48"},
		{"fe80::1%eth0", "fe80::/48"},
		{"::ffff:198.51.100.7", "198.51.100.0/24"},
		{"", ""},
		{"Karin Berg", ""},
		{"pipe", ""},
	} {
		if got := Network(tc.in); got != tc.want {
			t.Errorf("Network(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRecordKeepsTheNetwork: an entry written with a coordinator's full
// address is stored (in the stream, and so on the audit page and in the
// API) with its network only.
func TestRecordKeepsTheNetwork(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	for _, addr := range []string{"203.0.113.57", "2001:db8:1234:5678::9"} {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("u1"), Action: "read", ResourceType: "participant", ResourceId: issued("p1"), RemoteAddr: addr}); err != nil {
			t.Fatal(err)
		}
	}
	es, _, err := l.Search(ctx, Query{UserID: issued("u1")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.GetRemoteAddr())
	}
	if want := []string{"203.0.113.0/24", "2001:db8:1234::/48"}; !slices.Equal(got, want) {
		t.Errorf("stored addresses %q, want %q", got, want)
	}
	for _, subj := range []string{"203.0.113.57", "5678"} {
		for _, a := range got {
			if strings.Contains(a, subj) {
				t.Errorf("the host part %s is stored: %s", subj, a)
			}
		}
	}
}
