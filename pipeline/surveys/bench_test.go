package surveys_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// benchResponses are n responses of 20,000 carers (five waves each),
// submitted in 2026-Q3, as the webhook queues them.
func benchResponses(tb testing.TB, n int) (carers string, msgs []surveys.Message) {
	tb.Helper()
	h, err := testKey(tb).For("LEEDS-CC")
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
	const people = 20_000
	for i := range people {
		fmt.Fprintf(&b, "P%05d,2024-01-01,UNEMPLOYED,Y\n", i)
	}
	waves := []string{"BASELINE", "W13", "W26", "W52", "W104"}
	statuses := []string{"EMPLOYED_FT", "EMPLOYED_PT", "UNEMPLOYED", "INACTIVE_CARING", "TRAINING"}
	for i := range n {
		day := time.Date(2026, 7, 1+i%90, 10, 0, 0, 0, time.UTC)
		msgs = append(msgs, surveys.Message{Org: "LEEDS-CC", Form: "w26-typeform", Tool: surveys.Typeform, ResponseID: fmt.Sprintf("bench-%d", i),
			MappingVersion: 1, Submitted: day, Received: day,
			Values: map[string]string{"client_ref": string(h.CarerID(fmt.Appendf(nil, "P%05d", i%people))), "wave": waves[i/people%5],
				"survey_date": day.Format(time.DateOnly), "employment_status": statuses[i%5], "confidence": fmt.Sprint(1 + i%5), "response_mode": "ONLINE"}})
	}
	return b.String(), msgs
}

// BenchmarkCompact merges one partition of 100,000 responses, written as
// 100 micro-batches of 1,000, into one file. The anchor is the consumer
// writing the same 100,000 responses as one batch (validation, Parquet,
// commit): what the responses cost to write in the first place.
func BenchmarkCompact(b *testing.B) {
	ctx := context.Background()
	const n, batch = 100_000, 1_000
	carers, msgs := benchResponses(b, n)
	for b.Loop() {
		b.StopTimer()
		e := newEnvEmpty(b)
		e.ingest(b, pipeline.Period{Year: 2024, Quarter: 1}, "carers.csv", carers)
		for start := 0; start < n; start += batch {
			if _, err := e.c.Process(ctx, msgs[start:start+batch]); err != nil {
				b.Fatal(err)
			}
		}
		anchor := newEnvEmpty(b)
		anchor.ingest(b, pipeline.Period{Year: 2024, Quarter: 1}, "carers.csv", carers)
		b.StartTimer()

		start := time.Now()
		if _, err := anchor.c.Process(ctx, msgs); err != nil {
			b.Fatal(err)
		}
		anchorTime := time.Since(start)
		start = time.Now()
		merged, err := surveys.Compact(ctx, e.lake, "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 3})
		if err != nil || !merged {
			b.Fatalf("compact: %v %v", merged, err)
		}
		compactTime := time.Since(start)

		b.StopTimer()
		man, _, _, err := e.lake.SurveyPartition(ctx, "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 3})
		if err != nil || len(man.Files) != 1 || man.Rows != n {
			b.Fatalf("after compaction: %d files, %d rows, %v", len(man.Files), man.Rows, err)
		}
		obj, err := e.lake.Store.Stat(ctx, man.Files[0].Key)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(compactTime.Seconds(), "compact-s")
		b.ReportMetric(anchorTime.Seconds(), "anchor-write-s")
		b.ReportMetric(compactTime.Seconds()/anchorTime.Seconds(), "ratio")
		b.ReportMetric(float64(obj.Size)/1e6, "file-MB")
		b.StartTimer()
	}
}
