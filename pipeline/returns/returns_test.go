package returns_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

var q3 = pipeline.Period{Year: 2026, Quarter: 3}

const carersHeader = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup\n"

// Hand-written returns: each file's fate follows from the data standard.
const (
	carersGood    = carersHeader + "A1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\nA2,2026-08-14,1975-01-09,M,M14 5RB,INACTIVE_CARING,N\n"
	carersOneBad  = carersHeader + "A1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\nA2,2026-02-30,1975-01-09,M,M14 5RB,INACTIVE_CARING,N\n"
	carersAllBad  = carersHeader + "A1,2026-02-30,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\n"
	carersWarning = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup,favourite_colour\n" +
		"A1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y,blue\n"
)

type fixture struct {
	cfg ingest.Config
	now time.Time
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	store, err := fsstore.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("cd", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{now: time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)}
	f.cfg = ingest.Config{Standard: standardtest.Load(tb), Lake: &lake.Lake{Store: store}, Key: key,
		Limits: tabular.DefaultLimits(), TempDir: tb.TempDir(), Now: func() time.Time { return f.now }}
	return f
}

// send ingests one file for LEEDS-CC's 2026-Q3 at the fixture's clock and
// returns its upload id.
func (f *fixture) send(tb testing.TB, org, name, content string) string {
	tb.Helper()
	res, err := ingest.Run(context.Background(), f.cfg, ingest.Request{Org: org, Period: q3,
		Files: []ingest.File{{Name: name, Data: strings.NewReader(content), Size: int64(len(content))}}})
	if err != nil {
		tb.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	return res.Uploads[0].UploadID
}

func (f *fixture) state(tb testing.TB, org string, now time.Time, waiting ...returns.Waiting) map[string]returns.Kind {
	tb.Helper()
	r, err := returns.Of(context.Background(), f.cfg.Lake, f.cfg.Standard, returns.Query{Org: org, Period: q3, DueDays: 30, Now: now, Waiting: waiting})
	if err != nil {
		tb.Fatal(err)
	}
	if len(r.Kinds) != len(f.cfg.Standard.Kinds) {
		tb.Fatalf("%d kinds, want one per kind of the standard (%d)", len(r.Kinds), len(f.cfg.Standard.Kinds))
	}
	out := map[string]returns.Kind{}
	for _, k := range r.Kinds {
		out[k.Kind] = k
	}
	return out
}

func TestDue(t *testing.T) {
	due := returns.Due(q3, 30)
	if want := time.Date(2026, 10, 30, 23, 59, 59, 999999999, time.UTC); !due.Equal(want) {
		t.Errorf("Due(2026-Q3, 30) = %v, want %v", due, want)
	}
	if got := returns.Due(pipeline.Period{Year: 2026, Quarter: 4}, 0); !got.Equal(time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC)) {
		t.Errorf("Due(2026-Q4, 0) = %v, want the end of 31 December", got)
	}
}

func TestOf(t *testing.T) {
	beforeDue := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	afterDue := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		files []string // carers files sent in turn
		now   time.Time
		want  returns.State
		// rows, accepted, rejected, warnings of the latest
		counts       [4]int
		earlierInUse bool
	}{
		{"nothing sent, before the due date", nil, beforeDue, returns.NotSent, [4]int{}, false},
		{"nothing sent, after the due date", nil, afterDue, returns.Overdue, [4]int{}, false},
		{"every row accepted", []string{carersGood}, afterDue, returns.Accepted, [4]int{2, 2, 0, 0}, false},
		{"a row rejected", []string{carersOneBad}, afterDue, returns.AcceptedWithWarnings, [4]int{2, 1, 1, 0}, false},
		{"a warning", []string{carersWarning}, afterDue, returns.AcceptedWithWarnings, [4]int{1, 1, 0, 1}, false},
		{"every row rejected", []string{carersAllBad}, afterDue, returns.Rejected, [4]int{1, 0, 1, 0}, false},
		{"rejected after an accepted one", []string{carersGood, carersAllBad}, afterDue, returns.Rejected, [4]int{1, 0, 1, 0}, true},
		{"corrected", []string{carersOneBad, carersGood}, afterDue, returns.Accepted, [4]int{2, 2, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for i, c := range tt.files {
				f.send(t, "LEEDS-CC", "carers"+string(rune('a'+i))+".csv", c)
			}
			got := f.state(t, "LEEDS-CC", tt.now)
			k := got["carers"]
			if k.State != tt.want {
				t.Errorf("carers: %q, want %q", k.State, tt.want)
			}
			if c := [4]int{k.Rows, k.Accepted, k.Rejected, k.Warnings}; c != tt.counts {
				t.Errorf("carers: rows, accepted, rejected, warnings %v, want %v", c, tt.counts)
			}
			if k.EarlierInUse != tt.earlierInUse {
				t.Errorf("carers: earlier in use %v, want %v", k.EarlierInUse, tt.earlierInUse)
			}
			// Sent on 5 October, before the due date of 30 October.
			if k.Late {
				t.Error("carers: late, but sent before the due date")
			}
			if s := got["finance"].State; s != returns.Overdue && tt.now.Equal(afterDue) {
				t.Errorf("finance: %q, want overdue", s)
			}
			// Support is not required: not sent, with a carers table sent,
			// is not overdue; with nothing sent at all it is.
			wantSupport := returns.NotSent
			if len(tt.files) == 0 && tt.now.Equal(afterDue) {
				wantSupport = returns.Overdue
			}
			if s := got["support"].State; s != wantSupport {
				t.Errorf("support: %q, want %q", s, wantSupport)
			}
		})
	}
}

