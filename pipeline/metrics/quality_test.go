package metrics

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

func qualityAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// qualityLedger is a hand-made ingest log. The quarter 2026-Q3 ends on
// 30 September, so returns are on time up to 30 October.
func qualityLedger() []lake.LedgerEntry {
	return []lake.LedgerEntry{
		// AAA carers: on time, then replaced by a late correction.
		// The values counted of u1 are not shown: u3 replaced it.
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "u1", RowsRead: 10, RowsAccepted: 8, RowsRejected: 2,
			ErrorsByCode: map[string]int{"bad_date": 2}, ReceivedAt: qualityAt("2026-10-05T09:00:00Z"), CommittedAt: qualityAt("2026-10-05T09:01:00Z"), Status: lake.StatusCurrent,
			Values: &lake.ValueCounts{Rows: 8, Columns: []lake.ColumnCounts{{Column: "gender", Missing: 8}, {Column: "consent_followup", Codes: map[string]int{"N": 8}}}}},
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "u3", RowsRead: 10, RowsAccepted: 10,
			ReceivedAt: qualityAt("2026-11-20T09:00:00Z"), CommittedAt: qualityAt("2026-11-20T09:01:00Z"), Status: lake.StatusCurrent, SupersededUploadID: "u1",
			Values: &lake.ValueCounts{Rows: 10, Columns: []lake.ColumnCounts{
				{Column: "gender", Missing: 2, Codes: map[string]int{"F": 5, "M": 1, "U": 2}},
				{Column: "employment_status", Codes: map[string]int{"UNEMPLOYED": 9, "U": 1}},
				{Column: "consent_followup", Missing: 1, Codes: map[string]int{"Y": 6, "N": 3}},
			}}},
		// AAA support: received on the last day, late in the evening.
		{Org: "AAA", Period: "2026-Q3", Kind: "support", UploadID: "u2", RowsRead: 5, RowsAccepted: 4, RowsRejected: 1,
			ErrorsByCode: map[string]int{"unknown_code": 1}, ReceivedAt: qualityAt("2026-10-30T23:59:00Z"), CommittedAt: qualityAt("2026-10-31T00:00:30Z"), Status: lake.StatusCurrent,
			Values: &lake.ValueCounts{Rows: 4, Columns: []lake.ColumnCounts{
				{Column: "activity", Codes: map[string]int{"CV_WRITING": 4}},
				{Column: "mode", Missing: 3, Codes: map[string]int{"ONLINE": 1}},
			}}},
		// AAA outcomes: rejected whole, never stored.
		{Org: "AAA", Period: "2026-Q3", Kind: "outcomes", UploadID: "u4", RowsRead: 3, RowsRejected: 3,
			ErrorsByCode: map[string]int{"missing_column": 1}, ReceivedAt: qualityAt("2026-10-10T09:00:00Z"), CommittedAt: qualityAt("2026-10-10T09:00:05Z"), Status: lake.StatusRejected},
		// BBB carers: first arrived late; a rejected attempt came after.
		// Ingested before values were counted: not recorded.
		{Org: "BBB", Period: "2026-Q3", Kind: "carers", UploadID: "v1", RowsRead: 7, RowsAccepted: 7,
			ReceivedAt: qualityAt("2026-10-31T08:00:00Z"), CommittedAt: qualityAt("2026-10-31T08:00:10Z"), Status: lake.StatusCurrent},
		{Org: "BBB", Period: "2026-Q3", Kind: "carers", UploadID: "v2", RowsRead: 7, RowsRejected: 7,
			ErrorsByCode: map[string]int{"personal_data": 7}, ReceivedAt: qualityAt("2026-11-02T08:00:00Z"), CommittedAt: qualityAt("2026-11-02T08:00:10Z"), Status: lake.StatusRejected},
		// Another quarter, and an organisation not asked about.
		{Org: "BBB", Period: "2026-Q2", Kind: "followups", UploadID: "w1", RowsRead: 1, RowsAccepted: 1,
			ReceivedAt: qualityAt("2026-07-01T08:00:00Z"), CommittedAt: qualityAt("2026-07-01T08:00:10Z"), Status: lake.StatusCurrent},
		{Org: "ZZZ", Period: "2026-Q3", Kind: "carers", UploadID: "z1", RowsRead: 1, RowsAccepted: 1,
			ReceivedAt: qualityAt("2026-10-01T08:00:00Z"), CommittedAt: qualityAt("2026-10-01T08:00:10Z"), Status: lake.StatusCurrent},
	}
}

