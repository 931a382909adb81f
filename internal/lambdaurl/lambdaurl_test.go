package lambdaurl_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdaurl"
)

func event(tb testing.TB) events.LambdaFunctionURLRequest {
	tb.Helper()
	b, err := os.ReadFile("../../testdata/events/function-url-post-form.json")
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.LambdaFunctionURLRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		tb.Fatal(err)
	}
	return ev
}

func TestRequest(t *testing.T) {
	r, err := lambdaurl.Request(context.Background(), event(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Fatalf("the multipart body: %v", err)
	}
	f, h, err := r.FormFile("files")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	c, err := r.Cookie("outcomes_session")
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"method", r.Method, http.MethodPost},
		{"path", r.URL.Path, "/upload"},
		{"query", r.URL.Query().Get("x"), "a b"},
		{"form value from the query", r.FormValue("period"), "2026-Q3"},
		{"form value from the body", r.PostFormValue("csrf"), "tok"},
		{"file name", h.Filename, "carers.csv"},
		{"file bytes", string(data), "client_ref\r\nP1"},
		{"cookie", c != nil && err == nil && c.Value == "abc.def", true},
		{"another cookie", len(r.Cookies()), 2},
		{"header", r.Header.Get("Origin"), "https://d111111abcdef8.cloudfront.net"},
		{"origin secret header", r.Header.Get("X-Origin-Verify"), "{{ORIGIN}}"},
		{"host", r.Host, "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-2.on.aws"},
		{"remote address", r.RemoteAddr, "130.176.0.1"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("%v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00binary")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Vary", "Cookie")
		w.Header().Add("Vary", "Accept")
		io.WriteString(w, "<p>Café</p>")
	})
	mux.HandleFunc("GET /image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	})
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(strings.Repeat("x", lambdaurl.MaxResponseBytes+1)))
	})
	h := lambdaurl.Handler(mux, slog.New(slog.NewTextHandler(io.Discard, nil)))
	get := func(path string) events.LambdaFunctionURLResponse {
		ev := event(t)
		ev.RequestContext.HTTP.Method, ev.RawPath, ev.Body, ev.IsBase64Encoded = http.MethodGet, path, "", false
		resp, err := h(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	t.Run("text with cookies", func(t *testing.T) {
		resp := get("/page")
		if resp.StatusCode != 200 || resp.IsBase64Encoded || resp.Body != "<p>Café</p>" {
			t.Errorf("%d base64=%v %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
		}
		if !slices.Equal(resp.Cookies, []string{"a=1", "b=2"}) || resp.Headers["Set-Cookie"] != "" {
			t.Errorf("cookies %q, Set-Cookie header %q: want each cookie in Cookies", resp.Cookies, resp.Headers["Set-Cookie"])
		}
		if resp.Headers["Vary"] != "Cookie, Accept" {
			t.Errorf("Vary %q", resp.Headers["Vary"])
		}
	})
	t.Run("binary as base64", func(t *testing.T) {
		resp := get("/image")
		got, err := base64.StdEncoding.DecodeString(resp.Body)
		if !resp.IsBase64Encoded || err != nil || string(got) != string(png) {
			t.Errorf("base64=%v %q", resp.IsBase64Encoded, resp.Body)
		}
	})
	t.Run("redirect", func(t *testing.T) {
		if resp := get("/redirect"); resp.StatusCode != http.StatusSeeOther || resp.Headers["Location"] != "/tasks" {
			t.Errorf("%d %v", resp.StatusCode, resp.Headers)
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		if resp := get("/big"); resp.StatusCode != http.StatusInternalServerError || len(resp.Body) > 1000 {
			t.Errorf("%d with %d bytes, want a short 500", resp.StatusCode, len(resp.Body))
		}
	})
	t.Run("body not base64", func(t *testing.T) {
		ev := event(t)
		ev.Body = "%%%"
		if resp, err := h(context.Background(), ev); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%d %v, want 400", resp.StatusCode, err)
		}
	})
}
