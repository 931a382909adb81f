// Command ingest is the Lambda function that ingests uploaded returns: S3
// ObjectCreated events for landing/org=…/period=…/<id>/<file> arrive through
// SQS, and each file is ingested into the lake exactly as `outcomes ingest`
// does on one machine. It is wiring only: configuration from the environment
// into a struct, adapters built, the handler in handler.go called.
package main

import (
	"context"
	"log/slog"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// config is the function's environment.
type config struct {
	LakeBucket       string // LAKE_BUCKET: the lake's bucket
	LakePrefix       string // LAKE_PREFIX: optional key prefix inside it
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	MaxFileMB        int    // MAX_FILE_MB: the largest upload ingested (default 50)
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{
		LakeBucket: env.Required("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"),
		MaxFileMB: env.Int("MAX_FILE_MB", 50, 1, 5<<10, "a whole number of MB, at most 5120"),
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
