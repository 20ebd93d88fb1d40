package server_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// rawCodec passes messages through as their bytes, so the proxy forwards
// every method of every service without knowing its types.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// olderDinners serves, on a loopback port, the real dinners service at
// addr as a dinners service from before ADR 0228 answers while older is
// true: ListUnseated's parties name no newcomer (participant_id empty),
// as a service without the field gives them. The gateway's fallback is
// tested against it, and the unseated page timed both ways in one run.
func olderDinners(t testing.TB, addr string, older *atomic.Bool) string {
	return olderService(t, addr, older, "/motesplats.dinners.v1.DinnerService/ListUnseated", func(raw []byte) ([]byte, error) {
		var res dinnersv1.ListUnseatedResponse
		if err := proto.Unmarshal(raw, &res); err != nil {
			return nil, err
		}
		for _, u := range res.GetUnseated() {
			u.ParticipantId = ""
		}
		return proto.Marshal(&res)
	})
}

// olderParticipants is olderDinners for the participants service:
// BatchGetParticipantNames names no one's registration (create_time), as
// before ADR 0228.
func olderParticipants(t testing.TB, addr string, older *atomic.Bool) string {
	return olderService(t, addr, older, "/motesplats.participants.v1.ParticipantService/BatchGetParticipantNames", func(raw []byte) ([]byte, error) {
		var res participantsv1.BatchGetParticipantNamesResponse
		if err := proto.Unmarshal(raw, &res); err != nil {
			return nil, err
		}
		for _, n := range res.GetNames() {
			n.CreateTime = nil
		}
		return proto.Marshal(&res)
	})
}

// olderService serves, on a loopback port, the real service at addr: every
// call passes through as it is (tokens, streams, errors with their
// details), but while older is true the answers of method are rewritten
// by strip, as an older version of the service gives them.
func olderService(t testing.TB, addr string, older *atomic.Bool, method string, strip func([]byte) ([]byte, error)) string {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		called, _ := grpc.MethodFromServerStream(ss)
		in, _ := metadata.FromIncomingContext(ss.Context())
		out := metadata.MD{}
		for k, v := range in {
			// The transport's own headers are the client connection's.
			if !strings.HasPrefix(k, ":") && !strings.HasPrefix(k, "grpc-") && k != "content-type" && k != "user-agent" && k != "te" {
				out[k] = v
			}
		}
		cs, err := cc.NewStream(metadata.NewOutgoingContext(ss.Context(), out), &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, called)
		if err != nil {
			return err
		}
		go func() {
			for {
				var m []byte
				if err := ss.RecvMsg(&m); err != nil {
					_ = cs.CloseSend()
					return
				}
				if err := cs.SendMsg(&m); err != nil {
					return
				}
			}
		}()
		for {
			var m []byte
			if err := cs.RecvMsg(&m); err != nil {
				ss.SetTrailer(cs.Trailer())
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
			if called == method && older.Load() {
				if m, err = strip(m); err != nil {
					return err
				}
			}
			if err := ss.SendMsg(&m); err != nil {
				return err
			}
		}
	}))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		_ = cc.Close()
	})
	return lis.Addr().String()
}
