// Package oidctest is a real, local OpenID provider for tests: discovery,
// a key set, the authorization-code flow with PKCE (S256 only) for one
// public client, and Cognito's /logout. It listens on 127.0.0.1 only, so
// tests of sign-in need no network and no Cognito.
//
// It behaves as the Cognito hosted UI does where the relying party can
// tell: tokens carry token_use "id" and cognito:groups as the user's claims
// say, and the discovery document has no end_session_endpoint. Its knobs
// (SetTokenHook, SetForge, SetFail5xx, SetDown, Rotate) make the faults
// that negative tests need.
//
// The user is picked by the login_hint query parameter of /authorize; a
// browser without one gets a page with a link per user.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/oidc"
)

// CodeLifetime is how long a code may wait for its exchange (Cognito's).
const CodeLifetime = 5 * time.Minute

// Server is a running provider.
type Server struct {
	// URL is the issuer, http://127.0.0.1:port.
	URL string

	clientID  string
	redirects []string

	mu        sync.Mutex // guards everything below
	keys      []signingKey
	users     map[string]map[string]any
	logins    []string // in the order added, for the sign-in page
	codes     map[string]*grant
	hits      map[string]int
	tokenHook func(claims map[string]any)
	forge     func(claims map[string]any) string
	fail5xx   bool
	down      bool
}

// signingKey is a key with its id.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// grant is an issued code, waiting for its exchange.
type grant struct {
	login, redirectURI, challenge, nonce string
	expires, authTime                    time.Time
}

// New starts a provider for clientID, which may be sent back to
// redirectURLs (exactly, as Cognito's callback URLs) and signed out to any
// URL of their origins. tb.Cleanup closes it.
func New(tb testing.TB, clientID string, redirectURLs ...string) *Server {
	tb.Helper()
	s := &Server{
		clientID:  clientID,
		redirects: slices.Clone(redirectURLs),
		users:     map[string]map[string]any{},
		codes:     map[string]*grant{},
		hits:      map[string]int{},
	}
	k, err := newKey()
	if err != nil {
		tb.Fatalf("oidctest: %v", err)
	}
	s.keys = []signingKey{k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /logout", s.logout)
	srv := httptest.NewUnstartedServer(s.faults(mux))
	// 127.0.0.1 always: httptest would fall back to [::1], and the issuer
	// must be a name the relying party allows over http.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("oidctest: listen: %v", err)
	}
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// newKey is a fresh RSA 2048 key with a random kid.
func newKey() (signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingKey{}, fmt.Errorf("generate a key: %w", err)
	}
	return signingKey{kid: random()[:16], key: key}, nil
}

// faults counts requests by path and applies SetDown and SetFail5xx.
func (s *Server) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		down, fail := s.down, s.fail5xx
		s.mu.Unlock()
		switch {
		case down:
			// Drop the connection without an answer, as a provider that is
			// away does.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case fail:
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// AddUser adds (or replaces) a user who may sign in as login. claims are
// merged into their ID tokens over the defaults (sub = login,
// cognito:username = login), e.g. "email", "custom:org": "ORG01",
// "cognito:groups": []string{"lead"}.
func (s *Server) AddUser(login string, claims map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[login]; !ok {
		s.logins = append(s.logins, login)
	}
	s.users[login] = maps.Clone(claims)
}

// Rotate makes a new signing key, with a new kid, the current one; the key
// set keeps the old keys too, as a provider does while old tokens live.
func (s *Server) Rotate() {
	k, err := newKey()
	if err != nil {
		panic("oidctest: " + err.Error()) // crypto/rand does not fail
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
}

// KeyID is the current signing key's kid.
func (s *Server) KeyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1].kid
}

// PublicKey is the current signing key's public half (for forgeries such
// as HS256 with the public key as the secret).
func (s *Server) PublicKey() *rsa.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &s.keys[len(s.keys)-1].key.PublicKey
}

// Sign is claims as a compact JWS signed RS256 with the current key, for
// negative tests of a verifier (a wrong aud, say) through SetForge.
func (s *Server) Sign(claims map[string]any) string {
	s.mu.Lock()
	k := s.keys[len(s.keys)-1]
	s.mu.Unlock()
	return SignRS256(k.key, k.kid, claims)
}

// SignRS256 is claims as a compact JWS signed RS256 with key, its header
// naming kid; with a key not the server's it makes a forgery.
func SignRS256(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	return Compact(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}, claims, func(input []byte) []byte {
		sum := sha256.Sum256(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if err != nil {
			panic("oidctest: sign: " + err.Error())
		}
		return sig
	})
}

