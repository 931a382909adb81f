package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportlink"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// maxFileBytes is the largest file answered: a function URL's response
// is at most 6 MB, and a binary file grows by a third in base64.
const maxFileBytes = 4 << 20

// handler answers report links.
type handler struct {
	log     *slog.Logger
	signer  *reportlink.Signer
	reports lake.Store
	now     func() time.Time
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	text, err := keysource.SecretString(ctx, cfg.LinkKeySecret, getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
	if err != nil {
		return nil, err
	}
	signer, err := reportlink.ParseKey(text)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", cfg.LinkKeySecret, err)
	}
	store, err := s3store.New(ctx, s3store.Config{Bucket: cfg.ReportsBucket, Endpoint: cfg.Endpoint, PathStyle: cfg.PathStyle})
	if err != nil {
		return nil, fmt.Errorf("open the reports bucket: %w", err)
	}
	return &handler{log: log, signer: signer, reports: store, now: time.Now}, nil
}

// contentTypes are the types of the files a report folder holds.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".json": "application/json",
	".csv":  "text/csv; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// Handle answers one request. The link is in the URL, so every answer
// tells the browser to keep it to itself: no caching, no referrer.
func (h *handler) Handle(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	method := req.RequestContext.HTTP.Method
	if method != http.MethodGet && method != http.MethodHead {
		return page(http.StatusMethodNotAllowed, "Only GET is served here."), nil
	}
	key, err := h.signer.Check(req.RawPath, h.now())
	switch pipeline.KindOf(err) {
	case pipeline.NotFound:
		return page(http.StatusGone, "This link has expired. The report is still kept: ask the consortium lead to send it again."), nil
	case pipeline.Invalid:
		h.log.Warn("bad link", "error", err.Error())
		return page(http.StatusNotFound, "This link is not valid. Check that it was copied whole."), nil
	}
	if err != nil {
		return events.LambdaFunctionURLResponse{}, err
	}
	rc, obj, err := h.reports.Get(ctx, key)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return page(http.StatusNotFound, "This report is no longer kept."), nil
	}
	if err != nil {
		h.log.Error("read the report", "key", key, "error", err.Error())
		return page(http.StatusServiceUnavailable, "The report cannot be read just now. Try again in a minute."), nil
	}
	defer rc.Close()
	if obj.Size > maxFileBytes {
		return page(http.StatusInternalServerError, "This file is too large to be served by a link."), nil
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxFileBytes+1))
	if err != nil {
		return page(http.StatusServiceUnavailable, "The report cannot be read just now. Try again in a minute."), nil
	}
	ct, ok := contentTypes[path.Ext(key)]
	if !ok {
		ct = "application/octet-stream"
	}
	resp := events.LambdaFunctionURLResponse{StatusCode: http.StatusOK, Headers: headers(ct)}
	if path.Ext(key) == ".csv" {
		resp.Headers["Content-Disposition"] = `attachment; filename="` + path.Base(key) + `"`
	}
	if method == http.MethodGet {
		if ct == "image/png" || ct == "application/octet-stream" {
			resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
		} else {
			resp.Body = string(b)
		}
	}
	h.log.Info("served", "key", key)
	return resp, nil
}

func headers(contentType string) map[string]string {
	return map[string]string{
		"Content-Type":           contentType,
		"Cache-Control":          "private, no-store",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	}
}

// page is a short HTML answer.
func page(status int, text string) events.LambdaFunctionURLResponse {
	body := "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Report link</title>\n<p>" + html.EscapeString(text) + "</p></html>\n"
	return events.LambdaFunctionURLResponse{StatusCode: status, Headers: headers("text/html; charset=utf-8"), Body: body}
}
