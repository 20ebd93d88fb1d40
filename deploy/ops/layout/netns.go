package layout

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Netns places each NATS node of a cluster in its own network namespace
// with a veth pair whose other end is on a bridge in this namespace. The
// nodes reach each other and the services reach them over the bridge, on
// addresses of a private /24 that exists only on this machine; cutting a
// node's veth partitions it from everything at once, like a lost switch
// port, while the process keeps running.
type Netns struct {
	id     string // short random id: names stay under 15 characters
	subnet string // "10.213.<n>", the /24's first three octets
	nodes  int
}

// NewNetns creates the bridge and one namespace per node. It needs root
// and iproute2; the error says which is missing. Close removes it all.
func NewNetns(nodes int) (*Netns, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, errors.New("network namespaces need iproute2 (ip)")
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	n := &Netns{id: hex.EncodeToString(b[:2]), subnet: fmt.Sprintf("10.213.%d", 1+int(b[2])%250), nodes: nodes}
	cmds := [][]string{
		{"link", "add", n.bridge(), "type", "bridge"},
		{"addr", "add", n.subnet + ".1/24", "dev", n.bridge()},
		{"link", "set", n.bridge(), "up"},
	}
	for i := 1; i <= nodes; i++ {
		cmds = append(cmds,
			[]string{"netns", "add", n.ns(i)},
			[]string{"link", "add", n.host(i), "type", "veth", "peer", "name", n.peer(i)},
			[]string{"link", "set", n.peer(i), "netns", n.ns(i)},
			[]string{"link", "set", n.host(i), "master", n.bridge()},
			[]string{"link", "set", n.host(i), "up"},
			[]string{"-n", n.ns(i), "addr", "add", n.NodeIP(i) + "/24", "dev", n.peer(i)},
			[]string{"-n", n.ns(i), "link", "set", n.peer(i), "up"},
			[]string{"-n", n.ns(i), "link", "set", "lo", "up"},
		)
	}
	for _, c := range cmds {
		if err := ip(c...); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

func (n *Netns) bridge() string    { return "mpb" + n.id }
func (n *Netns) ns(i int) string   { return fmt.Sprintf("mp%sn%d", n.id, i) }
func (n *Netns) host(i int) string { return fmt.Sprintf("mph%s%d", n.id, i) }
func (n *Netns) peer(i int) string { return fmt.Sprintf("mpp%s%d", n.id, i) }

// NodeIP is node i's address inside its namespace.
func (n *Netns) NodeIP(i int) string { return fmt.Sprintf("%s.%d", n.subnet, 10+i) }

// Partition cuts node i off from the other nodes and every client.
func (n *Netns) Partition(i int) error { return ip("link", "set", n.host(i), "down") }

// Heal reconnects node i.
func (n *Netns) Heal(i int) error { return ip("link", "set", n.host(i), "up") }

// Close deletes the namespaces (with their veth ends) and the bridge.
func (n *Netns) Close() {
	for i := 1; i <= n.nodes; i++ {
		_ = ip("link", "del", n.host(i))
		_ = ip("netns", "del", n.ns(i))
	}
	_ = ip("link", "del", n.bridge())
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
