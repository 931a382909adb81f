package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/oidc/oidctest"
)

const (
	pkg       = "github.com/carer-outcomes/carer-outcomes/functions/web"
	ingestPkg = "github.com/carer-outcomes/carer-outcomes/functions/ingest"
	siteURL   = "https://d111111abcdef8.cloudfront.net"
	clientID  = "web-client"
	origin    = "origin-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	keySecret = "carer-outcomes/pseudonym-key"
	carers    = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup\r\n" +
		"P1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\r\nP2,2026-02-30,1975-01-09,M,M14 5RB,INACTIVE_CARING,N\r\n"
)

// site is the deployment the tests run: versitygw with the landing and
// lake buckets, a local OpenID provider in Cognito's place, the secrets
// extension, and the web and ingest functions' real binaries.
type deployment struct {
	s3       *functest.S3
	provider *oidctest.Server
	web      *lambdatest.Runtime
	ingest   *lambdatest.Runtime
}

func start(t *testing.T) *deployment {
	t.Helper()
	s3srv := functest.StartS3(t, "landing", "lake")
	op := oidctest.New(t, clientID, siteURL+"/auth/callback")
	op.AddUser("leeds", map[string]any{"custom:org": "LEEDS-CC", "email": "data@leeds.example"})
	op.AddUser("lead", map[string]any{"cognito:groups": []string{"lead"}, "email": "lead@consortium.example"})
	op.AddUser("stranger", map[string]any{"custom:org": "NOT-A-MEMBER"})
	siteSecret, _ := json.Marshal(map[string]string{"client_id": clientID, "site_url": siteURL, "session_key": strings.Repeat("s3cr3t", 8)})
	ext := functest.SecretsExtension(t, map[string]string{
		"web/site": string(siteSecret), "web/origin": origin, keySecret: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	})
	consortiumFile, err := filepath.Abs("../../testdata/consortium/example.json")
	if err != nil {
		t.Fatal(err)
	}
	env := append([]string{"LAKE_BUCKET=lake", "LANDING_BUCKET=landing", "CONSORTIUM_FILE=" + consortiumFile,
		"OIDC_ISSUER=" + op.URL, "SITE_SECRET_ID=web/site", "ORIGIN_SECRET_ID=web/origin"}, ext...)
	web := s3srv.Run(t, pkg, env...)
	ingest := s3srv.Run(t, ingestPkg, append([]string{"LAKE_BUCKET=lake", "OUTCOMES_KEY_SECRET_ID=" + keySecret}, ext...)...)
	return &deployment{s3: s3srv, provider: op, web: web.Runtime, ingest: ingest.Runtime}
}

// browser is a user's browser at the site: its cookies, sent as CloudFront
// sends them to the function URL.
type browser struct {
	t       *testing.T
	s       *deployment
	cookies map[string]string
	origin  string // the X-Origin-Verify CloudFront adds
}

func (s *deployment) browser(t *testing.T) *browser {
	return &browser{t: t, s: s, cookies: map[string]string{}, origin: origin}
}

type response struct {
	status  int
	headers map[string]string
	body    []byte
}

func (b *browser) do(method, target string, contentType string, body []byte) response {
	b.t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		b.t.Fatal(err)
	}
	ev := events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: u.Path, RawQueryString: u.RawQuery,
		Headers: map[string]string{"host": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-2.on.aws", "accept": "text/html"},
		RequestContext: events.LambdaFunctionURLRequestContext{RequestID: fmt.Sprintf("req-%d", time.Now().UnixNano()),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: u.Path, SourceIP: "130.176.0.1"}},
	}
	if b.origin != "" {
		ev.Headers["x-origin-verify"] = b.origin
	}
	if method == http.MethodPost {
		ev.Headers["origin"], ev.Headers["sec-fetch-site"], ev.Headers["content-type"] = siteURL, "same-origin", contentType
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	for k, v := range b.cookies {
		ev.Cookies = append(ev.Cookies, k+"="+v)
	}
	raw, _ := json.Marshal(ev)
	res := b.s.web.Invoke(b.t, raw, time.Minute)
	if res.Error != nil {
		b.t.Fatalf("%s %s: the function failed: %s: %s", method, target, res.Error.Type, res.Error.Message)
	}
	var out events.LambdaFunctionURLResponse
	if err := json.Unmarshal(res.Response, &out); err != nil {
		b.t.Fatal(err)
	}
	for _, line := range out.Cookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			b.t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if !c.Secure || !c.HttpOnly {
			b.t.Errorf("cookie %s is not Secure and HttpOnly", c.Name)
		}
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	r := response{status: out.StatusCode, headers: out.Headers, body: []byte(out.Body)}
	if out.IsBase64Encoded {
		if r.body, err = base64.StdEncoding.DecodeString(out.Body); err != nil {
			b.t.Fatal(err)
		}
	}
	return r
}

