package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/sqsqueue"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// newHandler builds the handler SURVEYS_HANDLER names.
func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (lambda.Handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	if cfg.Handler == handlerWebhook {
		c, err := consortium.Load(cfg.ConsortiumFile, std)
		if err != nil {
			return nil, err
		}
		key, err := keysource.FromEnvironment(ctx, getenv)
		if err != nil {
			return nil, err
		}
		q, err := sqsqueue.New(ctx, cfg.QueueURL, cfg.SQSEndpoint)
		if err != nil {
			return nil, err
		}
		secrets := extensionSecrets{prefix: cfg.SecretPrefix, token: getenv("AWS_SESSION_TOKEN"), port: getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")}
		h := &webhook.Handler{Forms: c, Secrets: secrets, Queue: q, Key: key,
			Log: func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) }}
		return lambda.NewHandler(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return serveAPIGateway(ctx, h, ev)
		}), nil
	}
	store, err := s3store.New(ctx, s3store.Config{Bucket: cfg.LakeBucket, Prefix: cfg.LakePrefix, Endpoint: cfg.Endpoint, PathStyle: cfg.PathStyle})
	if err != nil {
		return nil, err
	}
	l := &lake.Lake{Store: store}
	if cfg.Handler == handlerCompact {
		return lambda.NewHandler(func(ctx context.Context, _ json.RawMessage) (map[string]int, error) {
			n, err := surveys.CompactAll(ctx, l, "")
			if err != nil {
				log.Error("compaction failed", "error", err.Error())
				return nil, err
			}
			log.Info("compacted", "partitions", n)
			return map[string]int{"compacted": n}, nil
		}), nil
	}
	c := &surveys.Consumer{Standard: std, Lake: l}
	return lambda.NewHandler(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		return consume(ctx, c, log, ev), nil
	}), nil
}

// serveAPIGateway runs the webhook's http.Handler for one API Gateway
// HTTP API (payload 2.0) event. The body is the tool's raw bytes: API
// Gateway passes JSON as text, and anything else base64-encoded.
func serveAPIGateway(ctx context.Context, h http.Handler, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: `{"error":"the body is not base64"}`}, nil
		}
		body = b
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://"+ev.RequestContext.DomainName+ev.RawPath, bytes.NewReader(body))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest, Body: `{"error":"bad request"}`}, nil
	}
	req.ContentLength = int64(len(body))
	for k, v := range ev.Headers {
		req.Header.Set(k, v) // API Gateway joins repeated headers with commas
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return events.APIGatewayV2HTTPResponse{StatusCode: w.Code, Body: w.Body.String(),
		Headers: map[string]string{"Content-Type": w.Header().Get("Content-Type")}}, nil
}

// consume writes a batch's responses to the lake at once, as one
// micro-batch. A failure worth retrying fails every message of the batch
// (writing them again changes nothing); a message that can never be read
// is dropped with a log line.
func consume(ctx context.Context, c *surveys.Consumer, log *slog.Logger, ev events.SQSEvent) events.SQSEventResponse {
	var resp events.SQSEventResponse
	var msgs []surveys.Message
	var ids []string
	for _, rec := range ev.Records {
		m, err := sqsqueue.Decode(rec.Body)
		if err != nil {
			log.Error("message dropped: it can never succeed", "message_id", rec.MessageId, "error", err.Error())
			continue
		}
		msgs = append(msgs, m...)
		ids = append(ids, rec.MessageId)
	}
	if len(msgs) == 0 {
		return resp
	}
	res, err := c.Process(ctx, msgs)
	if err != nil {
		log.Warn("batch failed: it will be retried", "kind", pipeline.KindOf(err).String(), "error", err.Error(), "messages", len(ids))
		for _, id := range ids {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		return resp
	}
	log.Info("survey responses written", "accepted", res.Accepted, "duplicates", res.Duplicates, "held", res.Held, "rejected", res.Rejected)
	return resp
}

// extensionSecrets reads a form's webhook secret from Secrets Manager
// through the Parameters and Secrets extension (which caches it).
type extensionSecrets struct {
	prefix, token, port string
}

func (s extensionSecrets) Secret(ctx context.Context, org, form string) ([]byte, error) {
	v, err := keysource.SecretString(ctx, s.prefix+org+"/"+form, s.token, s.port)
	if err != nil {
		return nil, err
	}
	return []byte(strings.TrimSpace(v)), nil
}
