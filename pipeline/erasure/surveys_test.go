package erasure_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/erasure"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
)

// TestErase_Surveys erases a carer whose follow-ups came as survey
// responses, on a folder lake and on versitygw with versioning: E1 has
// accepted responses in two quarters (one partition of two micro-batches,
// one compacted) and a rejected one, E9 (never registered) a held one.
// After erasing E1 and E9, no object (and on S3 no version) holds either
// pseudonym; E2's responses are unchanged; the lake check is clean; E1's
// responses delivered again are duplicates, never stored; and a second
// erasure changes nothing.
func TestErase_Surveys(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T) (lake.Store, func(t *testing.T, key string) int)
	}{
		{"folder", func(t *testing.T) (lake.Store, func(*testing.T, string) int) {
			return folderLake(t, t.TempDir()).Store, nil
		}},
		{"versitygw", func(t *testing.T) (lake.Store, func(*testing.T, string) int) {
			srv := s3server.StartVersioned(t)
			client := srv.Client(t)
			srv.CreateBucket(t, "lake")
			if _, err := client.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String("lake"),
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
				t.Fatal(err)
			}
			versions := func(t *testing.T, key string) int {
				out, err := client.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String("lake"), Prefix: aws.String(key)})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, v := range out.Versions {
					if aws.ToString(v.Key) == key {
						n++
					}
				}
				return n
			}
			return s3store.NewFromClient(client, "lake", ""), versions
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store, versions := tt.store(t)
			std := standardtest.Load(t)
			l := &lake.Lake{Store: store}
			key := lakefixture.Key(t)
			carers := "client_ref,registration_date,employment_status,consent_followup\nE1,2025-12-01,UNEMPLOYED,Y\nE2,2025-12-02,UNEMPLOYED,Y\n"
			if _, err := ingest.Run(ctx, ingest.Config{Standard: std, Lake: l, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()},
				ingest.Request{Org: "LEEDS-CC", Period: pipeline.Period{Year: 2025, Quarter: 4}, Files: []ingest.File{{Name: "carers.csv", Data: strings.NewReader(carers), Size: int64(len(carers))}}}); err != nil {
				t.Fatal(err)
			}
			h, err := key.For("LEEDS-CC")
			if err != nil {
				t.Fatal(err)
			}
			id := func(ref string) string { return string(h.CarerID([]byte(ref))) }
			msg := func(n, ref, date, wave, status string) surveys.Message {
				d, _ := time.Parse(time.DateOnly, date)
				return surveys.Message{Org: "LEEDS-CC", Form: "f", Tool: surveys.Generic, ResponseID: n, MappingVersion: 1, Submitted: d, Received: d,
					Values: map[string]string{"client_ref": id(ref), "survey_date": date, "wave": wave, "employment_status": status}}
			}
			c := &surveys.Consumer{Standard: std, Lake: l}
			batches := [][]surveys.Message{
				{msg("r1", "E1", "2026-03-02", "W13", "EMPLOYED_PT"), msg("r2", "E2", "2026-03-03", "W13", "UNEMPLOYED")},
				{msg("r3", "E1", "2026-03-20", "W13", "NOT_A_STATUS"), msg("r4", "E9", "2026-03-21", "W13", "UNEMPLOYED"), msg("r5", "E2", "2026-03-22", "W26", "UNEMPLOYED")},
				{msg("r6", "E1", "2026-06-01", "W26", "EMPLOYED_FT"), msg("r7", "E2", "2026-06-02", "W26", "EMPLOYED_FT")},
			}
			for _, b := range batches {
				if _, err := c.Process(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := surveys.Compact(ctx, l, "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 2}); err != nil {
				t.Fatal(err)
			}
			surveyRows := func(ref string) []string {
				ds, err := lakedata.Load(ctx, l, std, "LEEDS-CC")
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, f := range ds.Followups {
					if f.Survey && f.CarerID == id(ref) {
						out = append(out, f.Wave+" "+f.Date.String()+" "+f.EmploymentStatus)
					}
				}
				slices.Sort(out)
				return out
			}
			e2 := surveyRows("E2")
			if got := surveyRows("E1"); len(got) != 2 || len(e2) != 3 || !storeHolds(t, l, id("E1")) || !storeHolds(t, l, id("E9")) {
				t.Fatalf("before: E1 %v, E2 %v", got, e2)
			}
			for _, area := range []string{"held", "rejected"} {
				if keys, err := l.SurveyRecordKeys(ctx, area, "LEEDS-CC"); err != nil || len(keys) != 1 {
					t.Fatalf("%s before the erasure: %v %v, want one", area, keys, err)
				}
			}
			if m, _, _, err := l.SurveyPartition(ctx, "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 1}); err != nil || len(m.Files) != 2 {
				t.Fatalf("2026-Q1's files %v %v, want two micro-batches", m.Files, err)
			}
			cfg := erasure.Config{Standard: std, Lake: l, Key: key}
			var removed []string
			for _, ref := range []string{"E1", "E9"} {
				rec, err := erasure.Erase(ctx, cfg, erasure.Request{Org: "LEEDS-CC", ClientRef: ref, RequestedBy: "the carer", Reason: "Art. 17"})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range rec.Objects {
					if o.Action == erasure.ActionRemoved || o.Action == erasure.ActionRedacted {
						removed = append(removed, o.Key)
					}
				}
			}
			for _, ref := range []string{"E1", "E9"} {
				if storeHolds(t, l, id(ref)) {
					t.Errorf("an object still holds %s's pseudonym", ref)
				}
			}
			if versions != nil {
				for _, k := range removed {
					if n := versions(t, k); n > 0 && strings.HasPrefix(k, "surveys/held/") || n > 0 && strings.HasPrefix(k, "surveys/rejected/") || n > 1 {
						t.Errorf("%s: %d versions left", k, n)
					}
				}
			}
			if got := surveyRows("E1"); len(got) != 0 {
				t.Errorf("E1's responses after the erasure: %v", got)
			}
			if got := surveyRows("E2"); !slices.Equal(got, e2) {
				t.Errorf("E2's responses %v, were %v", got, e2)
			}
			for _, area := range []string{"held", "rejected"} {
				keys, err := l.SurveyRecordKeys(ctx, area, "LEEDS-CC")
				if err != nil || len(keys) != 0 {
					t.Errorf("%s after the erasure: %v %v", area, keys, err)
				}
			}
			checkClean(t, l)
			// E1's responses delivered again are already received.
			res, err := c.Process(ctx, []surveys.Message{batches[0][0], batches[2][0]})
			if err != nil || res.Duplicates != 2 || res.Accepted != 0 {
				t.Errorf("E1's responses again: %+v %v, want 2 duplicates", res, err)
			}
			// A new response of E1 is dropped by a consumer with the key,
			// never stored nor held (without the key it would be held, as
			// for any carer not registered).
			withKey := &surveys.Consumer{Standard: std, Lake: l, Key: key}
			res, err = withKey.Process(ctx, []surveys.Message{msg("r8", "E1", "2026-06-20", "W52", "EMPLOYED_FT"), msg("r9", "E2", "2026-06-21", "W52", "EMPLOYED_FT")})
			if err != nil || res.Erased != 1 || res.Accepted != 1 {
				t.Errorf("a new response of E1: %+v %v, want it dropped as erased", res, err)
			}
			if storeHolds(t, l, id("E1")) {
				t.Error("E1's new response was stored")
			}
			before := allObjects(t, l)
			if _, err := erasure.Erase(ctx, cfg, erasure.Request{Org: "LEEDS-CC", ClientRef: "E1", RequestedBy: "the carer", Reason: "Art. 17"}); err != nil {
				t.Fatal(err)
			}
			if after := allObjects(t, l); !slices.Equal(after, before) {
				t.Errorf("a second erasure changed the survey area:\n  %v\nwas\n  %v", after, before)
			}
			checkClean(t, l)
		})
	}
}

// storeHolds reads every object of the lake and reports whether any holds
// the pseudonym, Parquet decoded.
func storeHolds(t *testing.T, l *lake.Lake, carer string) bool {
	t.Helper()
	objs, err := l.Store.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range objs {
		rc, _, err := l.Store.Get(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(carer)) || strings.HasSuffix(o.Key, ".parquet") && parquetHolds(t, o.Key, b, carer) {
			t.Logf("%s holds the pseudonym", o.Key)
			found = true
		}
	}
	return found
}

// allObjects are the survey area's keys and sizes.
func allObjects(t *testing.T, l *lake.Lake) []string {
	t.Helper()
	objs, err := l.Store.List(context.Background(), "surveys/")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key+" "+o.ETag)
	}
	slices.Sort(out)
	return out
}

func checkClean(t *testing.T, l *lake.Lake) {
	t.Helper()
	rep, err := l.Check(context.Background(), curated.CheckOptions(standardtest.Load(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Errorf("lake check: %s", f)
	}
}
