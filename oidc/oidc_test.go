package oidc_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
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
	"github.com/carer-outcomes/carer-outcomes/oidc/oidctest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

const (
	clientID = "client-web"
	callback = "https://d123.cloudfront.net/auth/callback"
)

// clock is a provider's clock: real time plus an offset a test moves, so
// that the key set's once-a-minute refetch can be reached without waiting.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// fixture is a local provider with two users and a relying party for it.
type fixture struct {
	srv   *oidctest.Server
	p     *oidc.Provider
	clock *clock
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	srv := oidctest.New(tb, clientID, callback)
	srv.AddUser("lead-1", map[string]any{
		"email":          "lead@example.org",
		"custom:org":     "ORG01",
		"cognito:groups": []string{"lead", "uploaders"},
	})
	srv.AddUser("plain", map[string]any{"email": "plain@example.org"})
	c := &clock{}
	return &fixture{srv: srv, p: newProvider(tb, srv.URL, c), clock: c}
}

func newProvider(tb testing.TB, issuer string, c *clock) *oidc.Provider {
	tb.Helper()
	cfg := oidc.Config{Issuer: issuer, ClientID: clientID, RedirectURL: callback}
	if c != nil {
		cfg.Now = c.Now
	}
	p, err := oidc.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return p
}

// noRedirect is a client that shows the provider's redirects instead of
// following them, as a test of a browser's first hop needs.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// signIn begins a sign-in and plays the browser at the provider as login:
// it answers the Start and the code of the callback, after checking that
// the callback goes to the redirect URL with the state.
func (f *fixture) signIn(tb testing.TB, login string) (oidc.Start, string) {
	tb.Helper()
	st, err := f.p.Begin(context.Background())
	if err != nil {
		tb.Fatalf("Begin: %v", err)
	}
	return st, f.authorize(tb, st, login)
}

