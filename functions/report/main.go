// Command report is the Lambda function that makes the quarterly reports.
// An EventBridge schedule starts it after each quarter: it builds the
// consortium's report and each organisation's own for the quarter just
// ended, exactly as `outcomes report` does on one machine, stores them in
// the reports bucket, and e-mails the consortium lead a summary and a link,
// and each organisation its own report's link and a reminder of any return
// it has not sent. It is wiring only: configuration from the environment
// into a struct, adapters built, the handler in handler.go called.
//
// Running it again for the same quarter overwrites the same report objects
// (the keys depend only on the quarter and the scope) and sends every
// e-mail again: SES keeps no memory of what was sent, so a retry after a
// failure part-way through the e-mails may send some of them twice.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// maxLinkTTL is the longest a presigned link made with a role's (or a
// user's) signature can work: seven days.
const maxLinkTTL = 7 * 24 * time.Hour

// config is the function's environment.
type config struct {
	LakeBucket       string              // LAKE_BUCKET: the lake's bucket
	LakePrefix       string              // LAKE_PREFIX: optional key prefix inside it
	ReportsBucket    string              // REPORTS_BUCKET: where the reports are stored
	s3store.Location                     // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	SESEndpoint      string              // SES_ENDPOINT: another SES v2 endpoint (tests)
	From             string              // FROM_ADDRESS: the sender of every e-mail
	Leads            []string            // LEAD_ADDRESSES: the consortium lead(s), comma-separated
	OrgAddresses     map[string][]string // ORG_ADDRESSES: {"ORG":"a@b,c@d"}
	LinkTTL          time.Duration       // REPORT_LINK_TTL: how long links work (default and most 7 days)
	// LINK_BASE_URL and LINK_KEY_SECRET_ID, together: links served by the
	// links function, signed with the key in that secret (read through the
	// secrets extension), which work for all of LinkTTL. Without them a
	// link is a presigned S3 URL, which works only as long as the
	// credentials that signed it: right with long-lived keys (one machine,
	// tests), hours at most with a Lambda role's.
	LinkBase      string // LINK_BASE_URL: the links function's URL
	LinkKeySecret string // LINK_KEY_SECRET_ID: the secret holding the links' key
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{
		LakeBucket: env.Required("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"), ReportsBucket: env.Required("REPORTS_BUCKET"),
		SESEndpoint: getenv("SES_ENDPOINT"), From: strings.TrimSpace(env.Required("FROM_ADDRESS")),
		Leads: env.List("LEAD_ADDRESSES"), OrgAddresses: map[string][]string{},
		LinkTTL:  env.Duration("REPORT_LINK_TTL", maxLinkTTL, time.Nanosecond, maxLinkTTL, "a duration such as 72h, at most 168h"),
		LinkBase: strings.TrimSuffix(getenv("LINK_BASE_URL"), "/"), LinkKeySecret: getenv("LINK_KEY_SECRET_ID"),
	}
	switch {
	case env.Err() != nil:
		return c, env.Err()
	case c.From == "":
		return c, fmt.Errorf("FROM_ADDRESS is not set")
	case len(c.Leads) == 0:
		return c, fmt.Errorf("LEAD_ADDRESSES is not set")
	case (c.LinkBase == "") != (c.LinkKeySecret == ""):
		return c, fmt.Errorf("LINK_BASE_URL and LINK_KEY_SECRET_ID go together: set both or neither")
	}
	if s := getenv("ORG_ADDRESSES"); s != "" {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return c, fmt.Errorf("ORG_ADDRESSES: want a JSON object such as {\"ORG\":\"a@example.org,b@example.org\"}: %v", err)
		}
		for org, list := range m {
			if a := lambdaboot.Split(list); len(a) > 0 {
				c.OrgAddresses[org] = a
			}
		}
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
