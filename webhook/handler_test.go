package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// recorder is a queue that keeps what it is sent.
type recorder struct {
	mu   sync.Mutex
	msgs []surveys.Message
}

func (r *recorder) Send(_ context.Context, msgs []surveys.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	return nil
}

// The fixture of each tool, the form it is for, and how many responses it
// holds.
var fixtures = []struct {
	tool, form, file string
	responses        int
}{
	{surveys.Typeform, "w26-typeform", "typeform.json", 1},
	{surveys.Tally, "w13-tally", "tally.json", 1},
	{surveys.SmartSurvey, "w52-smartsurvey", "smartsurvey.json", 2},
	{surveys.MSForms, "followup-msforms", "msforms.json", 1},
	{surveys.Kobo, "outreach-kobo", "kobo.json", 1},
	{surveys.Generic, "paper-generic", "generic.json", 1},
}

func setup(tb testing.TB) (*webhook.Handler, *recorder, webhook.FileSecrets) {
	tb.Helper()
	std, err := standard.Latest()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := consortium.Load(filepath.Join("..", "testdata", "consortium", "surveys.json"), std)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("cd", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	secrets := webhook.FileSecrets{}
	for _, f := range fixtures {
		secrets["LEEDS-CC/"+f.form] = "secret-of-" + f.form
	}
	q := &recorder{}
	return &webhook.Handler{Forms: c, Secrets: secrets, Queue: q, Key: key, MaxBody: 64 << 10}, q, secrets
}

func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "events", "surveys", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func post(h http.Handler, path string, body []byte, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func signed(tool string, secret, body []byte) http.Header {
	name, value := webhook.Sign(tool, secret, body)
	return http.Header{http.CanonicalHeaderKey(name): {value}}
}

func TestHandler_Signatures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.tool, func(t *testing.T) {
			body := fixture(t, f.file)
			path := "/surveys/LEEDS-CC/" + f.form
			tampered := bytes.Replace(body, []byte("C00"), []byte("C09"), 1)
			if bytes.Equal(tampered, body) {
				t.Fatal("the fixture has no client reference to tamper with")
			}
			tests := []struct {
				name   string
				body   []byte
				header func(secret []byte) http.Header
				code   int
				queued int
			}{
				{"valid", body, func(s []byte) http.Header { return signed(f.tool, s, body) }, http.StatusOK, f.responses},
				{"wrong secret", body, func([]byte) http.Header { return signed(f.tool, []byte("not-the-secret"), body) }, http.StatusUnauthorized, 0},
				{"missing", body, func([]byte) http.Header { return http.Header{} }, http.StatusUnauthorized, 0},
				{"garbled", body, func([]byte) http.Header {
					name, _ := webhook.Sign(f.tool, nil, nil)
					return http.Header{http.CanonicalHeaderKey(name): {"sha256=%%%"}}
				}, http.StatusUnauthorized, 0},
				{"tampered body", tampered, func(s []byte) http.Header { return signed(f.tool, s, body) }, http.StatusUnauthorized, 0},
				{"unknown form", body, nil, http.StatusNotFound, 0},
			}
			// A secret header authenticates the sender, not the body: for
			// the two tools that cannot sign, a changed body with the right
			// secret is accepted (HTTPS is what keeps it from changing).
			if f.tool == surveys.MSForms || f.tool == surveys.Kobo {
				tests[4].code, tests[4].queued = http.StatusOK, f.responses
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					h, q, secrets := setup(t)
					p, hdr := path, http.Header{}
					if tt.header == nil {
						p = "/surveys/LEEDS-CC/no-such-form"
					} else {
						hdr = tt.header([]byte(secrets["LEEDS-CC/"+f.form]))
					}
					w := post(h, p, tt.body, hdr)
					if w.Code != tt.code {
						t.Fatalf("status %d %s, want %d", w.Code, w.Body, tt.code)
					}
					if len(q.msgs) != tt.queued {
						t.Fatalf("%d queued, want %d", len(q.msgs), tt.queued)
					}
					var rep webhook.Reply
					if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
						t.Fatalf("reply %q: %v", w.Body, err)
					}
					if tt.code == http.StatusOK && rep.Received != tt.queued || tt.code != http.StatusOK && rep.Error == "" {
						t.Fatalf("reply %+v", rep)
					}
					if tt.code == http.StatusUnauthorized && strings.Contains(w.Body.String(), "secret-of") {
						t.Fatalf("the reply gives the secret away: %s", w.Body)
					}
				})
			}
		})
	}
}

func TestHandler_Replies(t *testing.T) {
	body := fixture(t, "typeform.json")
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		code   int
	}{
		{"unknown organisation", http.MethodPost, "/surveys/NO-SUCH-ORG/w26-typeform", body, http.StatusNotFound},
		{"form of another organisation", http.MethodPost, "/surveys/BRISTOL-CW/w26-typeform", body, http.StatusNotFound},
		{"no form in the path", http.MethodPost, "/surveys/LEEDS-CC", body, http.StatusNotFound},
		{"over the limit", http.MethodPost, "/surveys/LEEDS-CC/w26-typeform", bytes.Repeat([]byte(" "), 64<<10+1), http.StatusRequestEntityTooLarge},
		{"not JSON of the tool", http.MethodPost, "/surveys/LEEDS-CC/w26-typeform", []byte(`{"event_type":"ping"}`), http.StatusBadRequest},
		{"GET", http.MethodGet, "/surveys/LEEDS-CC/w26-typeform", nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, q, secrets := setup(t)
			req := httptest.NewRequest(tt.method, tt.path, bytes.NewReader(tt.body))
			for k, v := range signed(surveys.Typeform, []byte(secrets["LEEDS-CC/w26-typeform"]), tt.body) {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.code {
				t.Fatalf("status %d %s, want %d", w.Code, w.Body, tt.code)
			}
			if len(q.msgs) != 0 {
				t.Fatalf("%d queued", len(q.msgs))
			}
		})
	}
}

// A delivery from another form of the same tool is refused whole.
func TestHandler_OtherToolForm(t *testing.T) {
	h, q, secrets := setup(t)
	body := bytes.Replace(fixture(t, "typeform.json"), []byte(`"form_id": "lT4Z3j"`), []byte(`"form_id": "Other1"`), 1)
	w := post(h, "/surveys/LEEDS-CC/w26-typeform", body, signed(surveys.Typeform, []byte(secrets["LEEDS-CC/w26-typeform"]), body))
	if w.Code != http.StatusBadRequest || len(q.msgs) != 0 {
		t.Fatalf("status %d, %d queued", w.Code, len(q.msgs))
	}
}
