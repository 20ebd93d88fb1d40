package server_test

import (
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNotificationPreferences: the message language, channel and opt-outs
// are stored with the record and change through update_mask
// "notifications", like any other field.
func TestNotificationPreferences(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	p := newcomer("0180")
	p.Notifications = &typev1.NotificationPreferences{PreferredLanguage: "prs", PreferredChannel: typev1.PreferredChannel_PREFERRED_CHANNEL_SMS}
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.GetParticipant().GetNotifications(); n.GetPreferredLanguage() != "prs" || n.GetPreferredChannel() != typev1.PreferredChannel_PREFERRED_CHANNEL_SMS {
		t.Fatalf("stored preferences = %v", n)
	}
	up, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: &pb.Participant{Id: id, Notifications: &typev1.NotificationPreferences{
			PreferredLanguage: "ti", OptOuts: []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_CHECK_INS}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notifications"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := up.GetParticipant().GetNotifications()
	if n.GetPreferredLanguage() != "ti" || len(n.GetOptOuts()) != 1 || n.GetPreferredChannel() != 0 {
		t.Fatalf("updated preferences = %v", n)
	}
}
