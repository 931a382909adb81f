// Package returns says where an organisation's return for a quarter stands,
// kind by kind: not sent, received, accepted, accepted with warnings,
// rejected or overdue; and lists the uploads of a quarter with which of them
// are still in use. The web pages and the uploads API both ask it, so that an
// organisation and its lead see the same state wherever they look.
//
// It reads only what ingest already writes: the ingest log (the newest entry
// of each partition says what became of the latest upload of that kind), the
// pointers (which upload is current) and each upload's status and report.
package returns

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// State is where one kind of table of a return stands.
type State string

// The states, in the words the pages show.
const (
	NotSent              State = "not sent"
	Received             State = "received" // landed, not checked yet
	Accepted             State = "accepted"
	AcceptedWithWarnings State = "accepted with warnings"
	Rejected             State = "rejected"
	// Overdue is a kind not sent by the due date that the standard
	// requires (finance: exactly one row a quarter), or any kind when
	// nothing at all was sent for the quarter.
	Overdue State = "overdue"
)

// Due is the last day a quarter's return is on time: dueDays after the
// quarter's last day, at the end of that day (UTC).
func Due(p pipeline.Period, dueDays int) time.Time {
	return p.End().AddDate(0, 0, dueDays+1).Add(-time.Nanosecond)
}

// Kind is the state of one kind of table in a quarter's return.
type Kind struct {
	Kind  string `json:"kind"`
	State State  `json:"state"`
	// UploadID is the latest upload of the kind; "" when none.
	UploadID string `json:"upload_id,omitempty"`
	// ReceivedAt is when that upload arrived.
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	Rows       int        `json:"rows"`
	Accepted   int        `json:"accepted"`
	Rejected   int        `json:"rejected"`
	Warnings   int        `json:"warnings"`
	// Late is true when the kind was first received after the due date.
	Late bool `json:"late"`
	// EarlierInUse is true when the latest upload was rejected and an
	// earlier one of the kind is still the one counted.
	EarlierInUse bool `json:"earlier_in_use,omitempty"`
}

// Return is an organisation's return for a quarter.
type Return struct {
	Org    string    `json:"org"`
	Period string    `json:"period"`
	Due    time.Time `json:"due"`
	Kinds  []Kind    `json:"kinds"`
}

// Missing reports whether any kind is overdue.
func (r Return) Missing() bool {
	return slices.ContainsFunc(r.Kinds, func(k Kind) bool { return k.State == Overdue })
}

// Late reports whether any kind was received late.
func (r Return) Late() bool {
	return slices.ContainsFunc(r.Kinds, func(k Kind) bool { return k.Late })
}

// Waiting is a file that has landed and is not ingested yet (in AWS, a file
// in the landing bucket); its kinds are unknown until it is read.
type Waiting struct {
	ReceivedAt time.Time
	// ID and File are its landing id and file name, for a page that
	// lists it; Of needs neither.
	ID, File string
}

// Query is what Of needs besides the lake.
type Query struct {
	Org     string
	Period  pipeline.Period
	DueDays int
	Now     time.Time
	// Waiting are the organisation's files of the quarter not checked yet.
	Waiting []Waiting
}

// Of reads an organisation's return for a quarter.
func Of(ctx context.Context, l *lake.Lake, std *standard.Standard, q Query) (Return, error) {
	due := Due(q.Period, q.DueDays)
	r := Return{Org: q.Org, Period: q.Period.String(), Due: due}
	entries, err := quarterEntries(ctx, l, q.Org, q.Period)
	if err != nil {
		return r, err
	}
	var firstWaiting time.Time
	for _, w := range q.Waiting {
		if firstWaiting.IsZero() || w.ReceivedAt.Before(firstWaiting) {
			firstWaiting = w.ReceivedAt
		}
	}
	reports := map[string]*validate.Report{}
	for _, k := range std.Kinds {
		ks := Kind{Kind: k.Name, State: NotSent}
		// The log's keys name transitions, not times: the latest upload
		// is the one received last (the receipt time orders versions).
		var latest, first *lake.LedgerEntry
		for i := range entries {
			e := &entries[i]
			if e.Kind != k.Name {
				continue
			}
			if first == nil || e.ReceivedAt.Before(first.ReceivedAt) {
				first = e
			}
			if latest == nil || later(e, latest) {
				latest = e
			}
		}
		switch {
		case latest != nil:
			received := latest.ReceivedAt.UTC()
			ks.UploadID, ks.ReceivedAt = latest.UploadID, &received
			ks.Rows, ks.Accepted, ks.Rejected = latest.RowsRead, latest.RowsAccepted, latest.RowsRejected
			ks.Late = first.ReceivedAt.After(due)
			if latest.Status == lake.StatusRejected {
				ks.State = Rejected
				_, _, ok, err := l.Current(ctx, lake.Partition{Kind: k.Name, Org: q.Org, Period: q.Period})
				if err != nil {
					return r, err
				}
				ks.EarlierInUse = ok
				break
			}
			rep, err := report(ctx, l, reports, q.Org, latest.UploadID)
			if err != nil {
				return r, err
			}
			ks.Warnings = warnings(rep, k.Name)
			ks.State = Accepted
			if ks.Rejected > 0 || ks.Warnings > 0 {
				ks.State = AcceptedWithWarnings
			}
		case !firstWaiting.IsZero():
			received := firstWaiting.UTC()
			ks.State, ks.ReceivedAt, ks.Late = Received, &received, firstWaiting.After(due)
		case q.Now.After(due) && (k.MinRows > 0 || len(entries) == 0 && firstWaiting.IsZero()):
			// A return holds up to five kinds: a kind the standard does not
			// require (a quarter with no outcome has no outcomes table) is
			// overdue only when nothing at all came for the quarter.
			ks.State = Overdue
		}
		r.Kinds = append(r.Kinds, ks)
	}
	return r, nil
}

