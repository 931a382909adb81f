package functest

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"
)

// SecretsExtension serves the AWS Parameters and Secrets Lambda
// Extension's endpoint on 127.0.0.1 with the given secrets (id -> text),
// as keysource reads them. It returns the environment a function needs to
// reach it. The extension wants the function's AWS_SESSION_TOKEN in a
// header; a function run by Run has static credentials and no token, so
// the header must be there and empty.
func SecretsExtension(tb testing.TB, secrets map[string]string) []string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/secretsmanager/get" || len(r.Header.Values("X-Aws-Parameters-Secrets-Token")) != 1 || r.Header.Get("X-Aws-Parameters-Secrets-Token") != "" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		text, ok := secrets[r.URL.Query().Get("secretId")]
		if !ok {
			http.Error(w, "no such secret", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"SecretString": text})
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return []string{"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + port}
}
