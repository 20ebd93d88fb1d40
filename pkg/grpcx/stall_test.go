package grpcx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// replicaEnv makes the test binary a replica process instead of running
// tests: a grpcx server answering health checks and any other method
// with an empty message, its address on stdout.
const replicaEnv = "GRPCX_TEST_REPLICA"

// TestMain runs the replica when asked to, so a test can SIGSTOP a real
// process: one in this process could not be stopped alone.
func TestMain(m *testing.M) {
	if os.Getenv(replicaEnv) != "" {
		serveReplica()
		return
	}
	os.Exit(m.Run())
}

func serveReplica() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echo := grpc.UnknownServiceHandler(replicaHandler(lis.Addr().String()))
	srv, hs := NewServer(Options{ServerOptions: []grpc.ServerOption{echo}})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fmt.Println(lis.Addr())
	if err := Serve(ctx, srv, hs, lis, time.Second); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// replicaHandler answers any method with an empty message, except the
// server streams of stream_test.go: WatchThing sends the replica's address
// every watchBeat with that heartbeat declared, QuietThing sends it once,
// declares nothing and sends it again when ReleaseThing is called.
func replicaHandler(addr string) grpc.StreamHandler {
	release := make(chan struct{})
	var once sync.Once
	return func(_ any, s grpc.ServerStream) error {
		if err := s.RecvMsg(&emptypb.Empty{}); err != nil {
			return err
		}
		method, _ := grpc.MethodFromServerStream(s)
		me := wrapperspb.String(addr)
		switch method[strings.LastIndexByte(method, '/')+1:] {
		case "WatchThing":
			DeclareHeartbeat(s.Context(), watchBeat)
			t := time.NewTicker(watchBeat)
			defer t.Stop()
			for {
				if err := s.SendMsg(me); err != nil {
					return err
				}
				select {
				case <-s.Context().Done():
					return nil
				case <-t.C:
				}
			}
		case "QuietThing":
			if err := s.SendMsg(me); err != nil {
				return err
			}
			select {
			case <-s.Context().Done():
				return nil
			case <-release:
			}
			return s.SendMsg(me)
		case "ReleaseThing":
			once.Do(func() { close(release) })
		}
		return s.SendMsg(&emptypb.Empty{})
	}
}

// replica is a replica process the test started.
type replica struct {
	addr string
	cmd  *exec.Cmd
}

func mustReplica(t *testing.T) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), replicaEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("replica's address: %v", err)
	}
	return &replica{addr: line[:len(line)-1], cmd: cmd}
}

// mustDial is Dial(target), closed when the test ends.
func mustDial(t *testing.T, target string) *grpc.ClientConn {
	t.Helper()
	cc, err := Dial(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// state is the replica process's state letter from /proc ("T" when
// stopped), or "" where it cannot be read.
func (r *replica) state() string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", r.cmd.Process.Pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ...: comm may hold spaces, so read after its ")".
	rest := raw[bytes.LastIndexByte(raw, ')')+1:]
	if f := strings.Fields(string(rest)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// waitStopped waits until the kernel shows the replica stopped, so a
// call sent next cannot be answered by it in the moment before its stop
// takes effect (a CI run saw such a write answered). Where /proc cannot
// be read it waits for nothing.
func (r *replica) waitStopped(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for st := r.state(); st != "" && st != "T" && st != "t"; st = r.state() {
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not stopped 10 s after SIGSTOP (state %q)", r.addr, st)
		}
		time.Sleep(time.Millisecond)
	}
}

func (r *replica) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

// TestDial_StalledReplicaIsLeftOut: with one of two replica processes
// stopped (SIGSTOP: its connection stays open and nothing answers), every
// read and every write carrying a request id is answered by the other
// one; a write without a request id sent to the stopped replica alone is
// answered Unavailable. Before ADR 0138 the calls round robin sent to the
// stopped replica waited until it resumed (here: until the test's minute
// ran out).
func TestDial_StalledReplicaIsLeftOut(t *testing.T) {
	t.Parallel()
	a, b := mustReplica(t), mustReplica(t)
	cc, alone := mustDial(t, StaticTarget(a.addr, b.addr)), mustDial(t, a.addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hc := healthpb.NewHealthClient(cc)
	check := func() (string, error) {
		var p peer.Peer
		_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p))
		if err != nil {
			return "", err
		}
		return p.Addr.String(), nil
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		addr, err := check()
		if err != nil {
			t.Fatalf("both replicas up: %v", err)
		}
		seen[addr] = true
	}
	if _, err := healthpb.NewHealthClient(alone).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("the first replica alone: %v", err)
	}

	a.signal(t, syscall.SIGSTOP)
	a.waitStopped(t)
	// A write that may not be repeated, to the stopped replica alone.
	unrepeatable := make(chan error, 1)
	var answeredBy peer.Peer
	go func() {
		unrepeatable <- alone.Invoke(ctx, "/motesplats.test.v1.Things/ApproveThing", &emptypb.Empty{}, &emptypb.Empty{},
			grpc.Peer(&answeredBy))
	}()
	for i := range 10 {
		addr, err := check()
		if err != nil {
			t.Fatalf("read %d with %s stopped: %v, want an answer from %s", i, a.addr, err, b.addr)
		}
		if addr != b.addr {
			t.Fatalf("read %d answered by %s, want %s", i, addr, b.addr)
		}
	}
	for i := range 4 {
		req := &participantsv1.CreateParticipantRequest{RequestId: fmt.Sprintf("r%d", i)}
		if err := cc.Invoke(ctx, "/motesplats.test.v1.Things/CreateThing", req, &emptypb.Empty{}); err != nil {
			t.Fatalf("write %d with a request id, %s stopped: %v, want an answer from %s", i, a.addr, err, b.addr)
		}
	}
	err := <-unrepeatable
	if status.Code(err) != codes.Unavailable || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("write without a request id to the stopped replica (%s, state %q): %v from %v, want Unavailable before the test's deadline",
			a.addr, a.state(), err, answeredBy.Addr)
	}

	a.signal(t, syscall.SIGCONT)
	// Left out for a window, then probed by a read: it answers again.
	testutil.CheckFor(t, time.Minute, 200*time.Millisecond, func() error {
		addr, err := check()
		if err != nil {
			return err
		}
		if addr != a.addr {
			return fmt.Errorf("answered by %s, waiting for %s", addr, a.addr)
		}
		return nil
	})
}
