// Command ingest is the Lambda function that ingests uploaded returns: S3
// ObjectCreated events for landing/org=…/period=…/<id>/<file> arrive through
// SQS, and each file is ingested into the lake exactly as `outcomes ingest`
// does on one machine. It is wiring only: configuration from the environment
// into a struct, adapters built, the handler in handler.go called.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/carer-outcomes/carer-outcomes/storage/s3store"

	"github.com/aws/aws-lambda-go/lambda"
)

// config is the function's environment.
type config struct {
	LakeBucket       string // LAKE_BUCKET: the lake's bucket
	LakePrefix       string // LAKE_PREFIX: optional key prefix inside it
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	MaxFileMB        int    // MAX_FILE_MB: the largest upload ingested (default 50)
}

func configFromEnv(getenv func(string) string) (config, error) {
	c := config{LakeBucket: getenv("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"), MaxFileMB: 50}
	if c.LakeBucket == "" {
		return c, fmt.Errorf("LAKE_BUCKET is not set")
	}
	loc, err := s3store.LocationFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Location = loc
	if s := getenv("MAX_FILE_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("MAX_FILE_MB %q: want a whole number of MB", s)
		}
		c.MaxFileMB = n
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
