package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaurl"
	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/oidc"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/web"
)

// originHeader carries the secret CloudFront adds to every request it
// sends the function: the function URL itself is public (a plain HTML
// form cannot sign its body, as CloudFront's origin access control for
// Lambda would need), so a request without it did not come through the
// site and is refused.
const originHeader = "X-Origin-Verify"

// site is the site secret: the web client's id at the user pool, the
// site's address, and the key that signs the session cookies.
type site struct {
	ClientID   string `json:"client_id"`
	SiteURL    string `json:"site_url"`
	SessionKey string `json:"session_key"`
}

type handler struct {
	serve func(context.Context, events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error)
	log   *slog.Logger
	// readOrigin reads the origin secret: a request with another value
	// makes the function read it again, at most once a minute, so that a
	// rotated value is taken without waiting for a new instance.
	readOrigin func(context.Context) (string, error)
	now        func() time.Time
	mu         sync.Mutex
	origin     string
	readAt     time.Time
}

// originRereadEvery bounds how often a wrong origin header makes the
// function read the secret again: a flood of direct requests costs one
// read a minute.
const originRereadEvery = time.Minute

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	c, err := consortium.Load(cfg.ConsortiumFile, std)
	if err != nil {
		return nil, err
	}
	secret := func(id string) (string, error) {
		return keysource.SecretString(ctx, id, getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
	}
	text, err := secret(cfg.SiteSecretID)
	if err != nil {
		return nil, err
	}
	var st site
	if err := json.Unmarshal([]byte(text), &st); err != nil || st.ClientID == "" || st.SiteURL == "" || len(st.SessionKey) < 32 {
		return nil, pipeline.Errorf(pipeline.Invalid, "secret %s: want JSON with client_id, site_url and a session_key of 32 or more characters", cfg.SiteSecretID)
	}
	readOrigin := func(ctx context.Context) (string, error) {
		v, err := keysource.SecretString(ctx, cfg.OriginSecretID, getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
		if err == nil && len(v) < 32 {
			err = pipeline.Errorf(pipeline.Invalid, "secret %s: want 32 or more characters", cfg.OriginSecretID)
		}
		return v, err
	}
	origin, err := readOrigin(ctx)
	if err != nil {
		return nil, err
	}
	siteURL := strings.TrimSuffix(st.SiteURL, "/")
	provider, err := oidc.New(oidc.Config{Issuer: cfg.Issuer, ClientID: st.ClientID, RedirectURL: siteURL + "/auth/callback"})
	if err != nil {
		return nil, err
	}
	awsCfg, err := s3store.LoadAWSConfig(ctx, "", cfg.Endpoint != "")
	if err != nil {
		return nil, err
	}
	client := s3store.NewClient(awsCfg, cfg.Location)
	lakeStore, landingStore := s3store.NewFromClient(client, cfg.LakeBucket, cfg.LakePrefix), s3store.NewFromClient(client, cfg.LandingBucket, "")
	if err := errors.Join(lakeStore.Err(), landingStore.Err()); err != nil {
		return nil, err
	}
	l := &lake.Lake{Store: lakeStore}
	pages, err := web.New(web.Config{
		Standard: std, Lake: l, Intake: web.Landing(std, l, landingStore), Consortium: c,
		Auth: &web.Auth{Provider: provider, SessionKey: []byte(st.SessionKey), SiteURL: siteURL, ClaimOrg: cfg.ClaimOrg, LeadGroup: cfg.LeadGroup},
		// CloudFront serves /assets/ and /static/ from the site's bucket.
		AssetsServed: true, Log: log, MaxFileBytes: int64(cfg.MaxUploadMB) << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("build the pages: %w", err)
	}
	return &handler{serve: lambdaurl.Handler(pages, log), log: log, readOrigin: readOrigin, now: time.Now, origin: origin, readAt: time.Now()}, nil
}

// Handle answers one request that came through CloudFront.
func (h *handler) Handle(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	if !h.fromSite(ctx, ev.Headers[strings.ToLower(originHeader)]) {
		h.log.Warn("refused: the request did not come through the site", "request_id", ev.RequestContext.RequestID)
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusForbidden, Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, Body: "Forbidden"}, nil
	}
	return h.serve(ctx, ev)
}

// fromSite checks the origin header, reading the secret again when it
// does not match and the last read is a minute old.
func (h *handler) fromSite(ctx context.Context, got string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.origin)) == 1 {
		return true
	}
	if h.now().Sub(h.readAt) < originRereadEvery {
		return false
	}
	h.readAt = h.now()
	v, err := h.readOrigin(ctx)
	if err != nil {
		h.log.Warn("read the origin secret again", "kind", pipeline.KindOf(err).String())
		return false
	}
	h.origin = v
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.origin)) == 1
}
