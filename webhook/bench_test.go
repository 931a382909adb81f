package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// deliveries is how many the reply-time benchmark sends.
const deliveries = 10_000

// BenchmarkHandler_ReplyTime sends 10,000 signed Typeform deliveries, one
// after another over loopback HTTP, to the webhook as `outcomes serve`
// runs it (the in-process queue, its consumer writing to a folder lake at
// the same time), and reports the median and 99th percentile of the reply
// time. The anchor is the same requests to a handler that only reads the
// body and answers 200: the ratio is what verifying, mapping,
// pseudonymising and queueing add to an HTTP round trip.
func BenchmarkHandler_ReplyTime(b *testing.B) {
	h, _, secrets := setup(b)
	std, err := standard.Latest()
	if err != nil {
		b.Fatal(err)
	}
	store, err := fsstore.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	var carers strings.Builder
	carers.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
	for i := range 1000 {
		fmt.Fprintf(&carers, "B%04d,2026-01-05,UNEMPLOYED,Y\n", i)
	}
	_, err = ingest.Run(context.Background(), ingest.Config{Standard: std, Lake: l, Key: h.Key, Limits: tabular.DefaultLimits(), TempDir: b.TempDir()},
		ingest.Request{Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 1}, Files: []ingest.File{{Name: "carers.csv", Data: strings.NewReader(carers.String()), Size: int64(carers.Len())}}})
	if err != nil {
		b.Fatal(err)
	}
	consumer := &surveys.Consumer{Standard: std, Lake: l}
	q := webhook.NewLocalQueue(func(ctx context.Context, msgs []surveys.Message) error {
		_, err := consumer.Process(ctx, msgs)
		return err
	}, 500, 200*time.Millisecond, b.Logf)
	h.Queue = q
	tmpl := fixture(b, "typeform.json")
	secret := []byte(secrets["LEEDS-CC/w26-typeform"])
	bodies := make([][]byte, deliveries)
	headers := make([]string, deliveries)
	for i := range bodies {
		body := bytes.Replace(tmpl, []byte(`"token": "a3a12ec67a1365927098a606107fac15"`), fmt.Appendf(nil, `"token": "bench-%d"`, i), 1)
		bodies[i] = bytes.Replace(body, []byte(`"client_ref": "C001"`), fmt.Appendf(nil, `"client_ref": "B%04d"`, i%1000), 1)
		_, headers[i] = webhook.Sign("typeform", secret, bodies[i])
	}
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"received":1}` + "\n"))
	}))
	defer anchor.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	send := func(url string) []time.Duration {
		times := make([]time.Duration, deliveries)
		for i := range bodies {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i]))
			req.Header.Set(webhook.TypeformHeader, headers[i])
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			times[i] = time.Since(start)
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("delivery %d: status %d", i, resp.StatusCode)
			}
		}
		slices.Sort(times)
		return times
	}
	for b.Loop() {
		base := send(anchor.URL + "/surveys/LEEDS-CC/w26-typeform")
		got := send(srv.URL + "/surveys/LEEDS-CC/w26-typeform")
		q.Close()
		med, p99 := got[deliveries/2], got[deliveries*99/100]
		b.ReportMetric(float64(med.Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(base[deliveries/2].Microseconds())/1000, "anchor-median-ms")
		b.ReportMetric(float64(base[deliveries*99/100].Microseconds())/1000, "anchor-p99-ms")
		b.ReportMetric(float64(med)/float64(base[deliveries/2]), "median-ratio")
		man, _, _, err := l.SurveyPartition(context.Background(), "LEEDS-CC", pipeline.Period{Year: 2026, Quarter: 3})
		if err != nil || man.Rows != deliveries {
			b.Fatalf("%d rows written, want %d (%v)", man.Rows, deliveries, err)
		}
		b.ReportMetric(float64(len(man.Files)), "batches")
	}
}
