package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// Forms finds an organisation's form (consortium.Consortium does).
type Forms interface {
	Form(org, id string) (*surveys.Form, bool)
}

// Secrets gives the secret of an organisation's form.
type Secrets interface {
	Secret(ctx context.Context, org, form string) ([]byte, error)
}

// Queue takes verified, mapped responses for the consumer to write.
type Queue interface {
	Send(ctx context.Context, msgs []surveys.Message) error
}

// DefaultMaxBody is the largest body accepted: a SmartSurvey batch of
// 1,000 full responses of a short follow-up form is about 1.4 MB, and a
// Lambda function's event (the body and API Gateway's envelope) can be at
// most 6 MB.
const DefaultMaxBody = 5 << 20

// Handler answers POST /surveys/{org}/{form}.
type Handler struct {
	Forms   Forms
	Secrets Secrets
	Queue   Queue
	Key     pseudonym.Key
	// MaxBody is the largest body accepted; 0 means DefaultMaxBody.
	MaxBody int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log, when set, is told of each refused delivery (never its body).
	Log func(format string, args ...any)
}

// Reply is the JSON body of every answer.
type Reply struct {
	Received int    `json:"received,omitempty"`
	Error    string `json:"error,omitempty"`
}

// The answer for each way a delivery can fail, in one table.
var statusOf = map[stage]map[pipeline.ErrorKind]int{
	stageRoute:  {pipeline.NotFound: http.StatusNotFound, pipeline.Invalid: http.StatusNotFound},
	stageSecret: {pipeline.NotFound: http.StatusNotFound},
	stageVerify: {pipeline.Invalid: http.StatusUnauthorized},
	stageRead:   {pipeline.Invalid: http.StatusBadRequest},
	stageQueue:  {},
}

type stage int

const (
	stageRoute stage = iota
	stageSecret
	stageVerify
	stageRead
	stageQueue
)

func status(s stage, err error) int {
	k := pipeline.KindOf(err)
	if code, ok := statusOf[s][k]; ok {
		return code
	}
	if k == pipeline.Transient {
		return http.StatusServiceUnavailable // the tools retry these
	}
	return http.StatusInternalServerError
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, code, err := h.serve(r)
	if err != nil {
		if h.Log != nil {
			h.Log("webhook %s: %d: %v", r.URL.Path, code, err)
		}
		msg := http.StatusText(code)
		if code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusNotFound {
			msg = err.Error()
		}
		writeReply(w, code, Reply{Error: msg})
		return
	}
	writeReply(w, http.StatusOK, Reply{Received: n})
}

func (h *Handler) serve(r *http.Request) (int, int, error) {
	if r.Method != http.MethodPost {
		return 0, http.StatusMethodNotAllowed, fmt.Errorf("%s: only POST", r.Method)
	}
	org, id, err := route(r.URL.Path)
	if err != nil {
		return 0, status(stageRoute, err), err
	}
	form, ok := h.Forms.Form(org, id)
	if !ok {
		err := pipeline.Errorf(pipeline.NotFound, "no form %s of organisation %s", id, org)
		return 0, status(stageRoute, err), err
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if r.ContentLength > limit {
		return 0, http.StatusRequestEntityTooLarge, fmt.Errorf("the body is %d bytes, at most %d", r.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return 0, http.StatusBadRequest, fmt.Errorf("read the body: %w", err)
	}
	if int64(len(body)) > limit {
		return 0, http.StatusRequestEntityTooLarge, fmt.Errorf("the body is over %d bytes", limit)
	}
	secret, err := h.Secrets.Secret(r.Context(), org, id)
	if err != nil {
		return 0, status(stageSecret, err), err
	}
	if err := Verify(form.Tool, secret, body, r.Header); err != nil {
		return 0, status(stageVerify, err), err
	}
	responses, err := surveys.Parse(form.Tool, body)
	if err != nil {
		return 0, status(stageRead, err), err
	}
	hasher, err := h.Key.For(org)
	if err != nil {
		return 0, http.StatusInternalServerError, err
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	received := now()
	msgs := make([]surveys.Message, 0, len(responses))
	for _, resp := range responses {
		m, err := surveys.Map(org, form, resp, hasher, received)
		if err != nil {
			return 0, status(stageRead, err), err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		if err := h.Queue.Send(r.Context(), msgs); err != nil {
			return 0, status(stageQueue, err), err
		}
	}
	return len(msgs), http.StatusOK, nil
}

// route reads {org} and {form} from /surveys/{org}/{form}, wherever the
// handler is mounted.
func route(path string) (org, form string, err error) {
	i := strings.Index(path, "/surveys/")
	if i < 0 {
		return "", "", pipeline.Errorf(pipeline.NotFound, "%s is not /surveys/{org}/{form}", path)
	}
	parts := strings.Split(strings.Trim(path[i+len("/surveys/"):], "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", pipeline.Errorf(pipeline.NotFound, "%s is not /surveys/{org}/{form}", path)
	}
	return parts[0], parts[1], nil
}

func writeReply(w http.ResponseWriter, code int, r Reply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(r)
}

// FileSecrets reads the secrets of one machine's forms from a JSON file,
// {"ORG/form": "secret", ...}, read once.
type FileSecrets map[string]string

// LoadFileSecrets reads a secrets file.
func LoadFileSecrets(path string) (FileSecrets, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read the webhook secrets: %w", err)
	}
	var s FileSecrets
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read the webhook secrets %s: %w", path, err)
	}
	return s, nil
}

// Secret returns a form's secret; a form with none is NotFound.
func (s FileSecrets) Secret(_ context.Context, org, form string) ([]byte, error) {
	v, ok := s[org+"/"+form]
	if !ok || v == "" {
		return nil, pipeline.Errorf(pipeline.NotFound, "no webhook secret for %s/%s", org, form)
	}
	return []byte(v), nil
}

