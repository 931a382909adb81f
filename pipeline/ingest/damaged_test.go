package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/booktest"
	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
)

// TestRun_DamagedWorkbookStoresNothing: a workbook whose archive is damaged
// is refused whole, with no Parquet file anywhere in the lake, however much
// of its sheet could have been read.
func TestRun_DamagedWorkbookStoresNothing(t *testing.T) {
	good := booktest.Sheet(t, "carers", 2001, func(i int) []any {
		if i == 1 {
			return []any{"client_ref", "registration_date", "employment_status", "consent_followup"}
		}
		return []any{fmt.Sprintf("LCC-%05d", i), "2026-07-01", "UNEMPLOYED", "Y"}
	})
	for _, d := range zipdamage.All() {
		t.Run(string(d), func(t *testing.T) {
			bad, err := zipdamage.Apply(good, zipdamage.FirstSheet(good), d)
			if err != nil {
				t.Fatal(err)
			}
			cfg := newConfig(t)
			res := run(t, cfg, q3, ingest.File{Name: "carers.xlsx", Data: bytes.NewReader(bad), Size: int64(len(bad))})
			if e := res.Report.Files[0].Error; e == nil || e.Code != "unreadable_file" || !strings.Contains(e.Message, "the workbook is damaged") {
				t.Errorf("file error %+v, want unreadable_file", e)
			}
			for _, obj := range listing(t, cfg.Lake) {
				if strings.Contains(obj, ".parquet") || strings.HasPrefix(obj, "curated/") {
					t.Errorf("stored %s", obj)
				}
			}
		})
	}
	t.Run("undamaged", func(t *testing.T) {
		cfg := newConfig(t)
		run(t, cfg, q3, ingest.File{Name: "carers.xlsx", Data: bytes.NewReader(good), Size: int64(len(good))})
		if got := keys(t, cfg.Lake, "curated/"); len(got) != 1 || !strings.HasSuffix(got[0], ".parquet") {
			t.Errorf("curated files %q, want the one table", got)
		}
	})
}

// TestRun_LedgerCountsEveryError: the ingest log counts every error of a
// table, not only the first ten of each column the report lists.
func TestRun_LedgerCountsEveryError(t *testing.T) {
	cfg := newConfig(t)
	rows := strings.Repeat("LCC-1,2026-07-01,COOKING\n", 25)
	run(t, cfg, q3, file("support.csv", "client_ref,date,activity\n"+rows))
	entries, err := cfg.Lake.Ledger(context.Background(), "LEEDS-CC")
	if err != nil || len(entries) != 1 {
		t.Fatalf("ingest log %+v, %v: want one entry", entries, err)
	}
	if e := entries[0]; e.Kind != "support" || e.ErrorsByCode["unknown_code"] != 25 {
		t.Errorf("entry %s: errors_by_code = %v, want 25 unknown_code", e.Kind, e.ErrorsByCode)
	}
}
