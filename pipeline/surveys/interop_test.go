package surveys_test

import (
	"context"
	"database/sql"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// DuckDB, an independent reader, runs docs/surveys.md's query on a lake of
// returned follow-ups and survey responses: it sees every row of both, the
// same before and after compaction.
func TestDocsQuery_DuckDB(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.ingest(t, pipeline.Period{Year: 2026, Quarter: 2}, "followups.csv", "client_ref,survey_date,wave,employment_status\nC001,2026-06-01,W26,UNEMPLOYED\n")
	for _, m := range messages(t) {
		if _, err := e.c.Process(ctx, []surveys.Message{m}); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := os.ReadFile("../../docs/surveys.md")
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.MustCompile("(?s)```sql\n(SELECT f\\.\\*.*?)\n```").FindSubmatch(doc)
	if q == nil {
		t.Fatal("no query in docs/surveys.md")
	}
	query := strings.TrimSuffix(strings.ReplaceAll(string(q[1]), "'lake/", "'"+e.dir+"/"), ";")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read := func() []string {
		rows, err := db.Query("SELECT carer_id, wave, CAST(survey_date AS VARCHAR), employment_status FROM (" + query + ") ORDER BY ALL")
		if err != nil {
			t.Fatalf("%v\n%s", err, query)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, wave, date, status string
			if err := rows.Scan(&id, &wave, &date, &status); err != nil {
				t.Fatal(err)
			}
			out = append(out, id+" "+wave+" "+date+" "+status)
		}
		return out
	}
	before := read()
	if len(before) != len(wantRows)+1 {
		t.Fatalf("%d rows, want %d:\n%s", len(before), len(wantRows)+1, strings.Join(before, "\n"))
	}
	if _, err := surveys.CompactAll(ctx, e.lake, ""); err != nil {
		t.Fatal(err)
	}
	if after := read(); !slices.Equal(after, before) {
		t.Fatalf("after compaction\n%s\nbefore\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
}