// Compact is a compact JWS of header and claims whose signature is
// sign(signing input); sign may answer anything, nil for alg "none".
func Compact(header, claims map[string]any, sign func(signingInput []byte) []byte) string {
	input := part(header) + "." + part(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

func part(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("oidctest: encode a token part: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetTokenHook sets a function that may change an ID token's claims
// before it is signed (nil: none), e.g. to make it expired or for another
// audience.
func (s *Server) SetTokenHook(hook func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenHook = hook
}

// SetForge sets a function that answers the id_token in place of the
// signed one (nil: none), given the claims (after the hook) that would
// have been signed: for tokens that the server would never sign, such as
// alg none or another key's.
func (s *Server) SetForge(forge func(claims map[string]any) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forge = forge
}

// SetFail5xx makes every endpoint answer 503 while on.
func (s *Server) SetFail5xx(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail5xx = on
}

// SetDown makes every endpoint drop the connection unanswered while on, as
// a provider that cannot be reached.
func (s *Server) SetDown(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = on
}

// Hits is how many requests path (e.g. "/jwks") has had, faults included.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	// No end_session_endpoint: Cognito's has none.
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.URL,
		"authorization_endpoint":                s.URL + "/authorize",
		"token_endpoint":                        s.URL + "/token",
		"jwks_uri":                              s.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var keys []map[string]any
	for _, k := range s.keys {
		keys = append(keys, map[string]any{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.kid,
			"n": base64.RawURLEncoding.EncodeToString(k.key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.key.E)).Bytes()),
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// signInPage lists the users, each a link to the same authorization
// request with their login_hint.
var signInPage = template.Must(template.New("").Parse(`<!doctype html>
<title>Sign in</title>
<h1>Sign in as</h1>
<ul>{{range .}}<li><a href="{{.URL}}">{{.Login}}</a></li>{{end}}</ul>
`))

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	// An unknown client or redirect URI is answered here, never redirected
	// to (RFC 6749 §4.1.2.1), or the provider would be an open redirector.
	if q.Get("client_id") != s.clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if !slices.Contains(s.redirects, redirect) {
		http.Error(w, "redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	fail := func(code string) {
		back, _ := url.Parse(redirect)
		bq := back.Query()
		bq.Set("error", code)
		if st := q.Get("state"); st != "" {
			bq.Set("state", st)
		}
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type")
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		// PKCE is required, S256 only, as the web pages' client is public.
		fail("invalid_request")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope")
		return
	}
	login, hinted := q.Get("login_hint"), q.Has("login_hint")
	s.mu.Lock()
	_, known := s.users[login]
	logins := slices.Clone(s.logins)
	s.mu.Unlock()
	if !hinted {
		type link struct{ Login, URL string }
		var links []link
		for _, l := range logins {
			u := *r.URL
			lq := u.Query()
			lq.Set("login_hint", l)
			u.RawQuery = lq.Encode()
			links = append(links, link{l, u.String()})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		signInPage.Execute(w, links)
		return
	}
	if !known {
		fail("access_denied")
		return
	}
	code := random()
	now := time.Now()
	s.mu.Lock()
	s.codes[code] = &grant{login: login, redirectURI: redirect, challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), expires: now.Add(CodeLifetime), authTime: now}
	s.mu.Unlock()
	back, _ := url.Parse(redirect)
	bq := back.Query()
	bq.Set("code", code)
	if st := q.Get("state"); st != "" {
		bq.Set("state", st)
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	refuse := func(code string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
	}
	if err := r.ParseForm(); err != nil {
		refuse("invalid_request")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "authorization_code" {
		refuse("unsupported_grant_type")
		return
	}
	if f.Get("client_id") != s.clientID {
		refuse("invalid_client")
		return
	}
	s.mu.Lock()
	g, ok := s.codes[f.Get("code")]
	// A code is used once, whatever the outcome (RFC 6749 §4.1.2): a
	// second try, with or without the right verifier, is refused.
	delete(s.codes, f.Get("code"))
	var claims map[string]any
	if ok {
		claims = s.claims(g)
	}
	hook, forge := s.tokenHook, s.forge
	s.mu.Unlock()
	switch {
	case !ok, time.Now().After(g.expires), f.Get("redirect_uri") != g.redirectURI,
		oidc.Challenge(f.Get("code_verifier")) != g.challenge:
		refuse("invalid_grant")
		return
	}
	if hook != nil {
		hook(claims)
	}
	var idToken string
	if forge != nil {
		idToken = forge(claims)
	} else {
		idToken = s.Sign(claims)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id_token":     idToken,
		"access_token": random(),
		"token_type":   "Bearer",
		"expires_in":   3600,
	})
}

// claims are an ID token's for g: the defaults, then the user's. s.mu is
// held.
func (s *Server) claims(g *grant) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss":              s.URL,
		"aud":              s.clientID,
		"sub":              g.login,
		"cognito:username": g.login,
		"token_use":        "id",
		"iat":              now.Unix(),
		"exp":              now.Add(time.Hour).Unix(),
		"auth_time":        g.authTime.Unix(),
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	maps.Copy(c, s.users[g.login])
	return c
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("logout_uri"))
	if err != nil || !slices.ContainsFunc(s.redirects, func(reg string) bool {
		u, err := url.Parse(reg)
		return err == nil && u.Scheme == back.Scheme && u.Host == back.Host
	}) {
		http.Error(w, "logout_uri is not registered", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
