package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/keysource"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/erasure"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const (
	// StatusReceived is the status of a file that has landed and has not
	// been ingested yet; the others are the lake's (lake.UploadDone,
	// lake.UploadRejected, lake.UploadLate).
	StatusReceived lake.UploadState = "received"
	// StatusReplaced is the status of an upload that was current and whose
	// every table a return received later has replaced since.
	StatusReplaced lake.UploadState = "replaced"
	// maxBodyBytes bounds a request body: a request is a few short fields.
	maxBodyBytes = 16 << 10
	// readers is how many lake objects a listing reads at once.
	readers = 8
)

var (
	landingIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
	uploadIDPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// presigner signs the PUT of a landing object and the GET of a stored
// report; *s3.PresignClient is one.
type presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// handler answers the organisations' API.
type handler struct {
	cfg     config
	log     *slog.Logger
	std     *standard.Standard // the organisation codes' rule and the kinds of a return
	lake    *lake.Lake         // the lake: landing records, statuses, reports
	landing lake.Store         // the landing bucket: files not yet ingested
	raw     lake.Store         // the raw bucket, or nil: erasure purges its copies too
	reports lake.Store         // the reports bucket; nil when REPORTS_BUCKET is not set
	presign presigner          // signs upload URLs for the landing bucket
	now     func() time.Time
	newID   func() (string, error) // a new landing id
	// key fetches the pseudonymisation key, which only an erasure needs:
	// it is fetched on the first erasure, not at start-up, so that the
	// rest of the API runs without it.
	key func(context.Context) (pseudonym.Key, error)
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	for _, o := range cfg.Organisations {
		if err := std.ValidOrg(o); err != nil {
			return nil, fmt.Errorf("ORGANISATIONS: %w", err)
		}
	}
	awsCfg, err := s3store.LoadAWSConfig(ctx, "", cfg.Endpoint != "")
	if err != nil {
		return nil, err
	}
	// One client for the stores and the URLs, which it signs with the
	// function's own credentials: the uploader needs none.
	client := s3store.NewClient(awsCfg, cfg.Location)
	lakeStore, landingStore := s3store.NewFromClient(client, cfg.LakeBucket, cfg.LakePrefix), s3store.NewFromClient(client, cfg.LandingBucket, "")
	if err := errors.Join(lakeStore.Err(), landingStore.Err()); err != nil {
		return nil, err
	}
	optional := func(bucket string) (lake.Store, error) {
		if bucket == "" {
			return nil, nil
		}
		s := s3store.NewFromClient(client, bucket, "")
		return s, s.Err()
	}
	reportsStore, err := optional(cfg.ReportsBucket)
	if err != nil {
		return nil, err
	}
	rawStore, err := optional(cfg.RawBucket)
	if err != nil {
		return nil, err
	}
	return &handler{
		cfg: cfg, log: log, std: std,
		lake: &lake.Lake{Store: lakeStore}, landing: landingStore, raw: rawStore, reports: reportsStore, presign: s3.NewPresignClient(client),
		now: time.Now, newID: randomID,
		key: func(ctx context.Context) (pseudonym.Key, error) { return keysource.FromEnvironment(ctx, getenv) },
	}, nil
}

// randomID is a new landing id: 16 random bytes in hex.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", pipeline.Errorf(pipeline.Internal, "make a landing id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// answer is how this edge answers an error of each of the domain's kinds:
// the one table from pipeline kinds to HTTP statuses, as the CLI has one to
// exit codes and the ingest function one to retries. An error of a kind
// whose message is told is answered with its message, meant for the
// caller; any other's cause is logged, never sent.
var answer = map[pipeline.ErrorKind]struct {
	status int
	tell   bool
}{
	pipeline.Invalid:   {http.StatusBadRequest, true},
	pipeline.NotFound:  {http.StatusNotFound, true},
	pipeline.Forbidden: {http.StatusForbidden, true},
	pipeline.Conflict:  {http.StatusConflict, false},
	pipeline.Transient: {http.StatusServiceUnavailable, false},
	pipeline.Internal:  {http.StatusInternalServerError, false},
}

// unexplained is the answer to an error whose cause is not told.
const unexplained = "the service could not answer; please try again later"

// notAllowed is a request whose method the route does not serve: a 405,
// which alone of the answers needs a header (Allow), so it is no domain
// kind.
type notAllowed struct{ allow string }

func (e *notAllowed) Error() string { return "use " + strings.ReplaceAll(e.allow, ", ", " or ") }

// refused is a request the caller's sign-in does not allow (no
// organisation, or not the lead): a 403, by the table above.
func refused(msg string) error { return pipeline.Errorf(pipeline.Forbidden, "%s", msg) }

func badRequest(format string, args ...any) error {
	return pipeline.Errorf(pipeline.Invalid, format, args...)
}

// noUpload answers alike for an id that does not exist and an id of
// another organisation, so that nothing is learnt of the others' uploads.
func noUpload() error { return pipeline.Errorf(pipeline.NotFound, "no such upload") }

// Handle answers one API request. It never fails the invocation: every
// failure is an HTTP answer, and an unexpected one is logged.
func (h *handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := ev.RequestContext.HTTP.Method
	log := h.log.With("request_id", ev.RequestContext.RequestID, "method", method)
	org, ok := h.org(ev)
	if !ok {
		org = "" // a lead of no organisation: the lead's routes only
	}
	log = log.With("org", org)
	var (
		status int
		body   any
		err    error
	)
	if !ok && !h.isLead(ev) {
		log.Warn("refused: the token names no organisation", "claim", h.cfg.ClaimOrg)
		err = noOrg() // answered by the table, as every 403
	} else {
		status, body, err = h.serve(ctx, log, org, ev)
	}
	if err == nil {
		log.Info("answered", "status", status)
		return reply(status, body, ""), nil
	}
	var na *notAllowed
	if errors.As(err, &na) {
		log.Info("answered", "status", http.StatusMethodNotAllowed, "reason", err.Error())
		return reply(http.StatusMethodNotAllowed, errorBody{err.Error()}, na.allow), nil
	}
	kind := pipeline.KindOf(err)
	a := answer[kind]
	switch {
	case !a.tell:
		log.Error("failed", "status", a.status, "kind", kind.String(), "error", err.Error())
		return reply(a.status, errorBody{unexplained}, ""), nil
	case kind == pipeline.Invalid:
		// The message may quote the caller's input, such as a file name,
		// which may name a person: it is answered, not logged.
		log.Info("answered", "status", a.status)
	default:
		log.Info("answered", "status", a.status, "reason", err.Error())
	}
	return reply(a.status, errorBody{err.Error()}, ""), nil
}

// org is the caller's organisation: from the token's claims only.
func (h *handler) org(ev events.APIGatewayV2HTTPRequest) (string, bool) {
	auth := ev.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		return "", false
	}
	org := auth.JWT.Claims[h.cfg.ClaimOrg]
	return org, h.std.ValidOrg(org) == nil
}

