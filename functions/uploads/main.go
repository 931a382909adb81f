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
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"

	"github.com/aws/aws-lambda-go/lambda"
)

// config is the function's environment.
type config struct {
	LandingBucket    string        // LANDING_BUCKET: where uploads land (required)
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
	c := config{
		LandingBucket: getenv("LANDING_BUCKET"), LakeBucket: getenv("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"),
		ClaimOrg: "custom:org", MaxUploadMB: 50, URLTTL: 15 * time.Minute,
		ReportsBucket: getenv("REPORTS_BUCKET"), LeadGroup: "lead", DueDays: consortium.DefaultDueDays,
	}
	if c.LandingBucket == "" {
		return c, fmt.Errorf("LANDING_BUCKET is not set")
	}
	if c.LakeBucket == "" {
		return c, fmt.Errorf("LAKE_BUCKET is not set")
	}
	loc, err := s3store.LocationFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Location = loc
	if s := getenv("CLAIM_ORG"); s != "" {
		c.ClaimOrg = s
	}
	if s := getenv("MAX_UPLOAD_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 5<<10 {
			return c, fmt.Errorf("MAX_UPLOAD_MB %q: want a whole number of MB, at most 5120 (S3's largest single PUT)", s)
		}
		c.MaxUploadMB = n
	}
	if s := getenv("LEAD_GROUP"); s != "" {
		c.LeadGroup = s
	}
	for _, o := range strings.Split(getenv("ORGANISATIONS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.Organisations = append(c.Organisations, o)
		}
	}
	if s := getenv("RETURNS_DUE_DAYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 365 {
			return c, fmt.Errorf("RETURNS_DUE_DAYS %q: want a whole number of days from 0 to 365", s)
		}
		c.DueDays = n
	}
	if s := getenv("UPLOAD_URL_TTL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > 7*24*time.Hour {
			return c, fmt.Errorf("UPLOAD_URL_TTL %q: want a duration such as 15m, from 1s to 168h", s)
		}
		c.URLTTL = d
	}
	return c, nil
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := newHandler(context.Background(), os.Getenv, log)
	if err != nil {
		// Lambda reports the exit as an initialisation error; the message
		// says which setting is missing or wrong.
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
