// Package keysource fetches the consortium's pseudonymisation key, and the
// other secrets a function reads, from where a deployment keeps them: in
// AWS, AWS Secrets Manager, read through the AWS Parameters and Secrets
// Lambda Extension (a local HTTP endpoint, so the functions need no Secrets
// Manager SDK and the secret is cached by the extension); on one machine, a
// file. The key is never logged, never written
// to the lake and never held in a plain environment variable.
package keysource

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
)

// DefaultExtensionPort is where the extension listens unless
// PARAMETERS_SECRETS_EXTENSION_HTTP_PORT says otherwise.
const DefaultExtensionPort = "2773"

// FromSecretsExtension reads a secret holding the key (base64 or hex text)
// from the extension. token is the function's AWS_SESSION_TOKEN, which the
// extension requires; port is "" for the default.
func FromSecretsExtension(ctx context.Context, secretID, token, port string) (pseudonym.Key, error) {
	text, err := SecretString(ctx, secretID, token, port)
	if err != nil {
		return pseudonym.Key{}, fmt.Errorf("fetch the pseudonymisation key: %w", err)
	}
	k, err := pseudonym.ParseKey([]byte(text))
	if err != nil {
		return pseudonym.Key{}, fmt.Errorf("secret %s: %w", secretID, err)
	}
	return k, nil
}

// SecretString reads a secret's text from the extension. A secret that does
// not exist is NotFound (the extension answers 400 for it, as Secrets
// Manager's ResourceNotFoundException).
func SecretString(ctx context.Context, secretID, token, port string) (string, error) {
	if port == "" {
		port = DefaultExtensionPort
	}
	u := "http://localhost:" + port + "/secretsmanager/get?secretId=" + url.QueryEscape(secretID)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", pipeline.Errorf(pipeline.Internal, "read secret %s: %w", secretID, err)
	}
	req.Header.Set("X-Aws-Parameters-Secrets-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", pipeline.Errorf(pipeline.Transient, "read secret %s: %w", secretID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", pipeline.Errorf(pipeline.Transient, "read secret %s: %w", secretID, err)
	}
	if resp.StatusCode != http.StatusOK {
		kind := pipeline.Internal
		switch {
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			kind = pipeline.Transient
		case resp.StatusCode == http.StatusBadRequest && bytes.Contains(body, []byte("ResourceNotFound")):
			kind = pipeline.NotFound
		}
		return "", pipeline.Errorf(kind, "read secret %s: the secrets extension answered %s", secretID, resp.Status)
	}
	var secret struct {
		SecretString string `json:"SecretString"`
	}
	if err := json.Unmarshal(body, &secret); err != nil || secret.SecretString == "" {
		return "", pipeline.Errorf(pipeline.Internal, "read secret %s: no SecretString in the answer", secretID)
	}
	return secret.SecretString, nil
}

// FromEnvironment fetches the key as the functions' environment says:
// OUTCOMES_KEY_SECRET_ID (through the extension) or, outside AWS,
// OUTCOMES_KEY_FILE. getenv is os.Getenv in production.
func FromEnvironment(ctx context.Context, getenv func(string) string) (pseudonym.Key, error) {
	if id := getenv("OUTCOMES_KEY_SECRET_ID"); id != "" {
		return FromSecretsExtension(ctx, id, getenv("AWS_SESSION_TOKEN"), getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"))
	}
	if path := getenv("OUTCOMES_KEY_FILE"); path != "" {
		return pseudonym.LoadKey(path)
	}
	return pseudonym.Key{}, pipeline.Errorf(pipeline.Invalid, "no pseudonymisation key: set OUTCOMES_KEY_SECRET_ID (Secrets Manager) or OUTCOMES_KEY_FILE")
}
