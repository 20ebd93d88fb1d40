package api

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// BenchmarkJSONDecode compares the strict codec with the lenient decoding
// it replaced (ADR 0118): on a good CreateVolunteer body, where it should
// cost nothing more, and on one with 10,000 unknown fields, where it
// walks the body to name them.
func BenchmarkJSONDecode(b *testing.B) {
	good := []byte(`{"requestId":"r-1","volunteer":{"organisationId":"0190f0b0-0000-7000-8000-000000000000","municipalityCode":"0880",
		"givenName":"Sigrid","familyName":"Lind","householdSize":1,"birthYear":1980,"contact":{"email":"s@example.org"},
		"languages":[{"code":"sv","level":"LANGUAGE_LEVEL_NATIVE"},{"code":"en","level":"LANGUAGE_LEVEL_FLUENT"}],"interests":["cooking"]}}`)
	var sb strings.Builder
	sb.WriteString(`{"requestId":"r-1"`)
	for i := range 10_000 {
		fmt.Fprintf(&sb, `,"f%d":"value %d"`, i, i)
	}
	sb.WriteString("}")
	unknown := []byte(sb.String())
	for _, body := range []struct {
		name string
		b    []byte
	}{{"good", good}, {"10000-unknown", unknown}} {
		b.Run(body.name+"/lenient", func(b *testing.B) {
			for b.Loop() {
				m := &gatewayv1.CreateVolunteerRequest{}
				if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body.b, m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(body.name+"/strict", func(b *testing.B) {
			for b.Loop() {
				m := &gatewayv1.CreateVolunteerRequest{}
				if err := (jsonCodec{"json"}).Unmarshal(body.b, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
