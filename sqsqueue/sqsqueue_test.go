package sqsqueue_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/sqsqueue"
)

// sqsEndpoint answers SendMessage as SQS's JSON protocol does, or with
// status when it is set.
func sqsEndpoint(t *testing.T, status int) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"__type":"com.amazonaws.sqs#ServiceUnavailable","message":"try later"}`)
			return
		}
		var in struct{ QueueUrl, MessageBody string }
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, in.MessageBody)
		mu.Unlock()
		sum := md5.Sum([]byte(in.MessageBody))
		json.NewEncoder(w).Encode(map[string]string{"MessageId": "m", "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies
}

func TestQueue_Send(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-west-2")
	msgs := make([]surveys.Message, 250)
	for i := range msgs {
		msgs[i] = surveys.Message{Org: "LEEDS-CC", Tool: surveys.Tally, ResponseID: fmt.Sprint(i)}
	}
	srv, bodies := sqsEndpoint(t, 0)
	q, err := sqsqueue.New(context.Background(), "https://sqs.eu-west-2.amazonaws.com/0/q", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Send(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	if len(*bodies) != 3 {
		t.Fatalf("%d messages for 250 responses, want 3 of at most %d", len(*bodies), sqsqueue.MaxPerMessage)
	}
	var back []surveys.Message
	for _, b := range *bodies {
		m, err := sqsqueue.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, m...)
	}
	if len(back) != 250 || back[249].ResponseID != "249" {
		t.Fatalf("%d responses back", len(back))
	}
	if _, err := sqsqueue.Decode(`{"responses":[]}`); pipeline.KindOf(err) != pipeline.Invalid {
		t.Fatalf("an empty message: %v", err)
	}

	down, _ := sqsEndpoint(t, http.StatusServiceUnavailable)
	q, err = sqsqueue.New(context.Background(), "https://sqs.eu-west-2.amazonaws.com/0/q", down.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Send(context.Background(), msgs[:1]); pipeline.KindOf(err) != pipeline.Transient {
		t.Fatalf("SQS unavailable: %v (%v), want Transient", err, pipeline.KindOf(err))
	}
}
