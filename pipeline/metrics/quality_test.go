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
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "u1", RowsRead: 10, RowsAccepted: 8, RowsRejected: 2,
			ErrorsByCode: map[string]int{"bad_date": 2}, ReceivedAt: qualityAt("2026-10-05T09:00:00Z"), CommittedAt: qualityAt("2026-10-05T09:01:00Z"), Status: lake.StatusCurrent},
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", UploadID: "u3", RowsRead: 10, RowsAccepted: 10,
			ReceivedAt: qualityAt("2026-11-20T09:00:00Z"), CommittedAt: qualityAt("2026-11-20T09:01:00Z"), Status: lake.StatusCurrent, SupersededUploadID: "u1"},
		// AAA support: received on the last day, late in the evening.
		{Org: "AAA", Period: "2026-Q3", Kind: "support", UploadID: "u2", RowsRead: 5, RowsAccepted: 4, RowsRejected: 1,
			ErrorsByCode: map[string]int{"unknown_code": 1}, ReceivedAt: qualityAt("2026-10-30T23:59:00Z"), CommittedAt: qualityAt("2026-10-31T00:00:30Z"), Status: lake.StatusCurrent},
		// AAA outcomes: rejected whole, never stored.
		{Org: "AAA", Period: "2026-Q3", Kind: "outcomes", UploadID: "u4", RowsRead: 3, RowsRejected: 3,
			ErrorsByCode: map[string]int{"missing_column": 1}, ReceivedAt: qualityAt("2026-10-10T09:00:00Z"), CommittedAt: qualityAt("2026-10-10T09:00:05Z"), Status: lake.StatusRejected},
		// BBB carers: first arrived late; a rejected attempt came after.
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
		{Org: "AAA", Period: "2026-Q3", Kind: "carers", Arrived: true, Received: "2026-11-20", FirstReceived: "2026-10-05",
			Due: "2026-10-30", OnTime: true, UploadID: "u3", RowsRead: 10, RowsAccepted: 10, Uploads: 2},
		missing("AAA", "followups"),
		func() QualityRow {
			r := missing("AAA", "outcomes")
			r.Uploads, r.RejectedUploads, r.LastRejected = 1, 1, "2026-10-10"
			r.LastRejectedByReason = map[string]int{"missing_column": 1}
			return r
		}(),
		{Org: "AAA", Period: "2026-Q3", Kind: "support", Arrived: true, Received: "2026-10-30", FirstReceived: "2026-10-30",
			Due: "2026-10-30", OnTime: true, UploadID: "u2", RowsRead: 5, RowsAccepted: 4, RowsRejected: 1,
			RejectedByReason: map[string]int{"unknown_code": 1}, Uploads: 1},
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

	var gone []string
	for _, r := range MissingReturns(rows) {
		gone = append(gone, r.Org+" "+r.Kind)
	}
	wantGone := []string{"AAA followups", "AAA outcomes", "BBB followups", "BBB outcomes", "BBB support"}
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