// serve routes a request of an organisation.
func (h *handler) serve(ctx context.Context, log *slog.Logger, org string, ev events.APIGatewayV2HTTPRequest) (int, any, error) {
	if status, body, ok, err := h.servePages(ctx, log, org, ev); ok {
		return status, body, err
	}
	if org == "" {
		return 0, nil, noOrg()
	}
	method := ev.RequestContext.HTTP.Method
	parts := strings.Split(strings.Trim(requestPath(ev), "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "uploads":
		switch method {
		case http.MethodPost:
			return h.create(ctx, log, org, ev)
		case http.MethodGet:
			return h.list(ctx, org)
		}
		return 0, nil, &notAllowed{allow: "GET, POST"}
	case len(parts) == 2 && parts[0] == "uploads" && (parts[1] == "due" || parts[1] == "survey-rejections"):
		if method != http.MethodGet {
			return 0, nil, &notAllowed{allow: "GET"}
		}
		if parts[1] == "due" {
			return h.due(ctx, org)
		}
		return h.surveyRejections(ctx, org)
	case len(parts) == 2 && parts[0] == "uploads":
		if method != http.MethodGet {
			return 0, nil, &notAllowed{allow: "GET"}
		}
		return h.get(ctx, log.With("landing_id", parts[1]), org, parts[1])
	case len(parts) == 1 && parts[0] == "erasures":
		if method != http.MethodPost {
			return 0, nil, &notAllowed{allow: "POST"}
		}
		return h.erase(ctx, log, ev)
	case len(parts) == 1 && parts[0] == "explain":
		if method != http.MethodGet {
			return 0, nil, &notAllowed{allow: "GET"}
		}
		return h.explain(ctx, org, ev.QueryStringParameters)
	}
	return 0, nil, pipeline.Errorf(pipeline.NotFound, "no such route")
}

// dueList is the answer to GET /uploads/due.
type dueList struct {
	Org string `json:"org"`
	On  string `json:"on"`
	// Surveys are the follow-up surveys due in the next four weeks and
	// those overdue with no answer (surveys.DueList), each carer named by
	// the upload, file, sheet and row of their registration.
	Surveys []surveys.DueSurvey `json:"surveys"`
}

// due answers GET /uploads/due: the organisation's follow-up surveys due.
func (h *handler) due(ctx context.Context, org string) (int, any, error) {
	list, err := h.dueSurveys(ctx, org)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, dueList{Org: org, On: pipeline.DaysOf(h.now()).String(), Surveys: list}, nil
}

// dueSurveys is the organisation's due list today, [] when empty.
func (h *handler) dueSurveys(ctx context.Context, org string) ([]surveys.DueSurvey, error) {
	list, err := surveys.DueList(ctx, h.lake, h.std, org, pipeline.DaysOf(h.now()))
	if list == nil {
		list = []surveys.DueSurvey{}
	}
	return list, err
}

// surveyRejections answers GET /uploads/survey-rejections: the survey
// responses that failed validation, with the reasons, and those held for a
// carer not registered yet.
func (h *handler) surveyRejections(ctx context.Context, org string) (int, any, error) {
	rej, err := surveys.Rejections(ctx, h.lake, org)
	if err != nil {
		return 0, nil, err
	}
	held, err := surveys.Holds(ctx, h.lake, org)
	if err != nil {
		return 0, nil, err
	}
	type heldResponse struct {
		Form       string    `json:"form"`
		Tool       string    `json:"tool"`
		ResponseID string    `json:"response_id"`
		Submitted  time.Time `json:"submitted_at"`
		Since      time.Time `json:"held_since"`
	}
	out := struct {
		Rejected []surveys.Rejected `json:"rejected"`
		Held     []heldResponse     `json:"held"`
	}{Rejected: rej, Held: []heldResponse{}}
	if out.Rejected == nil {
		out.Rejected = []surveys.Rejected{}
	}
	for _, h := range held {
		out.Held = append(out.Held, heldResponse{h.Message.Form, h.Message.Tool, h.Message.ResponseID, h.Message.Submitted, h.Since})
	}
	return http.StatusOK, out, nil
}

// requestPath is the path of a request without the stage: on a stage other
// than $default the raw path starts with the stage's name.
func requestPath(ev events.APIGatewayV2HTTPRequest) string {
	p := ev.RawPath
	if p == "" {
		p = ev.RequestContext.HTTP.Path
	}
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := strings.CutPrefix(p, "/"+st); ok && (rest == "" || rest[0] == '/') {
			p = rest
		}
	}
	return p
}

