// Command maintenance is the Lambda function that keeps the lake sound: an
// EventBridge schedule starts it (daily), and it removes the curated files
// no pointer names that are older than the grace period, finishes any
// commit that stopped after its switch, and then checks every invariant of
// the lake, exactly as `outcomes lake gc --apply` and `outcomes lake check`
// do on one machine. When the check finds a problem the invocation fails,
// with each finding logged, so that an alarm on the function's errors
// fires. It is wiring only: configuration from the environment into a
// struct, adapters built, the handler in handler.go called.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// config is the function's environment.
type config struct {
	LakeBucket       string        // LAKE_BUCKET: the lake's bucket
	LakePrefix       string        // LAKE_PREFIX: optional key prefix inside it
	s3store.Location               // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	Grace            time.Duration // GC_GRACE: how old an unnamed file must be to be removed (default 24h)
	Apply            bool          // GC_APPLY: false lists what gc would remove without removing it (default true)
}

func configFromEnv(getenv func(string) string) (config, error) {
	c := config{LakeBucket: getenv("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"), Grace: lake.DefaultGrace, Apply: true}
	if c.LakeBucket == "" {
		return c, fmt.Errorf("LAKE_BUCKET is not set")
	}
	loc, err := s3store.LocationFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Location = loc
	if s := getenv("GC_GRACE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("GC_GRACE %q: want a duration such as 24h", s)
		}
		c.Grace = d
	}
	if s := getenv("GC_APPLY"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("GC_APPLY %q: want true or false", s)
		}
		c.Apply = b
	}
	return c, nil
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := newHandler(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
