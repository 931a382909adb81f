// Package sqsqueue is the survey webhook's queue in AWS: verified, mapped
// responses go to an SQS queue in messages of up to MaxPerMessage
// responses, and the consumer function reads them back. SQS keeps a
// message until the consumer has written it (and, after the queue's
// receive limit, moves it to the dead-letter queue), so the webhook can
// answer the survey tool as soon as SendMessage returns.
package sqsqueue

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// MaxPerMessage is how many responses one SQS message carries: a mapped
// response is under 1 KB, and an SQS message holds at most 256 KB.
const MaxPerMessage = 100

// Body is an SQS message's body.
type Body struct {
	Responses []surveys.Message `json:"responses"`
}

// Queue sends to one SQS queue.
type Queue struct {
	client *sqs.Client
	url    string
}

// New opens a queue by its URL; endpoint, when set, is another SQS
// endpoint (a test's).
func New(ctx context.Context, queueURL, endpoint string) (*Queue, error) {
	if queueURL == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "open the survey queue: no queue URL")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "open the survey queue: load AWS config: %w", err)
	}
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Queue{client: client, url: queueURL}, nil
}

// Send queues the responses, MaxPerMessage a message. A failure is
// Transient: the webhook answers 503 and the tool delivers again.
func (q *Queue) Send(ctx context.Context, msgs []surveys.Message) error {
	for start := 0; start < len(msgs); start += MaxPerMessage {
		b, err := json.Marshal(Body{Responses: msgs[start:min(start+MaxPerMessage, len(msgs))]})
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "encode survey responses: %w", err)
		}
		_, err = q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(b))})
		if err != nil {
			kind := pipeline.Transient
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultClient && ae.ErrorCode() != "ThrottlingException" && ae.ErrorCode() != "RequestThrottled" {
				kind = pipeline.Internal
			}
			return pipeline.Errorf(kind, "queue %d survey responses: %w", len(msgs[start:min(start+MaxPerMessage, len(msgs))]), err)
		}
	}
	return nil
}

// Decode reads a message body back.
func Decode(body string) ([]surveys.Message, error) {
	var b Body
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read a survey queue message: %w", err)
	}
	if len(b.Responses) == 0 {
		return nil, pipeline.Errorf(pipeline.Invalid, "read a survey queue message: no responses")
	}
	return b.Responses, nil
}