// later reports whether a was received after b (committed after it, for
// uploads received at the same moment).
func later(a, b *lake.LedgerEntry) bool {
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return a.ReceivedAt.After(b.ReceivedAt)
	}
	return a.CommittedAt.After(b.CommittedAt)
}

// quarterEntries reads the ingest log of one organisation's quarter.
func quarterEntries(ctx context.Context, l *lake.Lake, org string, p pipeline.Period) ([]lake.LedgerEntry, error) {
	all, err := l.Ledger(ctx, org)
	if err != nil {
		return nil, err
	}
	var out []lake.LedgerEntry
	for _, e := range all {
		if e.Org == org && e.Period == p.String() {
			out = append(out, e)
		}
	}
	return out, nil
}

// report reads an upload's stored report once per call of Of.
func report(ctx context.Context, l *lake.Lake, cache map[string]*validate.Report, org, uploadID string) (*validate.Report, error) {
	if r, ok := cache[uploadID]; ok {
		return r, nil
	}
	r, err := ReadReport(ctx, l, org, uploadID)
	if pipeline.KindOf(err) == pipeline.NotFound {
		r, err = nil, nil // the log was written, the report not yet
	}
	if err != nil {
		return nil, err
	}
	cache[uploadID] = r
	return r, nil
}

// ReadReport reads an upload's stored report. An upload of another
// organisation is NotFound, as one that does not exist.
func ReadReport(ctx context.Context, l *lake.Lake, org, uploadID string) (*validate.Report, error) {
	key := lake.UploadKey(org, uploadID, "report.json")
	rc, _, err := l.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read the report of upload %s: %w", short(uploadID), err)
	}
	defer rc.Close()
	var r validate.Report
	if err := json.NewDecoder(rc).Decode(&r); err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "read the report of upload %s: %w", short(uploadID), err)
	}
	if r.Org != org {
		return nil, pipeline.Errorf(pipeline.NotFound, "no upload %s of %s", short(uploadID), org)
	}
	return &r, nil
}

// warnings counts the warnings of a kind's tables in a report.
func warnings(r *validate.Report, kind string) int {
	if r == nil {
		return 0
	}
	n := 0
	for _, f := range r.Files {
		for _, t := range f.Tables {
			if t.Kind == kind {
				n += t.Total("warning")
			}
		}
	}
	return n
}

// Upload is one upload of a quarter, as its history shows it.
type Upload struct {
	UploadID   string           `json:"upload_id"`
	File       string           `json:"file"`
	Status     lake.UploadState `json:"status"` // lake.UploadDone or lake.UploadRejected
	ReceivedAt time.Time        `json:"received_at"`
	// Kinds are the kinds the upload stored.
	Kinds []string `json:"kinds"`
	// InUse are the kinds for which it is still the current upload; an
	// upload that stored kinds and is in use for none was replaced.
	InUse []string `json:"in_use"`
	// Rows, Accepted and Rejected count the rows of its tables, from its
	// report.
	Rows     int `json:"rows"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
}

// Replaced reports whether every table the upload stored has been replaced
// by a later upload.
func (u Upload) Replaced() bool { return len(u.Kinds) > 0 && len(u.InUse) == 0 }

// History lists an organisation's uploads for a quarter, newest first.
func History(ctx context.Context, l *lake.Lake, org string, p pipeline.Period) ([]Upload, error) {
	prefix := "uploads/" + org + "/"
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list the uploads of %s: %w", org, err)
	}
	current := map[string]string{} // kind → current upload id
	out := []Upload{}
	for _, o := range objs {
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefix), "/status.json")
		if !ok || strings.Contains(id, "/") {
			continue
		}
		st, found, err := l.Status(ctx, org, id)
		if err != nil {
			return nil, err
		}
		if !found || st.Org != org || st.Period != p.String() {
			continue
		}
		u := Upload{UploadID: id, File: st.File, Status: st.Status, ReceivedAt: st.Received.UTC(), Kinds: st.Kinds, InUse: []string{}}
		rep, err := ReadReport(ctx, l, org, id)
		if err != nil && pipeline.KindOf(err) != pipeline.NotFound {
			return nil, err
		}
		if rep != nil {
			for _, f := range rep.Files {
				for _, t := range f.Tables {
					u.Rows, u.Accepted, u.Rejected = u.Rows+t.Rows, u.Accepted+t.Accepted, u.Rejected+t.Rejected
				}
			}
		}
		for _, k := range st.Kinds {
			cur, ok := current[k]
			if !ok {
				ptr, _, exists, err := l.Current(ctx, lake.Partition{Kind: k, Org: org, Period: p})
				if err != nil {
					return nil, err
				}
				if exists {
					cur = ptr.UploadID
				}
				current[k] = cur
			}
			if cur == id {
				u.InUse = append(u.InUse, k)
			}
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b Upload) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(b.UploadID, a.UploadID)
	})
	return out, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