// authorize plays the browser at the provider for st as login and answers
// the code of the callback.
func (f *fixture) authorize(tb testing.TB, st oidc.Start, login string) string {
	tb.Helper()
	resp, err := noRedirect.Get(st.URL + "&login_hint=" + url.QueryEscape(login))
	if err != nil {
		tb.Fatalf("GET the authorization URL: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		tb.Fatalf("the authorization endpoint answered %d, want 302", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		tb.Fatalf("Location: %v", err)
	}
	if got := back.Scheme + "://" + back.Host + back.Path; got != callback {
		tb.Fatalf("redirected to %s, want %s", got, callback)
	}
	if got := back.Query().Get("state"); got != st.State {
		tb.Fatalf("state = %q, want %q", got, st.State)
	}
	code := back.Query().Get("code")
	if code == "" {
		tb.Fatalf("no code in %s", back)
	}
	return code
}

// wantKind fails unless err is of kind and, if secrets are given, its
// message holds none of them.
func wantKind(tb testing.TB, err error, kind pipeline.ErrorKind, secrets ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want %v", kind)
	}
	if got := pipeline.KindOf(err); got != kind {
		tb.Fatalf("kind = %v, want %v (%v)", got, kind, err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			tb.Fatalf("the message %q holds a secret", err)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  oidc.Config
		ok   bool
	}{
		{"cognito", oidc.Config{Issuer: "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc", ClientID: "c", RedirectURL: callback}, true},
		{"loopback http", oidc.Config{Issuer: "http://127.0.0.1:9", ClientID: "c", RedirectURL: "http://127.0.0.1:8080/auth/callback"}, true},
		{"localhost http", oidc.Config{Issuer: "http://localhost:9", ClientID: "c", RedirectURL: callback}, true},
		{"scopes with openid", oidc.Config{Issuer: "https://idp.example", ClientID: "c", RedirectURL: callback, Scopes: []string{"openid"}}, true},
		{"no issuer", oidc.Config{ClientID: "c", RedirectURL: callback}, false},
		{"http issuer", oidc.Config{Issuer: "http://idp.example", ClientID: "c", RedirectURL: callback}, false},
		{"relative issuer", oidc.Config{Issuer: "idp.example", ClientID: "c", RedirectURL: callback}, false},
		{"issuer with a query", oidc.Config{Issuer: "https://idp.example/?a=b", ClientID: "c", RedirectURL: callback}, false},
		{"no client", oidc.Config{Issuer: "https://idp.example", RedirectURL: callback}, false},
		{"no redirect", oidc.Config{Issuer: "https://idp.example", ClientID: "c"}, false},
		{"http redirect", oidc.Config{Issuer: "https://idp.example", ClientID: "c", RedirectURL: "http://d123.cloudfront.net/auth/callback"}, false},
		{"scopes without openid", oidc.Config{Issuer: "https://idp.example", ClientID: "c", RedirectURL: callback, Scopes: []string{"email"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := oidc.New(tt.cfg)
			if tt.ok {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			wantKind(t, err, pipeline.Invalid)
		})
	}
}

func TestProvider_Finish_RoundTrip(t *testing.T) {
	f := newFixture(t)
	st, code := f.signIn(t, "lead-1")
	id, err := f.p.Finish(context.Background(), code, st.Verifier, st.Nonce)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if id.Subject != "lead-1" || id.Email != "lead@example.org" {
		t.Errorf("Subject, Email = %q, %q", id.Subject, id.Email)
	}
	if !slices.Equal(id.Groups, []string{"lead", "uploaders"}) {
		t.Errorf("Groups = %q", id.Groups)
	}
	if got := id.Claim("custom:org"); got != "ORG01" {
		t.Errorf(`Claim("custom:org") = %q`, got)
	}
	if got := id.Claim("cognito:username"); got != "lead-1" {
		t.Errorf(`Claim("cognito:username") = %q`, got)
	}
	if got := id.Claim("exp"); got != "" { // a number, not a string
		t.Errorf(`Claim("exp") = %q, want ""`, got)
	}
	if got := id.Claim("missing"); got != "" {
		t.Errorf(`Claim("missing") = %q, want ""`, got)
	}
	if _, ok := id.Claims["auth_time"].(json.Number); !ok {
		t.Errorf("auth_time = %#v, want a json.Number", id.Claims["auth_time"])
	}

	// A user without groups: none, and no error.
	st, code = f.signIn(t, "plain")
	id, err = f.p.Finish(context.Background(), code, st.Verifier, st.Nonce)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if id.Subject != "plain" || id.Groups != nil || id.Claim("custom:org") != "" {
		t.Errorf("Identity = %+v", id)
	}
	// Discovery and the key set were fetched once for both sign-ins.
	if d, k := f.srv.Hits("/.well-known/openid-configuration"), f.srv.Hits("/jwks"); d != 1 || k != 1 {
		t.Errorf("discovery fetched %d times, key set %d, want 1 and 1", d, k)
	}
}

func TestProvider_Begin(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for i := range 3 {
		st, err := f.p.Begin(context.Background())
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		for _, v := range []string{st.State, st.Nonce, st.Verifier} {
			if len(v) < 43 {
				t.Errorf("%q is shorter than 43 characters", v)
			}
			if seen[v] {
				t.Errorf("Begin %d reuses %q", i, v)
			}
			seen[v] = true
		}
		u, err := url.Parse(st.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Scheme + "://" + u.Host + u.Path; got != f.srv.URL+"/authorize" {
			t.Errorf("the URL goes to %s", got)
		}
		q := u.Query()
		want := map[string]string{
			"response_type":         "code",
			"client_id":             clientID,
			"redirect_uri":          callback,
			"scope":                 "openid email profile",
			"state":                 st.State,
			"nonce":                 st.Nonce,
			"code_challenge":        oidc.Challenge(st.Verifier),
			"code_challenge_method": "S256",
		}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		if len(q) != len(want) {
			t.Errorf("the query has %d parameters, want %d: %s", len(q), len(want), u.RawQuery)
		}
	}
}

func TestChallenge(t *testing.T) {
	// RFC 7636 Appendix B.
	if got := oidc.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("Challenge = %q", got)
	}
}

// TestProvider_Finish_Grant is the token endpoint refusing the exchange.
func TestProvider_Finish_Grant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("wrong verifier", func(t *testing.T) {
		st, code := f.signIn(t, "lead-1")
		other, _ := f.p.Begin(ctx)
		_, err := f.p.Finish(ctx, code, other.Verifier, st.Nonce)
		wantKind(t, err, pipeline.Invalid, code, other.Verifier)
		if !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("err = %v, want the OAuth error code", err)
		}
	})
	t.Run("code used twice", func(t *testing.T) {
		st, code := f.signIn(t, "lead-1")
		if _, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		_, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce)
		wantKind(t, err, pipeline.Invalid, code)
	})
	t.Run("unknown code", func(t *testing.T) {
		st, _ := f.signIn(t, "lead-1")
		_, err := f.p.Finish(ctx, "made-up", st.Verifier, st.Nonce)
		wantKind(t, err, pipeline.Invalid, "made-up")
	})
	for _, tt := range []struct{ name, code, verifier, nonce string }{
		{"no code", "", "v", "n"},
		{"no verifier", "c", "", "n"},
		{"no nonce", "c", "v", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.p.Finish(ctx, tt.code, tt.verifier, tt.nonce)
			wantKind(t, err, pipeline.Invalid)
		})
	}
}

