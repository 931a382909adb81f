package surveys_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// The due list of a small organisation on 1 April 2026, worked out by hand
// (weeks × 7 days from each registration date):
//
//	row 2 D1 registered 2026-01-05: W13 falls due 2026-04-06, within 4 weeks: due
//	row 3 D2 registered 2025-12-01: W13 was due 2026-03-02, answered in a return: not listed
//	row 4 D3 registered 2025-12-15: W13 was due 2026-03-16, no answer, window open: overdue
//	row 5 D4 registered 2025-12-10: no consent to follow-ups: never listed
//	row 6 D5 registered 2025-04-01: W52 was due 2026-03-31: overdue; W26 (2025-09-30) closed 2025-11-25
//	row 7 D6 registered 2025-10-01: W26 falls due 2026-04-01, answered early through a webhook: not listed
//	row 8 D7 registered 2024-04-08: W104 falls due 2026-04-06: due
//	row 9 D8 registered 2026-01-05: W13 due 2026-04-06; its Q2 row (an update) does not move its registration
const (
	dueCarersQ1 = "client_ref,registration_date,employment_status,consent_followup\n" +
		"D1,2026-01-05,UNEMPLOYED,Y\nD2,2025-12-01,UNEMPLOYED,Y\nD3,2025-12-15,UNEMPLOYED,Y\nD4,2025-12-10,UNEMPLOYED,N\n" +
		"D5,2025-04-01,UNEMPLOYED,Y\nD6,2025-10-01,UNEMPLOYED,Y\nD7,2024-04-08,UNEMPLOYED,Y\nD8,2026-01-05,UNEMPLOYED,Y\n"
	dueCarersQ2   = "client_ref,registration_date,employment_status,consent_followup\nD8,2026-01-05,EMPLOYED_PT,Y\n"
	dueFollowups  = "client_ref,survey_date,wave,employment_status\nD2,2026-03-03,W13,EMPLOYED_FT\n"
	wantDueHeader = "wave,due_date,status,registration_date,file,sheet,row,upload_id\n"
)

func TestDueList(t *testing.T) {
	ctx := context.Background()
	e := newEnvEmpty(t)
	q1, q2 := pipeline.Period{Year: 2026, Quarter: 1}, pipeline.Period{Year: 2026, Quarter: 2}
	e.ingest(t, q1, "carers-2026-q1.csv", dueCarersQ1)
	e.ingest(t, q2, "carers-2026-q2.csv", dueCarersQ2)
	e.ingest(t, q1, "followups.csv", dueFollowups)
	h, err := testKey(t).For("LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	early := surveys.Message{Org: "LEEDS-CC", Form: "w26-typeform", Tool: surveys.Typeform, ResponseID: "tok-d6", MappingVersion: 1,
		Submitted: time.Date(2026, 3, 30, 10, 0, 0, 0, time.UTC), Received: time.Date(2026, 3, 30, 10, 0, 1, 0, time.UTC),
		Values: map[string]string{"client_ref": string(h.CarerID([]byte("D6"))), "wave": "W26", "survey_date": "2026-03-30", "employment_status": "EMPLOYED_PT"}}
	if res, err := e.c.Process(ctx, []surveys.Message{early}); err != nil || res.Accepted != 1 {
		t.Fatalf("webhook answer: %+v, %v", res, err)
	}
	list, err := surveys.DueList(ctx, e.lake, e.std, "LEEDS-CC", pipeline.CivilDays(2026, 4, 1))
	if err != nil {
		t.Fatal(err)
	}
	id := uploadOf(t, e, q1)
	want := wantDueHeader +
		"W13,2026-03-16,overdue,2025-12-15,carers-2026-q1.csv,,4," + id + "\n" +
		"W52,2026-03-31,overdue,2025-04-01,carers-2026-q1.csv,,6," + id + "\n" +
		"W13,2026-04-06,due,2026-01-05,carers-2026-q1.csv,,2," + id + "\n" +
		"W104,2026-04-06,due,2024-04-08,carers-2026-q1.csv,,8," + id + "\n" +
		"W13,2026-04-06,due,2026-01-05,carers-2026-q1.csv,,9," + id + "\n"
	var got bytes.Buffer
	if err := surveys.WriteDueCSV(&got, list); err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Fatalf("due list\n%s\nwant\n%s", got.String(), want)
	}
	if strings.Contains(got.String(), "D1") || strings.Contains(got.String(), string(h.CarerID([]byte("D1")))) {
		t.Fatal("the due list names a carer")
	}
}

func uploadOf(tb testing.TB, e *env, p pipeline.Period) string {
	tb.Helper()
	ptrs, err := e.lake.Pointers(context.Background(), "carers", "LEEDS-CC")
	if err != nil {
		tb.Fatal(err)
	}
	for _, ptr := range ptrs {
		if ptr.Period == p.String() {
			return ptr.UploadID
		}
	}
	tb.Fatalf("no carers return for %s", p)
	return ""
}