func TestQuality(t *testing.T) {
	q3 := pipeline.Period{Year: 2026, Quarter: 3}
	rows := Quality(qualityLedger(), []string{"AAA", "BBB", "AAA"}, q3)
	missing := func(org, kind string) QualityRow {
		return QualityRow{Org: org, Period: "2026-Q3", Kind: kind, Due: "2026-10-30"}
	}
	want := []QualityRow{
		// Of u3's 10 rows: gender 2 U + 2 missing = 4/10; employment 1 U
		// = 1/10; consent 1 missing = 1/10, and 6 of 10 agreed.
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", Arrived: true, Received: "2026-11-20", FirstReceived: "2026-10-05",
			Due: "2026-10-30", OnTime: true, UploadID: "u3", RowsRead: 10, RowsAccepted: 10, Uploads: 2,
			Coverage: &Coverage{Rows: 10, Columns: []ColumnCoverage{
				{Column: "gender", Unknown: 2, Missing: 2, Share: 0.4},
				{Column: "employment_status", Unknown: 1, Share: 0.1},
				{Column: "consent_followup", Missing: 1, Share: 0.1},
			}},
			Consent: &Consent{Rows: 10, Yes: 6, No: 3, Missing: 1, Share: 0.6}},
		missing("AAA", "followups"),
		func() QualityRow {
			r := missing("AAA", "outcomes")
			r.Uploads, r.RejectedUploads, r.LastRejected = 1, 1, "2026-10-10"
			r.LastRejectedByReason = map[string]int{"missing_column": 1}
			return r
		}(),
		{Org: "AAA", Period: "2026-Q3", Kind: "support", Arrived: true, Received: "2026-10-30", FirstReceived: "2026-10-30",
			Due: "2026-10-30", OnTime: true, UploadID: "u2", RowsRead: 5, RowsAccepted: 4, RowsRejected: 1,
			RejectedByReason: map[string]int{"unknown_code": 1}, Uploads: 1,
			// Of 4 rows: mode missing in 3; no consent outside carers.
			Coverage: &Coverage{Rows: 4, Columns: []ColumnCoverage{
				{Column: "activity"},
				{Column: "mode", Missing: 3, Share: 0.75},
			}}},
		{Org: "BBB", Period: "2026-Q3", Kind: "carers", Arrived: true, Received: "2026-10-31", FirstReceived: "2026-10-31",
			Due: "2026-10-30", OnTime: false, UploadID: "v1", RowsRead: 7, RowsAccepted: 7, Uploads: 2,
			RejectedUploads: 1, LastRejected: "2026-11-02", LastRejectedByReason: map[string]int{"personal_data": 7}},
		missing("BBB", "followups"),
		missing("BBB", "outcomes"),
		missing("BBB", "support"),
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if !reflect.DeepEqual(rows[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], want[i])
		}
	}

	// BBB's follow-ups came through a survey webhook: that return is not
	// missing.
	for i := range rows {
		if rows[i].Org == "BBB" && rows[i].Kind == "followups" {
			rows[i].SurveyResponses = 12
		}
	}
	var gone []string
	for _, r := range MissingReturns(rows) {
		gone = append(gone, r.Org+" "+r.Kind)
	}
	wantGone := []string{"AAA followups", "AAA outcomes", "BBB outcomes", "BBB support"}
	if !reflect.DeepEqual(gone, wantGone) {
		t.Errorf("missing returns = %v, want %v", gone, wantGone)
	}
}

func TestQualityOfKindsAndOrder(t *testing.T) {
	q3 := pipeline.Period{Year: 2026, Quarter: 3}
	rows := QualityOf(qualityLedger(), []string{"CCC"}, []string{"support", "finance"}, q3)
	if len(rows) != 2 || rows[0].Kind != "support" || rows[1].Kind != "finance" || rows[0].Arrived || rows[1].Arrived {
		t.Errorf("rows = %+v", rows)
	}
	// The ledger's order does not matter: the latest commit is in force.
	ledger := qualityLedger()
	ledger[0], ledger[1] = ledger[1], ledger[0]
	if r := Quality(ledger, []string{"AAA"}, q3)[0]; r.UploadID != "u3" || r.FirstReceived != "2026-10-05" {
		t.Errorf("reordered ledger: %+v", r)
	}
}

func TestQualityDoesNotShareMaps(t *testing.T) {
	ledger := qualityLedger()
	rows := Quality(ledger, []string{"AAA"}, pipeline.Period{Year: 2026, Quarter: 3})
	rows[3].RejectedByReason["unknown_code"] = 99
	if ledger[2].ErrorsByCode["unknown_code"] != 1 {
		t.Errorf("the row shares its map with the ledger")
	}
}