// otherKey is a signing key that is not the provider's.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// TestProvider_Finish_Token is the verifier refusing (or accepting) the ID
// token the token endpoint answers.
func TestProvider_Finish_Token(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	tests := []struct {
		name  string
		hook  func(c map[string]any)                            // changes the claims before signing
		forge func(s *oidctest.Server, c map[string]any) string // answers the token instead
		want  string                                            // "" accepted; else in the message
	}{
		{name: "as issued"},
		{
			name: "signed by another key",
			forge: func(s *oidctest.Server, c map[string]any) string {
				return oidctest.SignRS256(otherKey(), s.KeyID(), c)
			},
			want: "the signature does not match",
		},
		{
			name: "claims changed after signing",
			forge: func(s *oidctest.Server, c map[string]any) string {
				good := strings.Split(s.Sign(c), ".")
				c["custom:org"] = "ORG99"
				bad := strings.Split(s.Sign(c), ".")
				return good[0] + "." + bad[1] + "." + good[2]
			},
			want: "the signature does not match",
		},
		{
			name: "alg none",
			forge: func(s *oidctest.Server, c map[string]any) string {
				return oidctest.Compact(map[string]any{"alg": "none", "kid": s.KeyID()}, c, func([]byte) []byte { return nil })
			},
			want: `"none" is not RS256`,
		},
		{
			name: "alg HS256 keyed with the public key",
			forge: func(s *oidctest.Server, c map[string]any) string {
				der, err := x509.MarshalPKIXPublicKey(s.PublicKey())
				if err != nil {
					panic(err)
				}
				secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
				return oidctest.Compact(map[string]any{"alg": "HS256", "kid": s.KeyID()}, c, func(in []byte) []byte {
					m := hmac.New(sha256.New, secret)
					m.Write(in)
					return m.Sum(nil)
				})
			},
			want: `"HS256" is not RS256`,
		},
		{
			name: "alg RS512",
			forge: func(s *oidctest.Server, c map[string]any) string {
				// A good RS256 signature under a header that says otherwise.
				good := strings.Split(s.Sign(c), ".")
				return partOf(map[string]any{"alg": "RS512", "kid": s.KeyID()}) + "." + good[1] + "." + good[2]
			},
			want: "is not RS256",
		},
		{
			name: "critical header",
			forge: func(s *oidctest.Server, c map[string]any) string {
				return oidctest.Compact(map[string]any{"alg": "RS256", "kid": s.KeyID(), "crit": []string{"exp"}}, c, func([]byte) []byte { return nil })
			},
			want: "critical",
		},
		{
			name:  "not a JWS",
			forge: func(*oidctest.Server, map[string]any) string { return "not.a-token" },
			want:  "not a compact JWS",
		},
		{
			name: "unknown kid",
			forge: func(s *oidctest.Server, c map[string]any) string {
				return oidctest.SignRS256(otherKey(), "no-such-kid", c)
			},
			want: "not in the provider's key set",
		},
		{name: "wrong issuer", hook: func(c map[string]any) { c["iss"] = "https://evil.example" }, want: "the issuer is not"},
		{name: "no issuer", hook: func(c map[string]any) { delete(c, "iss") }, want: "the issuer is not"},
		{name: "wrong audience", hook: func(c map[string]any) { c["aud"] = "other-client" }, want: "the audience is not this client"},
		{name: "no audience", hook: func(c map[string]any) { delete(c, "aud") }, want: "no audience"},
		{name: "audiences without us", hook: func(c map[string]any) { c["aud"] = []string{"a", "b"} }, want: "the audience is not this client"},
		{name: "audiences with us", hook: func(c map[string]any) { c["aud"] = []string{"a", clientID} }},
		{name: "audiences with us, azp us", hook: func(c map[string]any) { c["aud"] = []string{"a", clientID}; c["azp"] = clientID }},
		{name: "audiences with us, azp other", hook: func(c map[string]any) { c["aud"] = []string{"a", clientID}; c["azp"] = "a" }, want: "authorized party"},
		{name: "expired", hook: func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }, want: "expired"},
		{name: "expired within the skew", hook: func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }},
		{name: "no exp", hook: func(c map[string]any) { delete(c, "exp") }, want: "exp is not a number"},
		{name: "exp a string", hook: func(c map[string]any) { c["exp"] = "tomorrow" }, want: "exp is not a number"},
		{name: "issued in the future", hook: func(c map[string]any) { c["iat"] = now.Add(2 * time.Minute).Unix() }, want: "issued in the future"},
		{name: "issued within the skew", hook: func(c map[string]any) { c["iat"] = now.Add(30 * time.Second).Unix() }},
		{name: "not yet valid", hook: func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() }, want: "not valid before"},
		{name: "wrong nonce", hook: func(c map[string]any) { c["nonce"] = "another-sign-in" }, want: "nonce"},
		{name: "no nonce", hook: func(c map[string]any) { delete(c, "nonce") }, want: "nonce"},
		{name: "access token", hook: func(c map[string]any) { c["token_use"] = "access" }, want: "not an ID token"},
		{name: "no token_use", hook: func(c map[string]any) { delete(c, "token_use") }},
		{name: "no subject", hook: func(c map[string]any) { delete(c, "sub") }, want: "no subject"},
		{name: "groups not an array", hook: func(c map[string]any) { c["cognito:groups"] = "lead" }, want: "cognito:groups"},
		{name: "groups not strings", hook: func(c map[string]any) { c["cognito:groups"] = []any{"lead", 1} }, want: "cognito:groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The token answered, kept to check that no message holds it; a
			// channel, as the server's goroutine makes it.
			tokens := make(chan string, 1)
			f.srv.SetTokenHook(tt.hook)
			f.srv.SetForge(func(c map[string]any) string {
				var token string
				if tt.forge != nil {
					token = tt.forge(f.srv, c)
				} else {
					token = f.srv.Sign(c)
				}
				tokens <- token
				return token
			})
			t.Cleanup(func() { f.srv.SetTokenHook(nil); f.srv.SetForge(nil) })
			st, code := f.signIn(t, "lead-1")
			id, err := f.p.Finish(context.Background(), code, st.Verifier, st.Nonce)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Finish: %v", err)
				}
				if id.Subject != "lead-1" {
					t.Errorf("Subject = %q", id.Subject)
				}
				return
			}
			wantKind(t, err, pipeline.Invalid, code, <-tokens, st.Verifier)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q in it", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "verify the ID token: ") {
				t.Errorf("err = %v, want it to say what failed", err)
			}
		})
	}
}

