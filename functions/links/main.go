// Command links is the Lambda function (behind a function URL) that serves
// the stored reports to the people the report e-mails went to. A link is
// made by the report function with pipeline/reportlink: it names a report's
// folder and its own expiry, signed with a key in Secrets Manager that only
// the two functions read. This function checks the link and answers the
// file from the reports bucket with its own role, so a link works for as
// long as it says, whatever became of the credentials of the function that
// made it. It is wiring only: configuration from the environment into a
// struct, adapters built, the handler in handler.go called.
package main

import (
	"context"
	"log/slog"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// config is the function's environment.
type config struct {
	ReportsBucket    string // REPORTS_BUCKET: where the reports are stored
	LinkKeySecret    string // LINK_KEY_SECRET_ID: the links' key, read through the secrets extension
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{ReportsBucket: env.Required("REPORTS_BUCKET"), LinkKeySecret: env.Required("LINK_KEY_SECRET_ID")}
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