// createRequest is the body of POST /uploads. Any other field, such as an
// org, is ignored: the organisation is the token's.
type createRequest struct {
	Period   string `json:"period"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// createResponse tells the uploader how to send the file.
type createResponse struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// create signs a URL to PUT one file to its landing key.
func (h *handler) create(ctx context.Context, log *slog.Logger, org string, ev events.APIGatewayV2HTTPRequest) (int, any, error) {
	req, err := readCreate(ev)
	if err != nil {
		return 0, nil, err
	}
	now := h.now().UTC()
	period, err := checkPeriod(req.Period, now)
	if err != nil {
		return 0, nil, err
	}
	if err := landing.CheckFileName(req.Filename); err != nil {
		return 0, nil, err
	}
	maxBytes := int64(h.cfg.MaxUploadMB) << 20
	switch {
	case req.Size < 1:
		return 0, nil, badRequest("size: give the file's size in bytes")
	case req.Size > maxBytes:
		return 0, nil, badRequest("size %d bytes: a file may be at most %d MB", req.Size, h.cfg.MaxUploadMB)
	}
	id, err := h.newID()
	if err != nil {
		return 0, nil, err
	}
	key := landing.Key(landing.Upload{Org: org, Period: period, ID: id, File: req.Filename})
	// The signature covers Content-Length: S3 refuses a body of any other size.
	signed, err := h.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(h.cfg.LandingBucket), Key: aws.String(key), ContentLength: aws.Int64(req.Size),
	}, s3.WithPresignExpires(h.cfg.URLTTL))
	if err != nil {
		return 0, nil, pipeline.Errorf(pipeline.Internal, "sign the upload URL of %s: %w", id, err)
	}
	headers := map[string]string{}
	for k, v := range signed.SignedHeader {
		if !strings.EqualFold(k, "Host") {
			headers[http.CanonicalHeaderKey(k)] = strings.Join(v, ",")
		}
	}
	headers["Content-Length"] = strconv.FormatInt(req.Size, 10)
	log.Info("upload URL issued", "landing_id", id, "period", period.String(), "size", req.Size)
	return http.StatusCreated, createResponse{
		ID: id, Key: key, URL: signed.URL, Method: signed.Method, Headers: headers, ExpiresAt: now.Add(h.cfg.URLTTL),
	}, nil
}

func readCreate(ev events.APIGatewayV2HTTPRequest) (createRequest, error) {
	const want = `send JSON like {"period":"2026-Q3","filename":"carers.csv","size":12345}`
	var req createRequest
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return req, badRequest("read the request: the body is not valid base64")
		}
		body = b
	}
	if len(body) > maxBodyBytes {
		return req, badRequest("read the request: the body is too long; %s", want)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return req, badRequest("read the request: %s; %s", jsonProblem(err), want)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, badRequest("read the request: more than one JSON value; %s", want)
	}
	return req, nil
}

// jsonProblem says what is wrong with a body in the caller's terms.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "size":
		return "size must be a whole number of bytes"
	case errors.As(err, &te) && te.Field != "":
		return te.Field + " must be a string"
	}
	if errors.Is(err, io.EOF) {
		return "the body is empty"
	}
	return "the body is not valid JSON"
}

// checkPeriod accepts a quarter from 2000-Q1 up to the current one.
func checkPeriod(s string, now time.Time) (pipeline.Period, error) {
	p, err := pipeline.ParsePeriod(s)
	if err != nil {
		return p, fmt.Errorf("period: %w", err)
	}
	cur := pipeline.PeriodOf(now)
	switch {
	case p.Year < 2000:
		return p, badRequest("period %s: returns start in 2000-Q1", p)
	case p.Compare(cur) > 0:
		return p, badRequest("period %s has not started yet: the latest quarter is %s", p, cur)
	}
	return p, nil
}

// upload is what the API says of one landed file.
type upload struct {
	ID         string           `json:"id"` // the landing id
	Status     lake.UploadState `json:"status"`
	File       string           `json:"file"`
	Period     string           `json:"period"`
	UploadID   string           `json:"upload_id,omitempty"`
	Kinds      []string         `json:"kinds,omitempty"`
	Replaced   []string         `json:"replaced_kinds,omitempty"` // of Kinds, those a later return has replaced
	ReceivedAt time.Time        `json:"received_at"`
	DoneAt     *time.Time       `json:"done_at,omitempty"`
}

// uploadDetail is one upload with its report.
type uploadDetail struct {
	upload
	Report json.RawMessage `json:"report,omitempty"`
}

type uploadList struct {
	Uploads []upload `json:"uploads"`
}

// list answers an organisation's uploads, newest first: the ingested ones
// from their landing records and statuses in the lake, and the files still
// waiting in the landing bucket.
func (h *handler) list(ctx context.Context, org string) (int, any, error) {
	waiting, err := h.waiting(ctx, org)
	if err != nil {
		return 0, nil, err
	}
	prefix := "uploads/" + org + "/landed/"
	objs, err := h.lake.Store.List(ctx, prefix)
	if err != nil {
		return 0, nil, fmt.Errorf("list the landing records of %s: %w", org, err)
	}
	var ids []string
	for _, o := range objs {
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefix), ".json")
		if ok && landingIDPattern.MatchString(id) {
			ids = append(ids, id)
		}
	}
	found := make([]upload, len(ids))
	ok := make([]bool, len(ids))
	err = each(len(ids), func(i int) error {
		u, _, exists, err := h.recorded(ctx, org, ids[i], false)
		found[i], ok[i] = u, exists
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	out := uploadList{Uploads: []upload{}}
	for i, id := range ids {
		if !ok[i] {
			continue // removed while listing
		}
		delete(waiting, id) // ingested: the record tells more
		out.Uploads = append(out.Uploads, found[i])
	}
	for _, w := range waiting {
		out.Uploads = append(out.Uploads, w)
	}
	sort.Slice(out.Uploads, func(i, j int) bool {
		a, b := out.Uploads[i], out.Uploads[j]
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.After(b.ReceivedAt)
		}
		return a.ID > b.ID
	})
	return http.StatusOK, out, nil
}

// get answers one upload of the organisation, with its report once there is one.
func (h *handler) get(ctx context.Context, log *slog.Logger, org, id string) (int, any, error) {
	if !landingIDPattern.MatchString(id) {
		return 0, nil, noUpload()
	}
	u, report, ok, err := h.recorded(ctx, org, id, true)
	if err != nil {
		return 0, nil, err
	}
	if ok {
		return http.StatusOK, uploadDetail{upload: u, Report: report}, nil
	}
	waiting, err := h.waiting(ctx, org)
	if err != nil {
		return 0, nil, err
	}
	if w, ok := waiting[id]; ok {
		return http.StatusOK, uploadDetail{upload: w}, nil
	}
	log.Info("no such upload of the organisation")
	return 0, nil, noUpload()
}

// waiting lists the organisation's files in the landing bucket, by landing
// id, as received; the ones already ingested are told apart by the caller.
func (h *handler) waiting(ctx context.Context, org string) (map[string]upload, error) {
	prefix := landing.Prefix + "org=" + org + "/"
	objs, err := h.landing.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list the landed files of %s: %w", org, err)
	}
	out := map[string]upload{}
	for _, o := range objs {
		up, err := landing.Parse(h.std, o.Key)
		if err != nil || up.Org != org {
			continue // not written through this API: never ingested either
		}
		out[up.ID] = upload{ID: up.ID, Status: StatusReceived, File: up.File, Period: up.Period.String(), ReceivedAt: o.Modified.UTC()}
	}
	return out, nil
}

// recorded reads the landing record of an ingested file, joined with its
// upload's status and, if asked, its report. ok is false when the file has
// no record (yet) in this organisation.
func (h *handler) recorded(ctx context.Context, org, id string, withReport bool) (u upload, report json.RawMessage, ok bool, err error) {
	var rec landing.Record
	obj, found, err := h.readJSON(ctx, landing.RecordKey(org, id), &rec)
	if err != nil || !found {
		return u, nil, false, err
	}
	if rec.Org != org || rec.LandingID != id {
		h.log.Warn("landing record names another upload: ignored", "org", org, "landing_id", id)
		return u, nil, false, nil
	}
	u = upload{ID: id, Status: rec.Status, File: rec.File, Period: rec.Period, ReceivedAt: obj.Modified.UTC()}
	if !uploadIDPattern.MatchString(rec.UploadID) {
		return u, nil, true, nil
	}
	u.UploadID = rec.UploadID
	st, found, err := h.lake.Status(ctx, org, rec.UploadID)
	if err != nil || !found || st.Period != rec.Period {
		// No status yet, or the same bytes sent for another quarter since:
		// the record alone speaks for this file.
		return u, nil, true, err
	}
	u.Status = st.Status
	if st.Status == lake.UploadDuplicate {
		u.Status = lake.UploadDone
	}
	u.Kinds = st.Kinds
	if u.Status == lake.UploadDone {
		// The status says what the upload did when it was ingested; the
		// pointers say what stands now.
		if u.Replaced, err = h.replaced(ctx, st); err != nil {
			return u, nil, true, err
		}
		if len(u.Replaced) > 0 && len(u.Replaced) == len(st.Kinds) {
			u.Status = StatusReplaced
		}
	}
	if !st.Received.IsZero() {
		u.ReceivedAt = st.Received.UTC()
	}
	if !st.Done.IsZero() {
		done := st.Done.UTC()
		u.DoneAt = &done
	}
	if withReport {
		report, err = h.readRaw(ctx, lake.UploadKey(org, rec.UploadID, "report.json"))
		if err != nil {
			return u, nil, true, err
		}
	}
	return u, report, true, nil
}

// replaced lists the kinds an upload made current whose pointer now names
// another upload.
func (h *handler) replaced(ctx context.Context, st lake.UploadStatus) ([]string, error) {
	period, err := pipeline.ParsePeriod(st.Period)
	if err != nil {
		return nil, nil // a status of no quarter: nothing to compare
	}
	var out []string
	for _, kind := range st.Kinds {
		ptr, _, ok, err := h.lake.Current(ctx, lake.Partition{Kind: kind, Org: st.Org, Period: period})
		if err != nil {
			return nil, err
		}
		if ok && ptr.UploadID != st.UploadID {
			out = append(out, kind)
		}
	}
	return out, nil
}

// readJSON decodes a lake object; found is false when there is none.
func (h *handler) readJSON(ctx context.Context, key string, v any) (lake.Object, bool, error) {
	rc, obj, err := h.lake.Store.Get(ctx, key)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return obj, false, nil
	}
	if err != nil {
		return obj, false, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(v); err != nil {
		return obj, false, pipeline.Errorf(pipeline.Internal, "decode %s: %w", key, err)
	}
	return obj, true, nil
}

// readRaw reads a stored JSON document as it is; nil when there is none.
func (h *handler) readRaw(ctx context.Context, key string) (json.RawMessage, error) {
	rc, _, err := h.lake.Store.Get(ctx, key)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "read %s: %w", key, err)
	}
	if !json.Valid(b) {
		return nil, pipeline.Errorf(pipeline.Internal, "read %s: not JSON", key)
	}
	return json.RawMessage(bytes.TrimSpace(b)), nil
}

// each calls fn for 0..n-1, a few at a time, and returns the first error.
func each(n int, fn func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(readers)
	for i := range n {
		g.Go(func() error { return fn(i) })
	}
	return g.Wait()
}

type errorBody struct {
	Error string `json:"error"`
}

// reply is a JSON answer.
func reply(status int, body any, allow string) events.APIGatewayV2HTTPResponse {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"the service could not answer; please try again later"}`)
	}
	headers := map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}
	if allow != "" {
		headers["Allow"] = allow
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: headers, Body: string(b)}
}

