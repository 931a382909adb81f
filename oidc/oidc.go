// Package oidc is the web pages' relying party for OpenID Connect: the
// authorization-code flow with PKCE of a public client (no client secret),
// as the Amazon Cognito hosted UI speaks it to the Lambda behind CloudFront.
//
// A Provider is built from configuration alone (New does no network, so a
// Lambda cold start costs nothing until someone signs in). The provider's
// discovery document and its key set (JWKS) are fetched on first use and
// cached; a failed fetch is not cached, so one network hiccup at a cold
// start does not poison the instance.
//
// Begin starts a sign-in: the caller keeps State, Nonce and Verifier (in a
// short-lived cookie, say) and sends the browser to URL. Finish exchanges
// the code the browser brings back for an ID token, which it verifies
// itself (RS256 only, against the provider's published keys) rather than
// trusting the channel, and answers the signed-in Identity. LogoutURL ends
// the provider's session too.
//
// Errors carry the pipeline's kinds: a refused code, a bad, forged or
// expired token are Invalid (signing in again is the remedy); an
// unreachable or failing provider is Transient; a provider whose discovery
// document is unusable is Internal (a configuration fault that no user can
// fix). No error message contains a token or a code.
//
// Package oidc/oidctest is a local OpenID provider for tests.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Config is a relying party's configuration.
type Config struct {
	// Issuer is the provider's issuer identifier, exactly as its discovery
	// document and its tokens spell it, e.g.
	// https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc (no
	// trailing slash). It must be https, except http on 127.0.0.1 or
	// localhost for tests.
	Issuer string
	// ClientID is the app client's id; the tokens' audience.
	ClientID string
	// RedirectURL is where the provider sends the browser back, e.g.
	// https://d123.cloudfront.net/auth/callback; it must be registered
	// with the provider.
	RedirectURL string
	// Scopes default to openid email profile; openid must be among them.
	Scopes []string
	// HTTP is the client for the provider; nil is a client with a 10 s
	// timeout (a Lambda must not hang on a provider that does not answer).
	HTTP *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Start is a sign-in begun: the caller sends the browser to URL and keeps
// State, Nonce and Verifier until the callback, where State is compared
// with the callback's and Nonce and Verifier go to Finish.
type Start struct{ URL, State, Nonce, Verifier string }

// Identity is who signed in, from a verified ID token.
type Identity struct {
	Subject string
	Email   string
	// Groups is the "cognito:groups" claim, if any.
	Groups []string
	// Claims is every claim of the ID token as encoding/json decodes it
	// with UseNumber: numbers are json.Number, so none loses precision.
	Claims map[string]any
}

// Claim returns a string claim, "" when it is missing or not a string.
func (id Identity) Claim(name string) string {
	s, _ := id.Claims[name].(string)
	return s
}

// Provider is an OpenID provider as a relying party sees it. It is safe
// for concurrent use.
type Provider struct {
	cfg          Config
	scope        string
	discoveryURL string

	metaMu sync.Mutex // guards meta; held over the fetch, so one fetch serves all waiters
	meta   *metadata

	keysMu sync.Mutex                // guards keys and keysAt; held over the fetch
	keys   map[string]*rsa.PublicKey // nil before the first fetch
	keysAt time.Time                 // when keys were last fetched
}

// metadata is what the relying party keeps of the discovery document.
type metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
}

const (
	// maxBody bounds what the provider may send: a discovery document or a
	// key set is a few kilobytes, a token answer a few more; a larger body
	// is a fault, and must not exhaust a Lambda's memory.
	maxBody = 1 << 20
	// httpTimeout is the default client's: a Lambda must not hang on a
	// provider that does not answer.
	httpTimeout = 10 * time.Second
	// skew is the clock difference allowed between the provider and us.
	skew = 60 * time.Second
	// keysRefetch is how often at most an unknown kid makes the key set be
	// fetched again: a provider rotates rarely, and forged tokens with
	// made-up kids must not turn every request into a fetch.
	keysRefetch = time.Minute
)