// partOf is a JSON value as a base64url token part.
func partOf(v map[string]any) string {
	return strings.Split(oidctest.Compact(v, map[string]any{}, func([]byte) []byte { return nil }), ".")[0]
}

// TestProvider_Finish_Keys is the key set: fetched once, fetched again for
// an unknown kid at most once a minute, and a rotated key verifying after
// that one refetch.
func TestProvider_Finish_Keys(t *testing.T) {
	ctx := context.Background()
	finish := func(tb testing.TB, f *fixture) error {
		tb.Helper()
		st, code := f.signIn(tb, "lead-1")
		_, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce)
		return err
	}
	t.Run("rotation", func(t *testing.T) {
		f := newFixture(t)
		if err := finish(t, f); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		f.srv.Rotate()
		// Within the minute of the first fetch, the new kid is not fetched.
		wantKind(t, finish(t, f), pipeline.Invalid)
		if n := f.srv.Hits("/jwks"); n != 1 {
			t.Errorf("the key set was fetched %d times within a minute, want 1", n)
		}
		f.clock.Advance(61 * time.Second)
		if err := finish(t, f); err != nil {
			t.Fatalf("Finish with the rotated key after a minute: %v", err)
		}
		if err := finish(t, f); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if n := f.srv.Hits("/jwks"); n != 2 {
			t.Errorf("the key set was fetched %d times, want 2 (one refetch)", n)
		}
	})
	t.Run("rotation long after the first fetch", func(t *testing.T) {
		f := newFixture(t)
		if err := finish(t, f); err != nil {
			t.Fatalf("Finish: %v", err)
		}
		f.clock.Advance(10 * time.Minute)
		f.srv.Rotate()
		if err := finish(t, f); err != nil {
			t.Fatalf("Finish with the rotated key: %v", err)
		}
		if n := f.srv.Hits("/jwks"); n != 2 {
			t.Errorf("the key set was fetched %d times, want 2", n)
		}
	})
	t.Run("old key still verifies", func(t *testing.T) {
		f := newFixture(t)
		st, err := f.p.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		old := f.srv.Sign(map[string]any{"iss": f.srv.URL, "aud": clientID, "sub": "lead-1", "token_use": "id",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": st.Nonce})
		f.srv.Rotate()
		if err := finish(t, f); err != nil { // the key set, fetched now, has both keys
			t.Fatalf("Finish: %v", err)
		}
		f.srv.SetForge(func(map[string]any) string { return old })
		if _, err := f.p.Finish(ctx, f.authorize(t, st, "lead-1"), st.Verifier, st.Nonce); err != nil {
			t.Fatalf("Finish with the old key: %v", err)
		}
	})
	t.Run("unknown kid after refetch", func(t *testing.T) {
		f := newFixture(t)
		f.srv.SetForge(func(c map[string]any) string { return oidctest.SignRS256(otherKey(), "no-such-kid", c) })
		wantKind(t, finish(t, f), pipeline.Invalid) // the first fetch
		wantKind(t, finish(t, f), pipeline.Invalid) // within the minute: no fetch
		if n := f.srv.Hits("/jwks"); n != 1 {
			t.Errorf("the key set was fetched %d times, want 1", n)
		}
		f.clock.Advance(61 * time.Second)
		wantKind(t, finish(t, f), pipeline.Invalid) // one refetch, still unknown
		wantKind(t, finish(t, f), pipeline.Invalid)
		if n := f.srv.Hits("/jwks"); n != 2 {
			t.Errorf("the key set was fetched %d times, want 2", n)
		}
	})
}

// TestProvider_Discovery is a discovery document that must not be used.
func TestProvider_Discovery(t *testing.T) {
	good := func(base string) map[string]any {
		return map[string]any{
			"issuer":                 base,
			"authorization_endpoint": base + "/authorize",
			"token_endpoint":         base + "/token",
			"jwks_uri":               base + "/jwks",
		}
	}
	tests := []struct {
		name   string
		doc    func(base string) any
		status int
		kind   pipeline.ErrorKind
	}{
		{name: "good", doc: func(b string) any { return good(b) }, kind: -1},
		{name: "another issuer", doc: func(b string) any { d := good(b); d["issuer"] = "https://evil.example"; return d }, kind: pipeline.Internal},
		{name: "issuer with a slash", doc: func(b string) any { d := good(b); d["issuer"] = b + "/"; return d }, kind: pipeline.Internal},
		{name: "no token endpoint", doc: func(b string) any { d := good(b); delete(d, "token_endpoint"); return d }, kind: pipeline.Internal},
		{name: "http jwks elsewhere", doc: func(b string) any { d := good(b); d["jwks_uri"] = "http://idp.example/jwks"; return d }, kind: pipeline.Internal},
		{name: "not JSON", doc: func(string) any { return "{" }, kind: pipeline.Internal},
		{name: "not found", doc: func(b string) any { return good(b) }, status: http.StatusNotFound, kind: pipeline.Internal},
		{name: "503", doc: func(b string) any { return good(b) }, status: http.StatusServiceUnavailable, kind: pipeline.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				base := "http://" + r.Host
				if r.URL.Path != "/.well-known/openid-configuration" {
					http.NotFound(w, r)
					return
				}
				if tt.status != 0 {
					w.WriteHeader(tt.status)
				}
				if s, ok := tt.doc(base).(string); ok {
					w.Write([]byte(s))
					return
				}
				json.NewEncoder(w).Encode(tt.doc(base))
			}))
			defer srv.Close()
			p := newProvider(t, srv.URL, nil)
			_, err := p.Begin(context.Background())
			if tt.kind == -1 {
				if err != nil {
					t.Fatalf("Begin: %v", err)
				}
				return
			}
			wantKind(t, err, tt.kind)
		})
	}
	t.Run("localhost is not 127.0.0.1", func(t *testing.T) {
		f := newFixture(t)
		p := newProvider(t, strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1), nil)
		_, err := p.Begin(context.Background())
		wantKind(t, err, pipeline.Internal)
		if !strings.Contains(err.Error(), "issuer") {
			t.Errorf("err = %v, want it to name the issuer", err)
		}
	})
}