// explain lists the rows of the caller's own returns behind one of its own
// figures (pipeline/lineage), as outcomes explain does: GET
// /explain?period=YYYY-Qn&figure=ID[&cohort=YYYY-Qn][&subgroup=DIM=VALUE].
// The organisation is the token's: no other organisation's rows are read.
func (h *handler) explain(ctx context.Context, org string, params map[string]string) (int, any, error) {
	const want = "give period=YYYY-Qn and figure=ID, and cohort=YYYY-Qn or subgroup=DIMENSION=VALUE for such a figure"
	period, err := checkPeriod(params["period"], h.now().UTC())
	if err != nil {
		return 0, nil, err
	}
	if params["figure"] == "" {
		return 0, nil, badRequest("figure: %s", want)
	}
	q := metrics.Query{ID: params["figure"], Cohort: params["cohort"]}
	if s := params["subgroup"]; s != "" {
		sub, err := metrics.ParseSubgroup(s)
		if err != nil {
			return 0, nil, badRequest("%s", err.Error())
		}
		q.Subgroup = sub
	}
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		return 0, nil, err
	}
	tr, err := lineage.Open(ctx, h.lake, h.std, model, org, period)
	if err != nil {
		return 0, nil, err
	}
	res, err := tr.Explain(q)
	if err != nil {
		return 0, nil, err // NotFound: no such figure; Invalid: its rows are not listed
	}
	return http.StatusOK, res, nil
}

