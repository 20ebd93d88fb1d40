package notice

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store"
)

// MailboxFilter selects development-mailbox messages.
type MailboxFilter struct {
	PageSize  int32
	PageToken string
	PersonID  string
}

// ListMailbox pages through the development mailbox (admins only): the
// messages that were kept because no channel was configured. Returns
// PermissionDenied, Invalid.
func (s *Service) ListMailbox(who auth.Claims, f MailboxFilter) ([]*pb.StoredMessage, string, error) {
	if who.Role != auth.RoleAdmin {
		return nil, "", apperr.Errorf(apperr.PermissionDenied, "only admins read the development mailbox")
	}
	var v apperr.Validator
	size, _ := page.Check(&v, f.PageSize, "")
	after, ok := mailboxAfter(f.PageToken)
	if !ok {
		v.Add("page_token", "is not a token from a previous response")
	}
	if f.PersonID != "" && !ids.Valid(f.PersonID) {
		v.Add("person_id", "is not an id")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := store.Query[*pb.StoredMessage]{Index: "mailbox", Values: []string{"1"}}
	if f.PersonID != "" {
		q.Filter = func(m *pb.StoredMessage) bool { return m.GetPersonId() == f.PersonID }
	}
	res, err := s.d.Messages.Find(q)
	if err != nil {
		return nil, "", err
	}
	// Newest first: the store orders by id, and a message's id is a hash
	// (deterministic, so a redelivered event makes no second message),
	// which read as random order. The whole mailbox is sorted per page:
	// it is a development aid that retention keeps small.
	all := slices.Clone(res.Items)
	slices.SortFunc(all, func(a, b *pb.StoredMessage) int { return strings.Compare(mailboxKey(a), mailboxKey(b)) })
	items, next, _ := page.Items(all, mailboxKey, nil, after, size)
	return items, next, nil
}

// mailboxKey orders the mailbox newest first: the creation time counted
// down from the largest time (fixed-width hex, so the strings sort as the
// numbers), then the id for messages of the same instant.
func mailboxKey(m *pb.StoredMessage) string {
	return fmt.Sprintf("%016x", uint64(math.MaxInt64-m.GetCreateTime().AsTime().UnixNano())) + m.GetId()
}

// mailboxAfter is the mailbox key a page token continues after (page.Items
// makes the tokens with page.Encode); ok is false for anything else, so a
// token of another list is refused rather than read as a start.
func mailboxAfter(tok string) (after string, ok bool) {
	if tok == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !bytes.HasPrefix(b, []byte("v1:")) || len(b) < 3+16 {
		return "", false
	}
	key := string(b[3:])
	if _, err := strconv.ParseUint(key[:16], 16, 64); err != nil || !ids.Valid(key[16:]) {
		return "", false
	}
	return key, true
}

// GetMailboxMessage returns one development-mailbox message with its text
// (admins only). Returns PermissionDenied, Invalid, NotFound.
func (s *Service) GetMailboxMessage(ctx context.Context, who auth.Claims, id string) (*pb.StoredMessage, error) {
	if who.Role != auth.RoleAdmin {
		return nil, apperr.Errorf(apperr.PermissionDenied, "only admins read the development mailbox")
	}
	if !ids.Valid(id) {
		return nil, apperr.FieldError("id", "is not an id")
	}
	m, _, err := s.d.Messages.Get(ctx, id)
	if err != nil || m.GetChannel() != pb.Channel_CHANNEL_MAILBOX || !m.GetRendered() {
		return nil, apperr.Errorf(apperr.NotFound, "no such message in the development mailbox")
	}
	return m, nil
}

// DeliveryFilter names a person or a proposal.
type DeliveryFilter struct {
	PersonID, ProposalID string
	PageSize             int32
	PageToken            string
}

// ListDeliveries pages through the messages to a person or about a
// proposal, with their status; a coordinator sees those of their
// organisation and municipalities only. Returns PermissionDenied
// (operators), Invalid.
func (s *Service) ListDeliveries(who auth.Claims, f DeliveryFilter) ([]*pb.StoredMessage, string, error) {
	if who.Role == auth.RoleOperator {
		return nil, "", apperr.Errorf(apperr.PermissionDenied, "operators see no deliveries")
	}
	var v apperr.Validator
	size, after := page.Check(&v, f.PageSize, f.PageToken)
	switch {
	case (f.PersonID == "") == (f.ProposalID == ""):
		v.Add("person_id", "give exactly one of person_id and proposal_id")
	case f.PersonID != "" && !ids.Valid(f.PersonID):
		v.Add("person_id", "is not an id")
	case f.ProposalID != "" && !ids.Valid(f.ProposalID):
		v.Add("proposal_id", "is not an id")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := store.Query[*pb.StoredMessage]{Index: "person", Values: []string{f.PersonID}, After: after, Limit: size,
		Filter: func(m *pb.StoredMessage) bool { return who.CanSee(m.GetOrganisationId(), m.GetMunicipalityCode()) }}
	if f.ProposalID != "" {
		q.Index, q.Values = "proposal", []string{f.ProposalID}
	}
	res, err := s.d.Messages.Find(q)
	if err != nil {
		return nil, "", err
	}
	return res.Items, page.Encode(res.Next), nil
}
