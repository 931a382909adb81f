package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/erasure"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// TestUploads_Erase erases a carer of the hand-worked fixture through the
// API, as the consortium lead: the carer leaves the organisation's figures,
// the raw copies of the upload that held them are deleted from the landing
// bucket and from the raw bucket it replicates to, and those of one that
// did not are kept; a caller who is not the lead is refused.
func TestUploads_Erase(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "consortium.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := functest.StartS3(t, "landing", "lake", "raw")
	fn := srv.Run(t, pkg, "LANDING_BUCKET=landing", "RAW_BUCKET=raw", "LAKE_BUCKET=lake", "OUTCOMES_KEY_FILE="+keyFile)
	f := &fixture{s3: srv, client: srv.Client, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}, runtime: fn.Runtime}
	lakefixture.Into(t, standardtest.Load(t), f.lake).Backfill(t, lakefixture.ReportPath("returns", "manifest.json"))

	// Raw copies as the ingest function leaves them: S01's registration
	// came in 2025-Q2's carers.csv; 2026-Q2's does not hold S01.
	held := f.land(t, "2025-Q2", "0123456789abcdef0123456789abcdef")
	other := f.land(t, "2026-Q2", "fedcba9876543210fedcba9876543210")

	erase := func(role, body string) []byte {
		return edit(t, event(t, "apigw-post-uploads.json", map[string]string{"ORG": "ORG-B", "BODY": body}), func(m map[string]any) {
			m["rawPath"] = "/erasures"
			m["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = "/erasures"
			if role != "" {
				claims(m)["cognito:groups"] = role
			}
		})
	}
	body := `{"org":"ORG-A","client_ref":"S01","reason":"Art. 17 request received 2026-11-20"}`

	t.Run("only the lead may erase", func(t *testing.T) {
		for _, role := range []string{"", "[member]", "[leads]"} {
			var e errorBody
			decode(t, f.invoke(t, erase(role, body)), http.StatusForbidden, &e)
		}
		for _, bucket := range []string{"landing", "raw"} {
			if !f.exists(t, bucket, held) {
				t.Errorf("a refused erasure deleted the copy in %s", bucket)
			}
		}
	})
	t.Run("a bad request", func(t *testing.T) {
		var e errorBody
		decode(t, f.invoke(t, erase("[lead]", `{"org":"ORG-A","client_ref":"S01"}`)), http.StatusBadRequest, &e)
	})
	t.Run("the lead erases", func(t *testing.T) {
		var rec erasure.Record
		decode(t, f.invoke(t, erase("[lead]", body)), http.StatusOK, &rec)
		if rec.Status != erasure.StatusDone || rec.Org != "ORG-A" || len(rec.Files) != 7 {
			t.Errorf("record: status %s, org %s, %d files", rec.Status, rec.Org, len(rec.Files))
		}
		for _, bucket := range []string{"landing", "raw"} {
			if f.exists(t, bucket, held) {
				t.Errorf("%s: the copy %s of an upload that held the carer is still there", bucket, held)
			}
			if !f.exists(t, bucket, other) {
				t.Errorf("%s: the copy %s of an upload that did not hold the carer was deleted", bucket, other)
			}
		}
		// The carer is out of ORG-A's figures: 15 carers registered by
		// the report date (WORKING.md, section 1), now 14.
		var res lineage.Result
		decode(t, f.invoke(t, explainEvent(t, "ORG-A", map[string]string{"period": "2026-Q2", "figure": "reach.registered_cumulative"})), http.StatusOK, &res)
		if res.Counts["value"] != 14 {
			t.Errorf("counts %v, want value 14", res.Counts)
		}
	})
}

// land puts a raw copy of ORG-A's carers.csv of a quarter in the landing
// bucket and in the raw bucket (as replication copies it), with the
// landing record the ingest function writes, and returns its key.
func (f *fixture) land(tb testing.TB, period, id string) string {
	tb.Helper()
	data, err := os.ReadFile(lakefixture.ReportPath("returns", "ORG-A", period, "carers.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	p, _ := pipeline.ParsePeriod(period)
	key := landing.Key(landing.Upload{Org: "ORG-A", Period: p, ID: id, File: "carers.csv"})
	for _, bucket := range []string{"landing", "raw"} {
		if _, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
			tb.Fatal(err)
		}
	}
	sum := sha256.Sum256(data)
	rec, _ := json.Marshal(landing.Record{LandingID: id, UploadID: hex.EncodeToString(sum[:]), Org: "ORG-A", Period: period, File: "carers.csv", Status: lake.UploadDone})
	if _, err := f.lake.Store.Put(context.Background(), landing.RecordKey("ORG-A", id), bytes.NewReader(rec), int64(len(rec)), lake.Condition{}); err != nil {
		tb.Fatal(err)
	}
	return key
}

func (f *fixture) exists(tb testing.TB, bucket, key string) bool {
	tb.Helper()
	_, err := f.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err == nil
}
