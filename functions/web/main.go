// Command web is the organisations' and the lead's web pages in AWS: the
// same pages as `outcomes serve`, behind CloudFront through a Lambda
// function URL. Sign-in is the Cognito hosted UI (an OpenID Connect code
// flow with PKCE), the session a signed cookie (Lambda instances share no
// memory), and an upload lands in the landing bucket for the ingest
// function, so a return shows as "received" until it has been checked. It
// is wiring only: configuration from the environment into a struct,
// adapters built, the web package's handler served.
package main

import (
	"context"
	"log/slog"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// config is the function's environment.
type config struct {
	LakeBucket       string // LAKE_BUCKET: the lake's bucket (required)
	LakePrefix       string // LAKE_PREFIX: optional key prefix inside it
	LandingBucket    string // LANDING_BUCKET: where uploads land for the ingest function (required)
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	ConsortiumFile   string // CONSORTIUM_FILE: the consortium's configuration, bundled with the function (default consortium.json)
	Issuer           string // OIDC_ISSUER: the user pool's OpenID Connect issuer URL (required)
	SiteSecretID     string // SITE_SECRET_ID: the secret {"client_id", "site_url", "session_key"} (required)
	OriginSecretID   string // ORIGIN_SECRET_ID: the secret CloudFront sends in X-Origin-Verify (required)
	ClaimOrg         string // CLAIM_ORG: the ID token's claim naming the organisation (default custom:org)
	LeadGroup        string // LEAD_GROUP: the user pool group of the consortium's leads (default lead)
	MaxUploadMB      int    // MAX_UPLOAD_MB: the largest file a form may send (default 4: a function URL takes 6 MB, base64-encoded)
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{
		LakeBucket: env.Required("LAKE_BUCKET"), LakePrefix: getenv("LAKE_PREFIX"), LandingBucket: env.Required("LANDING_BUCKET"),
		ConsortiumFile: env.String("CONSORTIUM_FILE", "consortium.json"),
		Issuer:         env.Required("OIDC_ISSUER"), SiteSecretID: env.Required("SITE_SECRET_ID"), OriginSecretID: env.Required("ORIGIN_SECRET_ID"),
		ClaimOrg: env.String("CLAIM_ORG", "custom:org"), LeadGroup: env.String("LEAD_GROUP", "lead"),
		MaxUploadMB: env.Int("MAX_UPLOAD_MB", 4, 1, 4, "a whole number of MB from 1 to 4 (a function URL takes 6 MB, base64-encoded)"),
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
