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
	"log/slog"
	"math"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
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
	env := lambdaboot.NewEnv(getenv)
	c := config{
		LakeBucket: env.Required("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"),
		Grace: env.Duration("GC_GRACE", lake.DefaultGrace, time.Nanosecond, math.MaxInt64, "a duration such as 24h"),
		Apply: env.Bool("GC_APPLY", true),
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