// eraseRequest is the body of POST /erasures.
type eraseRequest struct {
	Org       string `json:"org"`
	ClientRef string `json:"client_ref"`
	Reason    string `json:"reason"`
}

// erase removes one carer from the lake at their request (pipeline/erasure,
// docs/erasure.md): the consortium lead's, for any organisation. Running
// it again finishes an erasure that stopped part way (a timeout of the
// API, for a large organisation), so a caller retries until it answers 200.
func (h *handler) erase(ctx context.Context, log *slog.Logger, ev events.APIGatewayV2HTTPRequest) (int, any, error) {
	if !h.isLead(ev) {
		return 0, nil, refused("only the consortium lead may erase a carer")
	}
	const want = `send JSON like {"org":"LEEDS-CC","client_ref":"LCC00317","reason":"Art. 17 request received 2026-11-20, ref 2026/041"}`
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return 0, nil, badRequest("read the request: the body is not valid base64")
		}
		body = b
	}
	var req eraseRequest
	if len(body) > maxBodyBytes || json.Unmarshal(body, &req) != nil {
		return 0, nil, badRequest("read the request: %s", want)
	}
	if h.std.ValidOrg(req.Org) != nil || strings.TrimSpace(req.ClientRef) == "" || strings.TrimSpace(req.Reason) == "" {
		return 0, nil, badRequest("org, client_ref and reason are required: %s", want)
	}
	key, err := h.key(ctx)
	if err != nil {
		return 0, nil, err
	}
	claims := ev.RequestContext.Authorizer.JWT.Claims
	who := claims["username"]
	if who == "" {
		who = claims["sub"]
	}
	rec, err := erasure.Erase(ctx, erasure.Config{Standard: h.std, Lake: h.lake, Key: key, Landing: h.landing, Raw: h.raw, Now: h.now},
		erasure.Request{Org: req.Org, ClientRef: req.ClientRef, Reason: req.Reason, RequestedBy: "the consortium lead " + who + " through the uploads API"})
	if err != nil {
		return 0, nil, err
	}
	// The record names no carer; its id is logged so that the lead's
	// request can be matched to the register.
	log.Info("carer erased", "erasure_id", rec.ID, "files", len(rec.Files), "objects", len(rec.Objects), "run", rec.Runs)
	return http.StatusOK, rec, nil
}
