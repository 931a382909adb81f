// Command uploads is the Lambda function behind the organisations' HTTP API
// (API Gateway HTTP API with a JWT authoriser). It hands out presigned URLs
// for a return to land in the landing bucket, and tells an organisation what
// became of its uploads. The organisation is always the token's, never the
// request's: the landing key it signs is the only place the ingest function
// learns who sent a file, so no caller can land a file, or read a report, as
// another organisation. It is wiring only: configuration from the environment
// into a struct, adapters built, the handler in handler.go called.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// config is the function's environment.
type config struct {
	LandingBucket    string        // LANDING_BUCKET: where uploads land (required)
	RawBucket        string        // RAW_BUCKET: the bucket landing replicates every upload to (optional), purged by an erasure as landing is
	LakeBucket       string        // LAKE_BUCKET: the lake's bucket (required)
	LakePrefix       string        // LAKE_PREFIX: optional key prefix inside it
	s3store.Location               // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	ClaimOrg         string        // CLAIM_ORG: the JWT claim naming the organisation (default custom:org)
	MaxUploadMB      int           // MAX_UPLOAD_MB: the largest file a URL is signed for (default 50)
	URLTTL           time.Duration // UPLOAD_URL_TTL: how long an upload URL (or a report link) is valid (default 15m)
	ReportsBucket    string        // REPORTS_BUCKET: where the report function stores reports (optional: no report links without it)
	LeadGroup        string        // LEAD_GROUP: the user pool group of the consortium's leads (default lead): they see every return and may erase
	Organisations    []string      // ORGANISATIONS: the member organisations' codes, comma-separated, for the lead's view
	DueDays          int           // RETURNS_DUE_DAYS: days after a quarter's end its return is due (default 30)
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{
		LandingBucket: env.Required("LANDING_BUCKET"), RawBucket: getenv("RAW_BUCKET"), LakeBucket: env.Required("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"),
		ClaimOrg:      env.String("CLAIM_ORG", "custom:org"),
		MaxUploadMB:   env.Int("MAX_UPLOAD_MB", 50, 1, 5<<10, "a whole number of MB, at most 5120 (S3's largest single PUT)"),
		URLTTL:        env.Duration("UPLOAD_URL_TTL", 15*time.Minute, time.Second, 7*24*time.Hour, "a duration such as 15m, from 1s to 168h"),
		ReportsBucket: getenv("REPORTS_BUCKET"), LeadGroup: env.String("LEAD_GROUP", "lead"),
		Organisations: env.List("ORGANISATIONS"),
		DueDays:       env.Int("RETURNS_DUE_DAYS", consortium.DefaultDueDays, 0, 365, "a whole number of days from 0 to 365"),
	}
	if err := env.Err(); err != nil {
		return c, err
	}
	loc, err := s3store.LocationFromEnv(getenv)
	c.Location = loc
	return c, err
}

func main() {
	lambdaboot.Start(func(ctx context.Context, getenv func(string) string, log *slog.Logger) (any, error) {
		h, err := newHandler(ctx, getenv, log)
		return h.Handle, err
	})
}