func TestQualityRowJSON(t *testing.T) {
	b, err := json.Marshal(QualityRow{Org: "AAA", Period: "2026-Q3", Kind: "carers", Due: "2026-10-30"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"org":"AAA","period":"2026-Q3","kind":"carers","arrived":false,"due":"2026-10-30","on_time":false,` +
		`"rows_read":0,"rows_accepted":0,"rows_rejected":0,"uploads":0,"rejected_uploads":0}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
}

func TestQualityOf_Values(t *testing.T) {
	q3 := pipeline.Period{Year: 2026, Quarter: 3}
	entry := func(kind string, v *lake.ValueCounts) lake.LedgerEntry {
		return lake.LedgerEntry{Org: "AAA", Period: "2026-Q3", Kind: kind, UploadID: "u1", RowsRead: 3, RowsAccepted: 3,
			ReceivedAt: qualityAt("2026-10-05T09:00:00Z"), CommittedAt: qualityAt("2026-10-05T09:01:00Z"), Status: lake.StatusCurrent, Values: v}
	}
	tests := []struct {
		name         string
		entry        lake.LedgerEntry
		wantCoverage *Coverage
		wantConsent  *Consent
	}{
		{
			// An entry written before values were counted.
			name:  "not recorded",
			entry: entry("carers", nil),
		},
		{
			// 3 rows: consent 1 Y, 1 U, 1 missing: 2 of 3 U or missing.
			name: "carers with consent",
			entry: entry("carers", &lake.ValueCounts{Rows: 3, Columns: []lake.ColumnCounts{
				{Column: "consent_followup", Missing: 1, Codes: map[string]int{"Y": 1, "U": 1}},
			}}),
			wantCoverage: &Coverage{Rows: 3, Columns: []ColumnCoverage{{Column: "consent_followup", Unknown: 1, Missing: 1, Share: 2.0 / 3}}},
			wantConsent:  &Consent{Rows: 3, Yes: 1, Unknown: 1, Missing: 1, Share: 1.0 / 3},
		},
		{
			// A header only: counted, nothing to share out.
			name: "no rows",
			entry: entry("carers", &lake.ValueCounts{Rows: 0, Columns: []lake.ColumnCounts{
				{Column: "gender"}, {Column: "consent_followup"},
			}}),
			wantCoverage: &Coverage{Rows: 0, Columns: []ColumnCoverage{{Column: "gender"}, {Column: "consent_followup"}}},
			wantConsent:  &Consent{},
		},
		{
			// Recorded, with no coded column at all.
			name:         "finance",
			entry:        entry("finance", &lake.ValueCounts{Rows: 1, Columns: []lake.ColumnCounts{}}),
			wantCoverage: &Coverage{Rows: 1, Columns: []ColumnCoverage{}},
		},
		{
			// A consent_followup column of another kind is not consent.
			name: "not carers",
			entry: entry("followups", &lake.ValueCounts{Rows: 2, Columns: []lake.ColumnCounts{
				{Column: "consent_followup", Codes: map[string]int{"Y": 2}},
			}}),
			wantCoverage: &Coverage{Rows: 2, Columns: []ColumnCoverage{{Column: "consent_followup"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := QualityOf([]lake.LedgerEntry{tt.entry}, []string{"AAA"}, []string{tt.entry.Kind}, q3)
			if len(rows) != 1 || !rows[0].Arrived {
				t.Fatalf("rows = %+v, want one arrived", rows)
			}
			if !reflect.DeepEqual(rows[0].Coverage, tt.wantCoverage) {
				t.Errorf("coverage = %+v, want %+v", rows[0].Coverage, tt.wantCoverage)
			}
			if !reflect.DeepEqual(rows[0].Consent, tt.wantConsent) {
				t.Errorf("consent = %+v, want %+v", rows[0].Consent, tt.wantConsent)
			}
		})
	}

	// An upload rejected whole stored nothing: no values, whatever it says.
	rejected := entry("carers", &lake.ValueCounts{Rows: 3})
	rejected.Status = lake.StatusRejected
	if r := QualityOf([]lake.LedgerEntry{rejected}, []string{"AAA"}, []string{"carers"}, q3)[0]; r.Coverage != nil || r.Consent != nil {
		t.Errorf("rejected upload: coverage %+v, consent %+v", r.Coverage, r.Consent)
	}
}

// TestQualityOf_PointerOrder: the return in force is the one the pointer's
// history made current last (the highest version), whatever the clocks of
// the machines that committed them said; an upload superseded on arrival
// counts as an upload and is never the one in force.
func TestQualityOf_PointerOrder(t *testing.T) {
	q3 := pipeline.Period{Year: 2026, Quarter: 3}
	at := qualityAt("2026-10-05T09:00:00Z")
	ledger := []lake.LedgerEntry{
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "late", Status: lake.StatusSupersededOnArrival, RowsRead: 9, RowsAccepted: 9,
			ReceivedAt: at.Add(-time.Hour), CommittedAt: at.Add(5 * time.Hour)},
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "v1", Status: lake.StatusCurrent, Version: 1, RowsRead: 3, RowsAccepted: 3,
			ReceivedAt: at, CommittedAt: at.Add(2 * time.Hour)},
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "v2", Status: lake.StatusCurrent, Version: 2, SupersededUploadID: "v1",
			RowsRead: 4, RowsAccepted: 4, ReceivedAt: at.Add(time.Hour), CommittedAt: at.Add(time.Hour)},
	}
	r := QualityOf(ledger, []string{"AAA"}, []string{"carers"}, q3)[0]
	if r.UploadID != "v2" || r.RowsAccepted != 4 || r.Uploads != 3 || r.RejectedUploads != 0 {
		t.Errorf("row %+v: want v2 in force with 4 rows, of 3 uploads", r)
	}
}
