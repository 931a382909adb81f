package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/carer-outcomes/carer-outcomes/keysource"
)

// placeholder: replaced by the real handler on merge.
type handler struct{}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	if _, err := configFromEnv(getenv); err != nil {
		return nil, err
	}
	_, _ = keysource.SecretString(ctx, "", getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
	return &handler{}, nil
}

func (h *handler) Handle(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	return events.LambdaFunctionURLResponse{StatusCode: 503}, nil
}