func (b *browser) get(target string) response {
	b.t.Helper()
	return b.do(http.MethodGet, target, "", nil)
}

// signIn goes through the provider's sign-in as login and back.
func (b *browser) signIn(login string) response {
	b.t.Helper()
	res := b.get("/auth/start")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.headers["Location"], b.s.provider.URL) {
		b.t.Fatalf("/auth/start: %d to %q, want the provider", res.status, res.headers["Location"])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	at, err := client.Get(res.headers["Location"] + "&login_hint=" + url.QueryEscape(login))
	if err != nil {
		b.t.Fatal(err)
	}
	at.Body.Close()
	back := at.Header.Get("Location")
	if !strings.HasPrefix(back, siteURL+"/auth/callback?") {
		b.t.Fatalf("the provider sent the browser to %q", back)
	}
	return b.get(strings.TrimPrefix(back, siteURL))
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf(page string) string {
	b.t.Helper()
	m := csrfPattern.FindStringSubmatch(string(b.get(page).body))
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", page)
	}
	return m[1]
}

func (b *browser) upload(period, name, content string) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf("/upload"))
	_ = mw.WriteField("period", period)
	w, _ := mw.CreateFormFile("files", name)
	_, _ = io.WriteString(w, content)
	mw.Close()
	return b.do(http.MethodPost, "/upload", mw.FormDataContentType(), body.Bytes())
}