// TestProvider_Unreachable is a provider that is away, then back: the
// failure is Transient and not kept.
func TestProvider_Unreachable(t *testing.T) {
	ctx := context.Background()
	t.Run("closed", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		p := newProvider(t, "http://"+addr, nil)
		_, err = p.Begin(ctx)
		wantKind(t, err, pipeline.Transient)

		// Back on the same address: the next call fetches again.
		l, err = net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("the address was taken meanwhile: %v", err)
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b := "http://" + addr
			json.NewEncoder(w).Encode(map[string]string{"issuer": b, "authorization_endpoint": b + "/a", "token_endpoint": b + "/t", "jwks_uri": b + "/k"})
		}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Start()
		defer srv.Close()
		st, err := p.Begin(ctx)
		if err != nil {
			t.Fatalf("Begin once the provider is back: %v", err)
		}
		if !strings.HasPrefix(st.URL, "http://"+addr+"/a?") {
			t.Errorf("URL = %s, want the discovered authorization endpoint", st.URL)
		}
	})
	t.Run("down at discovery", func(t *testing.T) {
		f := newFixture(t)
		f.srv.SetDown(true)
		_, err := f.p.Begin(ctx)
		wantKind(t, err, pipeline.Transient)
		f.srv.SetDown(false)
		st, code := f.signIn(t, "lead-1")
		if _, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce); err != nil {
			t.Fatalf("Finish once the provider is back: %v", err)
		}
	})
	t.Run("5xx at discovery", func(t *testing.T) {
		f := newFixture(t)
		f.srv.SetFail5xx(true)
		_, err := f.p.Begin(ctx)
		wantKind(t, err, pipeline.Transient)
		f.srv.SetFail5xx(false)
		if _, err := f.p.Begin(ctx); err != nil {
			t.Fatalf("Begin once the provider is back: %v", err)
		}
	})
	t.Run("down at the token endpoint and key set", func(t *testing.T) {
		f := newFixture(t)
		st, code := f.signIn(t, "lead-1")
		for _, fault := range []func(bool){f.srv.SetDown, f.srv.SetFail5xx} {
			fault(true)
			_, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce)
			wantKind(t, err, pipeline.Transient, code)
			fault(false)
		}
		// The code never reached the provider, so it is still good; the key
		// set, never fetched, is fetched now.
		if _, err := f.p.Finish(ctx, code, st.Verifier, st.Nonce); err != nil {
			t.Fatalf("Finish once the provider is back: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newFixture(t)
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := f.p.Begin(ctx)
		wantKind(t, err, pipeline.Transient)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want the context's", err)
		}
	})
}

