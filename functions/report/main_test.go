package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const (
	pkg     = "github.com/carer-outcomes/carer-outcomes/functions/report"
	testKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// email is what the SES v2 API receives for SendEmail.
type email struct {
	From        string `json:"FromEmailAddress"`
	Destination struct {
		To []string `json:"ToAddresses"`
	} `json:"Destination"`
	Content struct {
		Simple struct {
			Subject struct{ Data string } `json:"Subject"`
			Body    struct {
				Text struct{ Data string } `json:"Text"`
				HTML struct{ Data string } `json:"Html"`
			} `json:"Body"`
		} `json:"Simple"`
	} `json:"Content"`
}

// sesServer serves the SES v2 SendEmail API on 127.0.0.1 and records
// every e-mail.
type sesServer struct {
	URL  string
	mu   sync.Mutex
	sent []email
}

func startSES(tb testing.TB) *sesServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &sesServer{URL: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e email
		if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" || json.NewDecoder(r.Body).Decode(&e) != nil {
			http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.sent = append(s.sent, e)
		n := len(s.sent)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"MessageId": "message-" + string(rune('a'+n))})
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

func (s *sesServer) emails() []email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// fillLake ingests a small generated consortium into the lake, leaving
// out one organisation's follow-ups for the last quarter; it returns the
// organisations and the one with a missing return.
func fillLake(t *testing.T, l *lake.Lake) (orgs []string, short string) {
	t.Helper()
	std, err := standard.Latest()
	if err != nil {
		t.Fatal(err)
	}
	key, err := pseudonym.ParseKey([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ingest.Config{Standard: std, Lake: l, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()}
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = t.TempDir(), 3, 2, 1
	m, err := synth.Generate(std, gen)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Returns {
		if !slices.Contains(orgs, r.Org) {
			orgs = append(orgs, r.Org)
		}
	}
	slices.Sort(orgs)
	// The organisation that leaves out its follow-ups sends CSV files (a
	// workbook holds every kind in one file).
	for _, r := range m.Returns {
		if r.Period == "2026-Q3" && short == "" && slices.ContainsFunc(r.Files, func(f string) bool { return filepath.Base(f) == "followups.csv" }) {
			short = r.Org
		}
	}
	if short == "" {
		t.Fatal("no organisation sends its follow-ups as CSV")
	}
	for _, r := range m.Returns {
		period, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			t.Fatal(err)
		}
		received, _ := time.Parse(time.DateOnly, r.Submitted)
		req := ingest.Request{Org: r.Org, Period: period, Received: received}
		for _, name := range r.Files {
			if r.Org == short && r.Period == "2026-Q3" && filepath.Base(name) == "followups.csv" {
				continue
			}
			f, err := os.Open(filepath.Join(gen.Out, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			req.Files = append(req.Files, ingest.File{Name: filepath.Base(name), Data: f, Size: st.Size()})
		}
		res, err := ingest.Run(context.Background(), cfg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Report.Clean() {
			t.Fatalf("%s %s: a generated return was not clean", r.Org, r.Period)
		}
	}
	return orgs, short
}

var linkRE = regexp.MustCompile(`https?://\S+`)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReport_EndToEnd(t *testing.T) {
	srv := functest.StartS3(t, "lake", "reports")
	client := srv.Client
	orgs, short := fillLake(t, &lake.Lake{Store: s3store.NewFromClient(client, "lake", "")})
	ses := startSES(t)

	orgAddresses := map[string]string{}
	for _, o := range orgs {
		orgAddresses[o] = strings.ToLower(o) + "@example.org"
	}
	addrs, _ := json.Marshal(orgAddresses)
	rt := srv.Run(t, pkg, "LAKE_BUCKET=lake", "REPORTS_BUCKET=reports",
		"SES_ENDPOINT="+ses.URL, "FROM_ADDRESS=reports@consortium.example",
		"LEAD_ADDRESSES=lead@consortium.example, deputy@consortium.example",
		"ORG_ADDRESSES="+string(addrs), "REPORT_LINK_TTL=24h").Runtime
	ev, err := os.ReadFile("../../testdata/events/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	res := rt.Invoke(t, ev, 5*time.Minute)
	if res.Error != nil {
		t.Fatalf("the function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var out result
	if err := json.Unmarshal(res.Response, &out); err != nil || out.Period != "2026-Q3" || len(out.Reports) != len(orgs)+1 {
		t.Fatalf("response %s (%v)", res.Response, err)
	}

	// Every report is in the bucket, page, figures and tables.
	for _, scope := range append([]string{metrics.Consortium}, orgs...) {
		prefix := "reports/2026-Q3/" + scope + "/"
		list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("reports"), Prefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, strings.TrimPrefix(aws.ToString(o.Key), prefix))
		}
		if !slices.Contains(keys, "report.html") || !slices.Contains(keys, "figures.json") || !slices.ContainsFunc(keys, func(k string) bool { return strings.HasSuffix(k, ".csv") }) {
			t.Errorf("%s: objects %q", scope, keys)
		}
	}

	sent := ses.emails()
	if len(sent) != len(orgs)+1 {
		t.Fatalf("%d e-mails sent, want one to the lead and one to each of %d organisations", len(sent), len(orgs))
	}
	byTo := map[string]email{}
	for _, e := range sent {
		if e.From != "reports@consortium.example" {
			t.Errorf("from %q", e.From)
		}
		byTo[strings.Join(e.Destination.To, ",")] = e
	}

	lead, ok := byTo["lead@consortium.example,deputy@consortium.example"]
	if !ok {
		t.Fatalf("no e-mail to the lead: %v", slices.Collect(func(y func(string) bool) {
			for k := range byTo {
				y(k)
			}
		}))
	}
	text := lead.Content.Simple.Body.Text.Data
	link := linkRE.FindString(text)
	if !strings.Contains(link, "/reports/2026-Q3/consortium/report.html") || !strings.Contains(link, "X-Amz-Expires=86400") {
		t.Errorf("the lead's link %q", link)
	}
	if code, body := get(t, link); code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("GET the lead's link: %d %.200s", code, body)
	}
	if !strings.Contains(lead.Content.Simple.Body.HTML.Data, "<a href=") {
		t.Errorf("the lead's HTML: %s", lead.Content.Simple.Body.HTML.Data)
	}

	// The summary shows consortium totals only, each as the consortium's
	// report has it.
	obj, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("reports/2026-Q3/consortium/figures.json")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	var figs []metrics.Figure
	if err := json.Unmarshal(b, &figs); err != nil {
		t.Fatal(err)
	}
	lines := summary("2026-Q3", figs)
	if len(lines) < 4 {
		t.Fatalf("summary %q", lines)
	}
	for _, hl := range headlines[:4] {
		i := slices.IndexFunc(figs, func(f metrics.Figure) bool {
			return f.ID == hl.ID && f.Scope == metrics.Consortium && f.Period == "2026-Q3" && f.Subgroup == nil && f.Cohort == ""
		})
		if i < 0 {
			t.Errorf("no consortium figure %s", hl.ID)
			continue
		}
		if want := hl.Label + ": " + formatFigure(figs[i]); !strings.Contains(text, want) {
			t.Errorf("the lead's e-mail lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "95% interval") {
		t.Errorf("no interval for the sustainment rate:\n%s", text)
	}
	summaryLines := 0
	for _, l := range strings.Split(text, "\n") {
		for _, hl := range headlines {
			if strings.HasPrefix(strings.TrimSpace(l), hl.Label+":") {
				summaryLines++
			}
		}
	}
	if summaryLines != len(lines) {
		t.Errorf("%d figure lines in the e-mail, want the %d consortium totals", summaryLines, len(lines))
	}

	// Each organisation gets its own link, and a reminder when a return is
	// missing; its e-mail shows no figure at all.
	smallNumber := regexp.MustCompile(`(^|[^\w.%-])[1-4]([^\w.%-]|$)`)
	for _, org := range orgs {
		e, ok := byTo[orgAddresses[org]]
		if !ok {
			t.Errorf("%s got no e-mail", org)
			continue
		}
		text := e.Content.Simple.Body.Text.Data
		link := linkRE.FindString(text)
		if !strings.Contains(link, "/reports/2026-Q3/"+org+"/report.html") {
			t.Errorf("%s's link %q", org, link)
		}
		if code, body := get(t, link); code != 200 || !strings.Contains(body, "<html") {
			t.Errorf("GET %s's link: %d %.200s", org, code, body)
		}
		reminder := strings.Contains(text, "Reminder") && strings.Contains(text, "followups")
		if reminder != (org == short) || strings.Contains(e.Content.Simple.Subject.Data, "missing") != (org == short) {
			t.Errorf("%s (missing follow-ups: %v): %q\n%s", org, org == short, e.Content.Simple.Subject.Data, text)
		}
		// The reminder of follow-up surveys due counts the organisation's own
		// carers for its own staff (surveys.DueList, tested on a hand-worked
		// list): it is no figure of the report.
		dueLine := regexp.MustCompile(`Follow-up surveys: \d+ due in the next four weeks and \d+ overdue with no answer\.[^\n<]*`)
		if !dueLine.MatchString(text) {
			t.Errorf("%s's e-mail has no count of follow-up surveys due:\n%s", org, text)
		}
		rest := strings.ReplaceAll(linkRE.ReplaceAllString(dueLine.ReplaceAllString(text+" "+e.Content.Simple.Body.HTML.Data, ""), ""), "2026-Q3", "")
		if m := smallNumber.FindString(rest); m != "" {
			t.Errorf("%s's e-mail shows a number %q:\n%s", org, m, rest)
		}
	}
	if !strings.Contains(text, short+": followups") {
		t.Errorf("the lead is not told of %s's missing follow-ups:\n%s", short, text)
	}

	t.Run("a second run overwrites the same reports and sends again", func(t *testing.T) {
		res := rt.Invoke(t, ev, 5*time.Minute)
		if res.Error != nil {
			t.Fatalf("the function failed: %+v", res.Error)
		}
		list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("reports"), Prefix: aws.String("reports/")})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Contents {
			if !strings.HasPrefix(aws.ToString(o.Key), "reports/2026-Q3/") {
				t.Errorf("unexpected object %s", aws.ToString(o.Key))
			}
		}
		if n := len(ses.emails()); n != 2*(len(orgs)+1) {
			t.Errorf("%d e-mails after two runs", n)
		}
	})
}

func TestReport_StartupErrors(t *testing.T) {
	p := lambdatest.Start(t).Run(t, lambdatest.Build(t, pkg), "LAKE_BUCKET=lake", "FROM_ADDRESS=a@b", "LEAD_ADDRESSES=c@d") // no REPORTS_BUCKET
	if out, ok := p.WaitOutput("REPORTS_BUCKET is not set", 10*time.Second); !ok {
		t.Errorf("output %q does not say what is missing", out)
	}
}

// TestReport_SignedLinks follows the lead's link as a deployment serves
// it: signed for the links function, which answers the report for as long
// as the e-mail says, whatever the credentials of the function that made
// the link.
func TestReport_SignedLinks(t *testing.T) {
	const linkKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	srv := functest.StartS3(t, "lake", "reports")
	fillLake(t, &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")})
	ses := startSES(t)
	env := append(functest.SecretsExtension(t, map[string]string{"link-key": linkKey}),
		"LAKE_BUCKET=lake", "REPORTS_BUCKET=reports", "SES_ENDPOINT="+ses.URL, "FROM_ADDRESS=reports@consortium.example",
		"LEAD_ADDRESSES=lead@consortium.example", "REPORT_LINK_TTL=72h",
		"LINK_BASE_URL=https://links.example/", "LINK_KEY_SECRET_ID=link-key")
	rt := srv.Run(t, pkg, env...).Runtime
	ev, err := os.ReadFile("../../testdata/events/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Second)
	if res := rt.Invoke(t, ev, 5*time.Minute); res.Error != nil {
		t.Fatalf("the function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	after := time.Now()
	sent := ses.emails()
	if len(sent) != 1 {
		t.Fatalf("%d e-mails, want the lead's", len(sent))
	}
	text := sent[0].Content.Simple.Body.Text.Data
	link := linkRE.FindString(text)
	rest, ok := strings.CutPrefix(link, "https://links.example/")
	if !ok || !strings.HasSuffix(link, "/reports/2026-Q3/consortium/report.html") {
		t.Fatalf("the lead's link %q: want one of the links function", link)
	}
	// The link's lifetime is in it: the e-mail's promise, from the run.
	exp, err := strconv.ParseInt(strings.SplitN(rest, "/", 2)[0], 10, 64)
	if err != nil {
		t.Fatalf("link %q: no expiry", link)
	}
	if e := time.Unix(exp, 0); e.Before(before.Add(72*time.Hour)) || e.After(after.Add(72*time.Hour)) {
		t.Errorf("the link expires at %v, want 72 hours after the run (%v to %v)", e, before, after)
	}
	if !strings.Contains(text, "the link works for 3 days") {
		t.Errorf("the e-mail does not say how long the link works:\n%s", text)
	}

	links := srv.Run(t, "github.com/carer-outcomes/carer-outcomes/functions/links", append(functest.SecretsExtension(t, map[string]string{"link-key": linkKey}),
		"REPORTS_BUCKET=reports", "LINK_KEY_SECRET_ID=link-key")...).Runtime
	b, err := os.ReadFile("../../testdata/events/function-url-get.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/" + rest, strings.Replace("/"+rest, "report.html", "figures.json", 1)} {
		res := links.Invoke(t, []byte(strings.NewReplacer("{{PATH}}", p, "{{METHOD}}", "GET").Replace(string(b))), time.Minute)
		var resp struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if res.Error != nil || json.Unmarshal(res.Response, &resp) != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, "2026-Q3") {
			t.Errorf("GET %s through the links function: %+v %s", p, res.Error, res.Response[:min(len(res.Response), 300)])
		}
	}
}
