package keysource

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

const goodKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// extension serves the secrets extension's endpoint with a fixed answer.
func extension(tb testing.TB, status int, body string) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Aws-Parameters-Secrets-Token") != "tok" || r.URL.Query().Get("secretId") != "the-secret" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestFromSecretsExtension(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		token  string
		kind   pipeline.ErrorKind // ignored when ok
		ok     bool
	}{
		{"a key", 200, `{"SecretString":"` + goodKey + `"}`, "tok", 0, true},
		{"wrong token", 200, `{"SecretString":"` + goodKey + `"}`, "other", pipeline.Internal, false},
		{"extension failing", 500, "oops", "tok", pipeline.Transient, false},
		{"no secret string", 200, `{"SecretBinary":"AAEC"}`, "tok", pipeline.Internal, false},
		{"a short key", 200, `{"SecretString":"abcd"}`, "tok", pipeline.Invalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := extension(t, tt.status, tt.body)
			k, err := FromSecretsExtension(context.Background(), "the-secret", tt.token, port)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := k.For("X"); err != nil {
					t.Error(err)
				}
				return
			}
			if err == nil || pipeline.KindOf(err) != tt.kind {
				t.Errorf("error %v of kind %v, want %v", err, pipeline.KindOf(err), tt.kind)
			}
			if err != nil && strings.Contains(err.Error(), goodKey) {
				t.Error("the error shows the key")
			}
		})
	}
	t.Run("no extension", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		if _, err := FromSecretsExtension(context.Background(), "the-secret", "tok", port); pipeline.KindOf(err) != pipeline.Transient {
			t.Errorf("error %v, want transient", err)
		}
	})
}

func TestFromEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(goodKey), 0o600)
	port := extension(t, 200, `{"SecretString":"`+goodKey+`"}`)
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"secret", map[string]string{"OUTCOMES_KEY_SECRET_ID": "the-secret", "AWS_SESSION_TOKEN": "tok", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": port}, true},
		{"file", map[string]string{"OUTCOMES_KEY_FILE": file}, true},
		{"the secret wins over a file", map[string]string{"OUTCOMES_KEY_SECRET_ID": "the-secret", "AWS_SESSION_TOKEN": "bad", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": port, "OUTCOMES_KEY_FILE": file}, false},
		{"nothing", map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromEnvironment(context.Background(), func(k string) string { return tt.env[k] })
			if (err == nil) != tt.ok {
				t.Errorf("FromEnvironment: %v", err)
			}
		})
	}
}
