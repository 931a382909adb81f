package reportpage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// qualityValueRows is a hand-made data-quality summary of one quarter.
func qualityValueRows() []metrics.QualityRow {
	arrived := func(org, kind string, accepted int) metrics.QualityRow {
		return metrics.QualityRow{Org: org, Period: "2026-Q3", Kind: kind, Arrived: true, Due: "2026-10-30", OnTime: true,
			RowsRead: accepted, RowsAccepted: accepted, Uploads: 1}
	}
	org1 := arrived("ORG1", "carers", 10)
	org1.Coverage = &metrics.Coverage{Rows: 10, Columns: []metrics.ColumnCoverage{
		{Column: "gender", Unknown: 2, Missing: 2, Share: 0.4},
		{Column: "ethnicity", Missing: 1, Share: 0.1},
		{Column: "employment_status"},
		{Column: "consent_followup", Missing: 1, Share: 0.1},
	}}
	org1.Consent = &metrics.Consent{Rows: 10, Yes: 6, No: 3, Missing: 1, Share: 0.6}
	org1Support := arrived("ORG1", "support", 5)
	org1Support.Coverage = &metrics.Coverage{Rows: 5, Columns: []metrics.ColumnCoverage{{Column: "activity"}, {Column: "mode"}}}
	org1Finance := arrived("ORG1", "finance", 1)
	org1Finance.Coverage = &metrics.Coverage{Rows: 1, Columns: []metrics.ColumnCoverage{}}
	org2 := arrived("ORG2", "carers", 7) // ingested before values were counted
	org2Support := arrived("ORG2", "support", 4)
	org2Support.Coverage = &metrics.Coverage{Rows: 4, Columns: []metrics.ColumnCoverage{{Column: "activity"}, {Column: "mode", Missing: 3, Share: 0.75}}}
	return []metrics.QualityRow{org1, org1Support, org1Finance, org2, org2Support,
		{Org: "ORG3", Period: "2026-Q3", Kind: "carers", Due: "2026-10-30"}}
}

func TestWrite_QualityValues(t *testing.T) {
	r := Report{Period: "2026-Q3", Scope: "ORG1", Quality: qualityValueRows()}
	dir, page := write(t, r)
	tests := []struct {
		name string
		file string
		want string
	}{
		{
			// 6 of 10 agreed; ORG2's values were not counted; ORG3 sent
			// no carers return.
			name: "consent",
			file: "data-quality-consent.csv",
			want: "Organisation,Quarter,Carers rows,Agreed (Y),Refused (N),Not known (U),Missing,Share agreed\n" +
				"ORG1,2026-Q3,10,6,3,0,1,60.0%\n" +
				"ORG2,2026-Q3,7,not recorded,not recorded,not recorded,not recorded,not recorded\n" +
				"ORG3,2026-Q3,no return,—,—,—,—,—\n",
		},
		{
			// Largest share first, ethnicity before consent_followup at
			// 10% each (the standard's order); finance, with no coded
			// column, and ORG3's missing return are not listed.
			name: "values",
			file: "data-quality-values.csv",
			want: "Organisation,Quarter,Return,Rows stored,Columns with values U or missing: share of rows (U, missing)\n" +
				"ORG1,2026-Q3,carers,10,gender 40.0% (2 U, 2 missing); ethnicity 10.0% (1 missing); consent_followup 10.0% (1 missing)\n" +
				"ORG1,2026-Q3,support,5,none\n" +
				"ORG2,2026-Q3,carers,7,not recorded\n" +
				"ORG2,2026-Q3,support,4,mode 75.0% (3 missing)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			// encoding/csv quotes a cell with a comma in it.
			got := strings.ReplaceAll(string(b), `"`, "")
			if got != tt.want {
				t.Errorf("%s:\n%s\nwant\n%s", tt.file, got, tt.want)
			}
		})
	}
	t.Run("page", func(t *testing.T) {
		for _, want := range []string{
			`id="data-quality-consent-table"`, `id="data-quality-values-table"`, "60.0%",
			"gender 40.0% (2 U, 2 missing)", "mode 75.0% (3 missing)", "not recorded", "Columns with every value given are not listed",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// The counts have tables of their own, not columns of the main one.
		b, err := os.ReadFile(filepath.Join(dir, "data-quality.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if head, _, _ := strings.Cut(string(b), "\n"); strings.Contains(head, "Coverage") || strings.Contains(head, "Consent") {
			t.Errorf("data-quality.csv head: %s", head)
		}
	})
}

func TestQualityParts_OtherSummaries(t *testing.T) {
	tests := []struct {
		name string
		q    []metrics.QualityRow
		want int
	}{
		{"nil", nil, 0},
		{"carers, not arrived", []metrics.QualityRow{{Org: "ORG1", Period: "2026-Q3", Kind: "carers"}}, 1}, // consent: no return
		{"no carers, none arrived", []metrics.QualityRow{{Org: "ORG1", Period: "2026-Q3", Kind: "support"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := qualityParts(tt.q); len(got) != tt.want {
				t.Errorf("%d tables, want %d: %+v", len(got), tt.want, got)
			}
		})
	}
}

// TestQualityTable_Columns checks the table of the returns cell by cell:
// one column per field of metrics.QualityRow but the coverage and consent,
// which have tables of their own.
func TestQualityTable_Columns(t *testing.T) {
	rows := []metrics.QualityRow{
		{Org: "ORG1", Period: "2026-Q3", Kind: "carers", Arrived: true, Received: "2026-11-02", FirstReceived: "2026-10-20",
			Due: "2026-10-30", OnTime: true, UploadID: "u1", RowsRead: 1234, RowsAccepted: 1230, RowsRejected: 4,
			RejectedByReason: map[string]int{"unknown_code": 1, "date_invalid": 3}, Uploads: 2, RejectedUploads: 1,
			LastRejected: "2026-10-19", LastRejectedByReason: map[string]int{"missing_column": 1}},
		{Org: "ORG2", Period: "2026-Q3", Kind: "support", Due: "2026-10-30"},
		{Org: "ORG2", Period: "2026-Q3", Kind: "followups", Due: "2026-10-30", SurveyResponses: 1715},
	}
	dir, _ := write(t, Report{Period: "2026-Q3", Scope: "ORG1", Quality: rows})
	b, err := os.ReadFile(filepath.Join(dir, "data-quality.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Org,Period,Kind,Arrived,Received,First received,Due,On time,Upload Id,Rows read,Rows accepted,Rows rejected,Rejected by reason,Uploads,Rejected uploads,Last rejected,Last rejected by reason,Survey responses\n" +
		"ORG1,2026-Q3,carers,yes,2026-11-02,2026-10-20,2026-10-30,yes,u1,\"1,234\",\"1,230\",4,\"date_invalid 3, unknown_code 1\",2,1,2026-10-19,missing_column 1,—\n" +
		"ORG2,2026-Q3,support,no,—,—,2026-10-30,no,—,0,0,0,—,0,0,—,—,—\n" +
		"ORG2,2026-Q3,followups,no,—,—,2026-10-30,no,—,0,0,0,—,0,0,—,—,\"1,715\"\n"
	if string(b) != want {
		t.Errorf("data-quality.csv:\n%s\nwant:\n%s", b, want)
	}
	if qualityTable(nil) != nil {
		t.Error("a table with no summary")
	}
}
