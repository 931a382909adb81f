// Command minimal is the smallest aws-lambda-go function: it answers every
// event with nothing. It is the anchor of the Lambda start-up benchmark
// (BenchmarkIngest_ColdStart): what a Go bootstrap costs before any of our
// own start-up work.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) error { return nil })
}