func TestOf_LateAndReceived(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC) // after the due date
	f.send(t, "LEEDS-CC", "carers.csv", carersGood)
	got := f.state(t, "LEEDS-CC", f.now, returns.Waiting{ReceivedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	if k := got["carers"]; k.State != returns.Accepted || !k.Late {
		t.Errorf("carers sent on 3 November: %q, late %v; want accepted and late", k.State, k.Late)
	}
	// A file waiting to be checked makes every kind not yet sent received.
	if k := got["support"]; k.State != returns.Received || k.Late {
		t.Errorf("support with a file waiting since 1 October: %q, late %v; want received, on time", k.State, k.Late)
	}
}

func TestOf_OtherOrganisations(t *testing.T) {
	f := newFixture(t)
	f.send(t, "BRISTOL-CW", "carers.csv", carersGood)
	got := f.state(t, "LEEDS-CC", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if k := got["carers"]; k.State != returns.Overdue || k.UploadID != "" {
		t.Errorf("LEEDS-CC's carers after BRISTOL-CW sent theirs: %q, upload %q; want overdue and none", k.State, k.UploadID)
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	first := f.send(t, "LEEDS-CC", "carers.csv", carersOneBad)
	rejected := f.send(t, "LEEDS-CC", "carers.csv", carersAllBad)
	fixed := f.send(t, "LEEDS-CC", "carers.csv", carersGood)
	f.send(t, "BRISTOL-CW", "theirs.csv", carersWarning)
	got, err := returns.History(context.Background(), f.cfg.Lake, "LEEDS-CC", q3)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id       string
		status   lake.UploadState
		replaced bool
		inUse    int
		rows     [3]int // rows, accepted, rejected
	}{{fixed, lake.UploadDone, false, 1, [3]int{2, 2, 0}}, {rejected, lake.UploadRejected, false, 0, [3]int{1, 0, 1}}, {first, lake.UploadDone, true, 0, [3]int{2, 1, 1}}}
	if len(got) != len(want) {
		t.Fatalf("%d uploads, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		u := got[i]
		if u.UploadID != w.id || u.Status != w.status || u.Replaced() != w.replaced || len(u.InUse) != w.inUse || u.File != "carers.csv" {
			t.Errorf("upload %d: %s %s replaced %v in use %v; want %s %s replaced %v, %d in use", i, u.UploadID[:8], u.Status, u.Replaced(), u.InUse, w.id[:8], w.status, w.replaced, w.inUse)
		}
		if got := [3]int{u.Rows, u.Accepted, u.Rejected}; got != w.rows {
			t.Errorf("upload %d: rows, accepted, rejected %v, want %v", i, got, w.rows)
		}
	}
	other, err := returns.History(context.Background(), f.cfg.Lake, "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 2})
	if err != nil || len(other) != 0 {
		t.Errorf("2026-Q2: %v, %v; want nothing", other, err)
	}
}

func TestReadReport_OtherOrganisation(t *testing.T) {
	f := newFixture(t)
	id := f.send(t, "BRISTOL-CW", "carers.csv", carersGood)
	if _, err := returns.ReadReport(context.Background(), f.cfg.Lake, "BRISTOL-CW", id); err != nil {
		t.Fatalf("own report: %v", err)
	}
	_, err := returns.ReadReport(context.Background(), f.cfg.Lake, "LEEDS-CC", id)
	if pipeline.KindOf(err) != pipeline.NotFound {
		t.Errorf("another organisation's report: %v, want NotFound", err)
	}
}
