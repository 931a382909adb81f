// Package lambdaurl serves an http.Handler as a Lambda function behind a
// function URL (payload format 2.0, which CloudFront reaches as an
// origin): each invocation's event becomes an *http.Request, and what the
// handler writes becomes the response. The web pages are one handler for
// `outcomes serve` and for Lambda, so they are not written twice.
package lambdaurl

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxResponseBytes is the most a function URL returns: Lambda's 6 MB
// response limit, less room for the headers and the JSON around the body.
const MaxResponseBytes = 6<<20 - 64<<10

// Handler is h as a function URL's handler. A request the event cannot
// make, or a response over the limit, is answered with an error status,
// never a Lambda error: a Lambda error would make CloudFront answer 502
// and log nothing of why.
func Handler(h http.Handler, log *slog.Logger) func(context.Context, events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	return func(ctx context.Context, ev events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		r, err := Request(ctx, ev)
		if err != nil {
			log.Warn("refused an event that makes no request", "error", err.Error(), "request_id", ev.RequestContext.RequestID)
			return plain(http.StatusBadRequest, "Bad request"), nil
		}
		w := &responseWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		resp := w.response()
		if len(resp.Body) > MaxResponseBytes {
			log.Error("the response is over a function URL's limit", "bytes", len(resp.Body), "route", ev.RawPath)
			return plain(http.StatusInternalServerError, "Sorry, there is a problem with the service: the page is too large to send."), nil
		}
		return resp, nil
	}
}

// Request is the HTTP request an event carries.
func Request(ctx context.Context, ev events.LambdaFunctionURLRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	u := &url.URL{Path: ev.RawPath, RawQuery: ev.RawQueryString}
	if p, err := url.PathUnescape(ev.RawPath); err == nil {
		u.Path, u.RawPath = p, ev.RawPath
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		// Lambda joins a repeated header with commas; one value is how
		// every header the pages read arrives.
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.Host = ev.Headers["host"]
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	r.RequestURI = u.RequestURI()
	r.ContentLength = int64(len(body))
	return r, nil
}

// responseWriter keeps a response whole: Lambda sends it at once.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *responseWriter) response() events.LambdaFunctionURLResponse {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	resp := events.LambdaFunctionURLResponse{StatusCode: w.status, Headers: map[string]string{}, Cookies: w.header.Values("Set-Cookie")}
	for k, v := range w.header {
		if k != "Set-Cookie" {
			resp.Headers[k] = strings.Join(v, ", ")
		}
	}
	b := w.body.Bytes()
	if ct := w.header.Get("Content-Type"); ct == "" && len(b) > 0 {
		resp.Headers["Content-Type"] = http.DetectContentType(b)
	}
	if textual(resp.Headers["Content-Type"]) && utf8.Valid(b) {
		resp.Body = string(b)
	} else if len(b) > 0 {
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return resp
}

// textual says a body of this type is sent as text, others as base64.
func textual(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(t, "text/") || t == "application/json" || t == "application/javascript" || strings.HasSuffix(t, "+xml")
}

func plain(status int, msg string) events.LambdaFunctionURLResponse {
	return events.LambdaFunctionURLResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}, Body: msg}
}
