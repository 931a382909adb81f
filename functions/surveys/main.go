// Command surveys is the Lambda function behind the survey webhooks. One
// binary has three handlers, chosen by SURVEYS_HANDLER, and is deployed as
// three functions, each with only the permissions its handler needs:
//
//   - webhook: API Gateway HTTP API events for POST /surveys/{org}/{form};
//     it verifies the tool's signature with the form's secret (Secrets
//     Manager), maps and pseudonymises the responses, sends them to SQS
//     and answers at once (package webhook, as `outcomes serve` does);
//   - consumer: SQS events from that queue; it writes each batch of
//     responses to the lake (pipeline/surveys), reporting a batch that
//     failed for a reason worth retrying so that SQS delivers it again
//     (then to the dead-letter queue);
//   - compact: an EventBridge schedule; it merges each survey partition's
//     micro-batches into one file.
//
// One binary rather than three keeps the three in step (the consumer
// reads exactly what the webhook queued) and is one zip to build. It is
// wiring only: configuration from the environment into a struct, adapters
// built, the handlers in handler.go called.
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaboot"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// The handlers.
const (
	handlerWebhook  = "webhook"
	handlerConsumer = "consumer"
	handlerCompact  = "compact"
)

// config is the function's environment.
type config struct {
	Handler          string // SURVEYS_HANDLER: webhook, consumer or compact
	LakeBucket       string // LAKE_BUCKET: the lake's bucket (consumer, compact)
	LakePrefix       string // LAKE_PREFIX: optional key prefix inside it
	s3store.Location        // S3_ENDPOINT, S3_PATH_STYLE: an S3-compatible server instead of AWS
	QueueURL         string // SURVEY_QUEUE_URL: the queue (webhook)
	SQSEndpoint      string // SQS_ENDPOINT: another SQS endpoint (tests)
	ConsortiumFile   string // CONSORTIUM_FILE: the consortium's configuration, bundled with the function (webhook)
	SecretPrefix     string // WEBHOOK_SECRET_PREFIX: a form's secret is the secret <prefix><ORG>/<form> (webhook)
	MaxBodyBytes     int64  // the largest body accepted
}

func configFromEnv(getenv func(string) string) (config, error) {
	env := lambdaboot.NewEnv(getenv)
	c := config{Handler: getenv("SURVEYS_HANDLER"), LakePrefix: getenv("LAKE_PREFIX"),
		SQSEndpoint: getenv("SQS_ENDPOINT"), ConsortiumFile: env.String("CONSORTIUM_FILE", "consortium.json")}
	switch c.Handler {
	case handlerWebhook:
		c.QueueURL, c.SecretPrefix = env.Required("SURVEY_QUEUE_URL"), env.Required("WEBHOOK_SECRET_PREFIX")
	case handlerConsumer, handlerCompact:
		c.LakeBucket = env.Required("LAKE_BUCKET")
	default:
		return c, fmt.Errorf("SURVEYS_HANDLER %q: want webhook, consumer or compact", c.Handler)
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
		return newHandler(ctx, getenv, log)
	})
}
