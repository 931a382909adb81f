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
	"fmt"
	"log/slog"
	"os"

	"github.com/carer-outcomes/carer-outcomes/storage/s3store"

	"github.com/aws/aws-lambda-go/lambda"
)

// config is the function's environment.
type config struct {
	ReportsBucket    string // REPORTS_BUCKET: where the reports are stored
	LinkKeySecret    string // LINK_KEY_SECRET_ID: the links' key, read through the secrets extension
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
}

func configFromEnv(getenv func(string) string) (config, error) {
	c := config{ReportsBucket: getenv("REPORTS_BUCKET"), LinkKeySecret: getenv("LINK_KEY_SECRET_ID")}
	switch {
	case c.ReportsBucket == "":
		return c, fmt.Errorf("REPORTS_BUCKET is not set")
	case c.LinkKeySecret == "":
		return c, fmt.Errorf("LINK_KEY_SECRET_ID is not set")
	}
	loc, err := s3store.LocationFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Location = loc
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