// New checks the configuration and answers a Provider; it does no network.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: no issuer")
	}
	if err := checkURL(cfg.Issuer); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: the issuer %w", err)
	}
	if u, _ := url.Parse(cfg.Issuer); u.RawQuery != "" || u.Fragment != "" {
		// OpenID Connect Discovery: an issuer has no query or fragment.
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: the issuer has a query or fragment")
	}
	if cfg.ClientID == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: no client id")
	}
	if cfg.RedirectURL == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: no redirect URL")
	}
	if err := checkURL(cfg.RedirectURL); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: the redirect URL %w", err)
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"openid", "email", "profile"}
	}
	if !slices.Contains(cfg.Scopes, "openid") {
		// Without openid the provider answers no ID token at all.
		return nil, pipeline.Errorf(pipeline.Invalid, "configure OpenID Connect: the scopes lack openid")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: httpTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Provider{
		cfg:   cfg,
		scope: strings.Join(cfg.Scopes, " "),
		// OpenID Connect Discovery 1.0 §4: a terminating / of the issuer is
		// removed before the well-known path is appended.
		discoveryURL: strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration",
	}, nil
}

// checkURL checks that s is an absolute https URL, or http on the loopback
// (tests and a local run: nothing crosses a network).
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a URL")
	}
	if u.Host == "" || u.User != nil {
		return errors.New("is not an absolute URL with a host")
	}
	if u.Scheme == "https" {
		return nil
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		if u.Scheme == "http" {
			return nil
		}
	}
	return errors.New("is not https")
}

// now is the configured clock.
func (p *Provider) now() time.Time { return p.cfg.Now() }

// discover answers the discovery document, fetching it on first use. A
// failure is not kept: the next call fetches again.
//
// A document that cannot be used (malformed, another issuer, an endpoint
// missing or not https) is Internal rather than Invalid: it is a fault of
// the configuration or of the provider, not of anything the user sent,
// and no user can fix it by trying again.
func (p *Provider) discover(ctx context.Context) (*metadata, error) {
	p.metaMu.Lock()
	defer p.metaMu.Unlock()
	if p.meta != nil {
		return p.meta, nil
	}
	var m metadata
	if err := p.getJSON(ctx, p.discoveryURL, "the discovery document", &m); err != nil {
		return nil, err
	}
	if m.Issuer != p.cfg.Issuer {
		// OpenID Connect Discovery 1.0 §4.3: exactly equal, or tokens from
		// another issuer could be taken for this one's.
		return nil, pipeline.Errorf(pipeline.Internal, "read the discovery document: its issuer %q is not %q", m.Issuer, p.cfg.Issuer)
	}
	for _, e := range []struct{ name, url string }{
		{"authorization_endpoint", m.AuthorizationEndpoint},
		{"token_endpoint", m.TokenEndpoint},
		{"jwks_uri", m.JWKSURI},
	} {
		if e.url == "" {
			return nil, pipeline.Errorf(pipeline.Internal, "read the discovery document: no %s", e.name)
		}
		if err := checkURL(e.url); err != nil {
			return nil, pipeline.Errorf(pipeline.Internal, "read the discovery document: the %s %w", e.name, err)
		}
	}
	if m.EndSessionEndpoint != "" {
		if err := checkURL(m.EndSessionEndpoint); err != nil {
			return nil, pipeline.Errorf(pipeline.Internal, "read the discovery document: the end_session_endpoint %w", err)
		}
	}
	p.meta = &m
	return p.meta, nil
}