func TestProvider_LogoutURL(t *testing.T) {
	ctx := context.Background()
	t.Run("cognito form", func(t *testing.T) {
		f := newFixture(t)
		got, err := f.p.LogoutURL(ctx, "https://d123.cloudfront.net/")
		if err != nil {
			t.Fatalf("LogoutURL: %v", err)
		}
		want := f.srv.URL + "/logout?client_id=" + clientID + "&logout_uri=" + url.QueryEscape("https://d123.cloudfront.net/")
		if got != want {
			t.Errorf("LogoutURL = %s, want %s", got, want)
		}
		// The provider sends the browser back.
		resp, err := noRedirect.Get(got)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://d123.cloudfront.net/" {
			t.Errorf("logout answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("end_session_endpoint", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			base := "http://" + r.Host
			json.NewEncoder(w).Encode(map[string]string{"issuer": base, "authorization_endpoint": base + "/a",
				"token_endpoint": base + "/t", "jwks_uri": base + "/k", "end_session_endpoint": base + "/end?x=1"})
		}))
		defer srv.Close()
		base := srv.URL
		got, err := newProvider(t, base, nil).LogoutURL(ctx, "https://d123.cloudfront.net/")
		if err != nil {
			t.Fatalf("LogoutURL: %v", err)
		}
		want := base + "/end?client_id=" + clientID + "&post_logout_redirect_uri=" + url.QueryEscape("https://d123.cloudfront.net/") + "&x=1"
		if got != want {
			t.Errorf("LogoutURL = %s, want %s", got, want)
		}
	})
	for _, returnTo := range []string{"", "/relative", "http://d123.cloudfront.net/", "javascript:alert(1)"} {
		t.Run("refused "+returnTo, func(t *testing.T) {
			p := newProvider(t, "https://idp.example", nil) // no network: refused first
			_, err := p.LogoutURL(ctx, returnTo)
			wantKind(t, err, pipeline.Invalid)
		})
	}
}