// ingestLanded invokes the ingest function for a landed key, with the SQS
// message S3's notification would send.
func (s *deployment) ingestLanded(t *testing.T, key string, size int) {
	t.Helper()
	tmpl, err := os.ReadFile("../../testdata/events/sqs-s3-object-created.json")
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.NewReplacer("{{BUCKET}}", "landing", "{{KEY}}", url.QueryEscape(key), `"size": 1024`, fmt.Sprintf(`"size": %d`, size)).Replace(string(tmpl))
	res := s.ingest.Invoke(t, []byte(ev), time.Minute)
	if res.Error != nil {
		t.Fatalf("the ingest function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var out events.SQSEventResponse
	if err := json.Unmarshal(res.Response, &out); err != nil || len(out.BatchItemFailures) > 0 {
		t.Fatalf("the ingest function: %s (%v)", res.Response, err)
	}
}

func TestWeb_Organisation(t *testing.T) {
	s := start(t)
	b := s.browser(t)
	if res := b.get("/tasks"); res.status != http.StatusSeeOther || res.headers["Location"] != "/sign-in" {
		t.Fatalf("/tasks before signing in: %d to %q", res.status, res.headers["Location"])
	}
	if res := b.get("/sign-in"); res.status != http.StatusOK || !strings.Contains(string(res.body), `href="/auth/start"`) || strings.Contains(string(res.body), "Development sign-in") {
		t.Fatalf("/sign-in: %d, want the provider's sign-in and no development sign-in", res.status)
	}
	if res := b.signIn("leeds"); res.status != http.StatusSeeOther || res.headers["Location"] != "/tasks" {
		t.Fatalf("the callback: %d to %q, want /tasks", res.status, res.headers["Location"])
	}
	if res := b.get("/tasks?period=2026-Q3"); res.status != http.StatusOK || !strings.Contains(string(res.body), "Leeds Carers Centre") {
		t.Fatalf("/tasks signed in: %d", res.status)
	}
	res := b.upload("2026-Q3", "carers.csv", carers)
	loc := res.headers["Location"]
	if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/result?l=") {
		t.Fatalf("upload: %d to %q", res.status, loc)
	}
	id := strings.TrimPrefix(loc, "/result?l=")
	key := "landing/org=LEEDS-CC/period=2026-Q3/" + id + "/carers.csv"
	obj, err := s.s3.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("landing"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("the file is not in the landing bucket at %s: %v", key, err)
	}
	landed, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(landed) != carers {
		t.Fatalf("landed %d bytes, want the file's %d", len(landed), len(carers))
	}
	t.Run("received until it is checked", func(t *testing.T) {
		if res := b.get(loc); res.status != http.StatusOK || !strings.Contains(string(res.body), "Your file has been received") {
			t.Errorf("%s: %d", loc, res.status)
		}
		if res := b.get("/tasks?period=2026-Q3"); !strings.Contains(string(res.body), ">Received<") {
			t.Error("the task list does not show the return as received")
		}
		if res := b.get("/history?period=2026-Q3"); !strings.Contains(string(res.body), `href="/result?l=`+id+`"`) {
			t.Error("the history does not list the file being checked")
		}
	})
	s.ingestLanded(t, key, len(carers))
	t.Run("its result once the ingest function checked it", func(t *testing.T) {
		res := b.get(loc)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.headers["Location"], "/result?u=") {
			t.Fatalf("%s: %d to %q", loc, res.status, res.headers["Location"])
		}
		page := b.get(res.headers["Location"])
		if page.status != http.StatusOK || !strings.Contains(string(page.body), "There is a problem") || !strings.Contains(string(page.body), "registration_date") {
			t.Errorf("the result: %d, want the error summary with the bad date", page.status)
		}
	})
	t.Run("a template, binary through the function URL", func(t *testing.T) {
		res := b.get("/templates/carers.csv")
		if res.status != http.StatusOK || !strings.HasPrefix(string(res.body), "\ufeffClient reference,") {
			t.Errorf("carers.csv: %d %q", res.status, res.body)
		}
		page := string(b.get("/templates").body)
		m := regexp.MustCompile(`href="/templates/([^"]+\.xlsx)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no workbook on the templates page")
		}
		if res := b.get("/templates/" + m[1]); res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("PK\x03\x04")) {
			t.Errorf("the workbook: %d, %d bytes", res.status, len(res.body))
		}
	})
	t.Run("the lead's pages are refused", func(t *testing.T) {
		if res := b.get("/lead"); res.status != http.StatusForbidden {
			t.Errorf("/lead: %d, want 403", res.status)
		}
	})
	t.Run("sign out here and at the provider", func(t *testing.T) {
		res := b.do(http.MethodPost, "/sign-out", "application/x-www-form-urlencoded", []byte("csrf="+url.QueryEscape(b.csrf("/tasks"))))
		to, err := url.Parse(res.headers["Location"])
		if res.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(res.headers["Location"], s.provider.URL) ||
			to.Query().Get("logout_uri") != siteURL+"/signed-out" || to.Query().Get("client_id") != clientID {
			t.Fatalf("sign-out: %d to %q", res.status, res.headers["Location"])
		}
		if _, ok := b.cookies["outcomes_session"]; ok {
			t.Error("the session cookie is still set")
		}
		if res := b.get("/tasks"); res.status != http.StatusSeeOther {
			t.Errorf("/tasks after signing out: %d", res.status)
		}
	})
}

func TestWeb_Refused(t *testing.T) {
	s := start(t)
	t.Run("not through CloudFront", func(t *testing.T) {
		for _, o := range []string{"", "wrong", origin + "x"} {
			b := s.browser(t)
			b.origin = o
			if res := b.get("/sign-in"); res.status != http.StatusForbidden {
				t.Errorf("origin header %q: %d, want 403", o, res.status)
			}
		}
	})
	t.Run("an account of no member organisation", func(t *testing.T) {
		b := s.browser(t)
		if res := b.signIn("stranger"); res.status != http.StatusForbidden || !strings.Contains(string(res.body), "not set up") {
			t.Errorf("%d, want 403: not set up", res.status)
		}
		if _, ok := b.cookies["outcomes_session"]; ok {
			t.Error("a session was set")
		}
	})
	t.Run("a callback without its sign-in", func(t *testing.T) {
		b := s.browser(t)
		if res := b.get("/auth/callback?code=x&state=y"); res.status != http.StatusForbidden {
			t.Errorf("%d, want 403", res.status)
		}
	})
	t.Run("a changed session cookie", func(t *testing.T) {
		b := s.browser(t)
		b.signIn("leeds")
		v := b.cookies["outcomes_session"]
		payload, sig, _ := strings.Cut(v, ".")
		raw, _ := base64.RawURLEncoding.DecodeString(payload)
		b.cookies["outcomes_session"] = base64.RawURLEncoding.EncodeToString(bytes.Replace(raw, []byte("LEEDS-CC"), []byte("BRISTOL-CW"), 1)) + "." + sig
		if res := b.get("/tasks"); res.status != http.StatusSeeOther || res.headers["Location"] != "/sign-in" {
			t.Errorf("/tasks with a changed cookie: %d to %q, want the sign-in", res.status, res.headers["Location"])
		}
	})
}

func TestWeb_Lead(t *testing.T) {
	s := start(t)
	b := s.browser(t)
	if res := b.signIn("lead"); res.status != http.StatusSeeOther || res.headers["Location"] != "/lead" {
		t.Fatalf("the callback: %d to %q, want /lead", res.status, res.headers["Location"])
	}
	res := b.get("/lead?period=2026-Q3")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "Bristol Carers Work") || !strings.Contains(string(res.body), "the consortium lead") {
		t.Errorf("/lead: %d", res.status)
	}
	if res := b.get("/tasks"); res.status != http.StatusSeeOther || res.headers["Location"] != "/lead" {
		t.Errorf("/tasks as the lead: %d to %q", res.status, res.headers["Location"])
	}
}