// Begin starts a sign-in: a fresh state, nonce and PKCE verifier, and the
// authorization endpoint's URL with them (the verifier as its S256
// challenge).
func (p *Provider) Begin(ctx context.Context) (Start, error) {
	m, err := p.discover(ctx)
	if err != nil {
		return Start{}, err
	}
	st := Start{State: random(), Nonce: random(), Verifier: random()}
	u, err := url.Parse(m.AuthorizationEndpoint)
	if err != nil { // checked by discover
		return Start{}, pipeline.Errorf(pipeline.Internal, "begin a sign-in: %w", err)
	}
	q := u.Query() // keep any query the endpoint comes with
	q.Set("response_type", "code")
	q.Set("client_id", p.cfg.ClientID)
	q.Set("redirect_uri", p.cfg.RedirectURL)
	q.Set("scope", p.scope)
	q.Set("state", st.State)
	q.Set("nonce", st.Nonce)
	q.Set("code_challenge", Challenge(st.Verifier))
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	st.URL = u.String()
	return st, nil
}

// random is 32 bytes from crypto/rand, base64url without padding: 43
// characters, which is also a PKCE verifier of RFC 7636's minimum length
// and 256 bits of entropy.
func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the S256 PKCE challenge of a verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// LogoutURL answers where to send the browser to end the provider's
// session, and then come back to returnTo (which must be registered with
// the provider as a sign-out URL). It is the discovery document's
// end_session_endpoint when there is one; otherwise Cognito's form, whose
// discovery document has none: /logout on the authorization endpoint's
// host, with client_id and logout_uri.
func (p *Provider) LogoutURL(ctx context.Context, returnTo string) (string, error) {
	if returnTo == "" {
		return "", pipeline.Errorf(pipeline.Invalid, "make the sign-out URL: no URL to return to")
	}
	if err := checkURL(returnTo); err != nil {
		return "", pipeline.Errorf(pipeline.Invalid, "make the sign-out URL: the URL to return to %w", err)
	}
	m, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	if m.EndSessionEndpoint != "" {
		u, err := url.Parse(m.EndSessionEndpoint)
		if err != nil { // checked by discover
			return "", pipeline.Errorf(pipeline.Internal, "make the sign-out URL: %w", err)
		}
		q := u.Query()
		q.Set("client_id", p.cfg.ClientID)
		q.Set("post_logout_redirect_uri", returnTo)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	a, err := url.Parse(m.AuthorizationEndpoint)
	if err != nil { // checked by discover
		return "", pipeline.Errorf(pipeline.Internal, "make the sign-out URL: %w", err)
	}
	u := url.URL{Scheme: a.Scheme, Host: a.Host, Path: "/logout",
		RawQuery: url.Values{"client_id": {p.cfg.ClientID}, "logout_uri": {returnTo}}.Encode()}
	return u.String(), nil
}

// getJSON fetches url and decodes its JSON body into v; what names it in
// errors.
func (p *Provider) getJSON(ctx context.Context, url, what string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "fetch %s: %w", what, err)
	}
	req.Header.Set("Accept", "application/json")
	status, body, err := p.do(req, what)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		// A 404 or 403 is a wrong issuer or URL: configuration.
		return pipeline.Errorf(pipeline.Internal, "fetch %s: the provider answered %d", what, status)
	}
	if err := decodeJSON(body, v); err != nil {
		return pipeline.Errorf(pipeline.Internal, "read %s: %w", what, err)
	}
	return nil
}

// do sends req and reads a bounded body. An unreachable provider, a
// timeout, a 5xx or a 429 is Transient: the same request may succeed
// later. Any other status is the caller's to judge.
func (p *Provider) do(req *http.Request, what string) (status int, body []byte, err error) {
	resp, err := p.cfg.HTTP.Do(req)
	if err != nil {
		return 0, nil, pipeline.Errorf(pipeline.Transient, "fetch %s: the provider is unreachable: %w", what, redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // let the connection be reused
		return 0, nil, pipeline.Errorf(pipeline.Transient, "fetch %s: the provider answered %d", what, resp.StatusCode)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, pipeline.Errorf(pipeline.Transient, "fetch %s: read the answer: %w", what, err)
	}
	if len(body) > maxBody {
		return 0, nil, pipeline.Errorf(pipeline.Internal, "fetch %s: the answer is over %d bytes", what, maxBody)
	}
	return resp.StatusCode, body, nil
}

// redactURL drops the method and URL from a *url.Error: the message names
// what was fetched already, and the cause is what helps.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