// TestProvider_Finish_Concurrent is sign-ins at once on a cold provider:
// one discovery and one key set fetch serve them all (and -race watches
// the caches).
func TestProvider_Finish_Concurrent(t *testing.T) {
	const n = 8
	f := newFixture(t)
	ctx := context.Background()
	starts := make([]oidc.Start, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { starts[i], errs[i] = f.p.Begin(ctx) })
	}
	wg.Wait()
	codes := make([]string, n)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		codes[i] = f.authorize(t, starts[i], "lead-1") // on the test's goroutine: it may fail the test
	}
	for i := range n {
		wg.Go(func() { _, errs[i] = f.p.Finish(ctx, codes[i], starts[i].Verifier, starts[i].Nonce) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("Finish: %v", err)
		}
	}
	if d, k := f.srv.Hits("/.well-known/openid-configuration"), f.srv.Hits("/jwks"); d != 1 || k != 1 {
		t.Errorf("discovery fetched %d times, key set %d, want 1 and 1", d, k)
	}
}

// fakeProvider is a provider whose token endpoint answers token(w) and
// whose key set is keys: for answers that oidctest would never give.
func fakeProvider(tb testing.TB, token func(w http.ResponseWriter, base string, form url.Values), keys []any) *oidc.Provider {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": base, "authorization_endpoint": base + "/authorize",
				"token_endpoint": base + "/token", "jwks_uri": base + "/jwks"})
		case "/token":
			r.ParseForm()
			token(w, base, r.PostForm)
		case "/jwks":
			json.NewEncoder(w).Encode(map[string]any{"keys": keys})
		default:
			http.NotFound(w, r)
		}
	}))
	tb.Cleanup(srv.Close)
	return newProvider(tb, srv.URL, nil)
}

// jwk is key's public half as a JWK.
func jwk(kid string, key *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}
}

// TestProvider_Finish_Answers is the token endpoint's and the key set's
// answers beyond a refused grant.
func TestProvider_Finish_Answers(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	const nonce = "the-nonce"
	signed := func(key *rsa.PrivateKey, kid string) func(base string) string {
		return func(base string) string {
			now := time.Now()
			return oidctest.SignRS256(key, kid, map[string]any{"iss": base, "aud": clientID, "sub": "u",
				"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": nonce})
		}
	}
	good := []any{jwk("good", &otherKey().PublicKey)}
	tests := []struct {
		name   string
		status int
		body   func(base string) string // the token answer's body
		keys   []any
		kind   pipeline.ErrorKind // -1: accepted
		want   string
	}{
		{name: "good", status: 200, body: func(b string) string { return `{"id_token":"` + signed(otherKey(), "good")(b) + `"}` }, keys: good, kind: -1},
		{name: "a weak key beside the good one", status: 200, body: func(b string) string { return `{"id_token":"` + signed(otherKey(), "good")(b) + `"}` },
			keys: []any{jwk("weak", &weak.PublicKey), map[string]any{"kty": "EC", "kid": "ec"}, good[0]}, kind: -1},
		{name: "signed by the weak key", status: 200, body: func(b string) string { return `{"id_token":"` + signed(weak, "weak")(b) + `"}` },
			keys: []any{jwk("weak", &weak.PublicKey), good[0]}, kind: pipeline.Invalid, want: "not in the provider's key set"},
		{name: "only a weak key", status: 200, body: func(b string) string { return `{"id_token":"` + signed(weak, "weak")(b) + `"}` },
			keys: []any{jwk("weak", &weak.PublicKey)}, kind: pipeline.Internal, want: "no RSA signing key"},
		{name: "no id_token", status: 200, body: func(string) string { return `{"access_token":"a"}` }, kind: pipeline.Internal, want: "no id_token"},
		{name: "not JSON", status: 200, body: func(string) string { return `<html>` }, kind: pipeline.Internal},
		{name: "too large", status: 200, body: func(string) string { return `{"id_token":"` + strings.Repeat("a", 2<<20) + `"}` }, kind: pipeline.Internal, want: "over"},
		{name: "refused, described", status: 400, body: func(string) string { return `{"error":"invalid_grant","error_description":"code the-code was used"}` },
			kind: pipeline.Invalid, want: "(invalid_grant)"},
		{name: "refused, odd error", status: 401, body: func(string) string { return `{"error":"Code the-code!"}` }, kind: pipeline.Invalid, want: "refused it"},
		{name: "not found", status: 404, body: func(string) string { return `` }, kind: pipeline.Internal},
		{name: "throttled", status: 429, body: func(string) string { return `` }, kind: pipeline.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fakeProvider(t, func(w http.ResponseWriter, base string, form url.Values) {
				if form.Get("code") != "the-code" || form.Get("code_verifier") != "the-verifier" || form.Get("grant_type") != "authorization_code" ||
					form.Get("client_id") != clientID || form.Get("redirect_uri") != callback {
					t.Errorf("the token request: %v", form)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body(base)))
			}, tt.keys)
			_, err := p.Finish(context.Background(), "the-code", "the-verifier", nonce)
			if tt.kind == -1 {
				if err != nil {
					t.Fatalf("Finish: %v", err)
				}
				return
			}
			wantKind(t, err, tt.kind, "the-code", "the-verifier")
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q in it", err, tt.want)
			}
		})
	}
}
