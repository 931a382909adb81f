package oidctest_test

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/oidc"
	"github.com/carer-outcomes/carer-outcomes/oidc/oidctest"
)

const (
	clientID = "client-web"
	callback = "https://d123.cloudfront.net/auth/callback"
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func newServer(tb testing.TB) *oidctest.Server {
	tb.Helper()
	s := oidctest.New(tb, clientID, callback)
	s.AddUser("lead-1", map[string]any{"email": "lead@example.org", "custom:org": "ORG01", "cognito:groups": []string{"lead"}})
	s.AddUser("a&b", nil)
	return s
}

// authorizeQuery is a good authorization request, changed by edit.
func authorizeQuery(edit func(q url.Values)) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {callback},
		"scope":                 {"openid email"},
		"state":                 {"st"},
		"nonce":                 {"no"},
		"code_challenge":        {oidc.Challenge(verifier)},
		"code_challenge_method": {"S256"},
		"login_hint":            {"lead-1"},
	}
	if edit != nil {
		edit(q)
	}
	return q
}

func get(tb testing.TB, u string) (*http.Response, string) {
	tb.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		tb.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// code authorizes as q and answers the callback's code.
func code(tb testing.TB, s *oidctest.Server, q url.Values) string {
	tb.Helper()
	resp, _ := get(tb, s.URL+"/authorize?"+q.Encode())
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		tb.Fatalf("authorize answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func TestServer_Authorize(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name   string
		edit   func(q url.Values)
		status int
		errorQ string // the error of the redirect
	}{
		{name: "good", status: http.StatusFound},
		{name: "unknown client", edit: func(q url.Values) { q.Set("client_id", "other") }, status: http.StatusBadRequest},
		{name: "unregistered redirect", edit: func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, status: http.StatusBadRequest},
		{name: "implicit flow", edit: func(q url.Values) { q.Set("response_type", "token") }, status: http.StatusFound, errorQ: "unsupported_response_type"},
		{name: "plain PKCE", edit: func(q url.Values) { q.Set("code_challenge_method", "plain") }, status: http.StatusFound, errorQ: "invalid_request"},
		{name: "no PKCE", edit: func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, status: http.StatusFound, errorQ: "invalid_request"},
		{name: "no openid", edit: func(q url.Values) { q.Set("scope", "email") }, status: http.StatusFound, errorQ: "invalid_scope"},
		{name: "unknown user", edit: func(q url.Values) { q.Set("login_hint", "nobody") }, status: http.StatusFound, errorQ: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(t, s.URL+"/authorize?"+authorizeQuery(tt.edit).Encode())
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusFound {
				return
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback {
				t.Errorf("redirected to %s", got)
			}
			if loc.Query().Get("state") != "st" {
				t.Errorf("state lost: %s", loc)
			}
			if got := loc.Query().Get("error"); got != tt.errorQ {
				t.Errorf("error = %q, want %q", got, tt.errorQ)
			}
			if (tt.errorQ == "") != (loc.Query().Get("code") != "") {
				t.Errorf("code and error: %s", loc)
			}
		})
	}
	t.Run("sign-in page", func(t *testing.T) {
		q := authorizeQuery(func(q url.Values) { q.Del("login_hint") })
		resp, body := get(t, s.URL+"/authorize?"+q.Encode())
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var hrefs []string
		for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			hrefs = append(hrefs, html.UnescapeString(m[1]))
		}
		if len(hrefs) != 2 {
			t.Fatalf("links %q, want one a user in\n%s", hrefs, body)
		}
		for i, login := range []string{"lead-1", "a&b"} {
			u, err := url.Parse(hrefs[i])
			if err != nil || u.Path != "/authorize" {
				t.Fatalf("link %q", hrefs[i])
			}
			q.Set("login_hint", login)
			if got, want := u.Query().Encode(), q.Encode(); got != want {
				t.Errorf("link %d: %s, want %s", i, got, want)
			}
			code(t, s, u.Query()) // the link signs in
		}
	})
}

func TestServer_Token(t *testing.T) {
	s := newServer(t)
	exchange := func(tb testing.TB, form url.Values) (int, map[string]any) {
		tb.Helper()
		resp, err := http.PostForm(s.URL+"/token", form)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		var answer map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
			tb.Fatalf("the answer is not JSON: %v", err)
		}
		return resp.StatusCode, answer
	}
	good := func(c string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {c},
			"redirect_uri": {callback}, "code_verifier": {verifier}}
	}
	tests := []struct {
		name string
		edit func(f url.Values)
		want string // the error; "" accepted
	}{
		{name: "good"},
		{name: "refresh grant", edit: func(f url.Values) { f.Set("grant_type", "refresh_token") }, want: "unsupported_grant_type"},
		{name: "another client", edit: func(f url.Values) { f.Set("client_id", "other") }, want: "invalid_client"},
		{name: "another redirect", edit: func(f url.Values) { f.Set("redirect_uri", callback+"2") }, want: "invalid_grant"},
		{name: "wrong verifier", edit: func(f url.Values) { f.Set("code_verifier", verifier+"x") }, want: "invalid_grant"},
		{name: "no verifier", edit: func(f url.Values) { f.Del("code_verifier") }, want: "invalid_grant"},
		{name: "unknown code", edit: func(f url.Values) { f.Set("code", "made-up") }, want: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := good(code(t, s, authorizeQuery(nil)))
			if tt.edit != nil {
				tt.edit(form)
			}
			status, answer := exchange(t, form)
			if tt.want != "" {
				if status != http.StatusBadRequest || answer["error"] != tt.want {
					t.Errorf("answered %d %v, want 400 %s", status, answer, tt.want)
				}
				return
			}
			if status != http.StatusOK || answer["token_type"] != "Bearer" || answer["expires_in"] != 3600.0 || answer["access_token"] == "" {
				t.Fatalf("answered %d %v", status, answer)
			}
			claims := payload(t, answer["id_token"].(string))
			for k, v := range map[string]any{"iss": s.URL, "aud": clientID, "sub": "lead-1", "token_use": "id",
				"nonce": "no", "email": "lead@example.org", "custom:org": "ORG01", "cognito:username": "lead-1"} {
				if claims[k] != v {
					t.Errorf("%s = %v, want %v", k, claims[k], v)
				}
			}
			if g, _ := claims["cognito:groups"].([]any); len(g) != 1 || g[0] != "lead" {
				t.Errorf("cognito:groups = %v", claims["cognito:groups"])
			}
			iat, _ := claims["iat"].(float64)
			exp, _ := claims["exp"].(float64)
			if exp-iat != 3600 || claims["auth_time"] == nil || time.Since(time.Unix(int64(iat), 0)) > time.Minute {
				t.Errorf("iat, exp, auth_time = %v, %v, %v", iat, exp, claims["auth_time"])
			}
			// A code is used once.
			if status, answer := exchange(t, form); status != http.StatusBadRequest || answer["error"] != "invalid_grant" {
				t.Errorf("the code again: %d %v", status, answer)
			}
		})
	}
}

// payload is a token's claims, unverified.
func payload(tb testing.TB, token string) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWS: %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestServer_Discovery(t *testing.T) {
	s := newServer(t)
	first := s.KeyID()
	s.Rotate()
	if s.KeyID() == first {
		t.Fatal("Rotate kept the kid")
	}
	var doc map[string]any
	getJSON(t, s.URL+"/.well-known/openid-configuration", &doc)
	if doc["issuer"] != s.URL || doc["jwks_uri"] != s.URL+"/jwks" || doc["token_endpoint"] != s.URL+"/token" {
		t.Errorf("discovery = %v", doc)
	}
	if _, ok := doc["end_session_endpoint"]; ok {
		t.Error("discovery has an end_session_endpoint; Cognito's has none")
	}
	var set struct {
		Keys []struct{ Kid, Kty, Alg string }
	}
	getJSON(t, s.URL+"/jwks", &set)
	if len(set.Keys) != 2 || set.Keys[0].Kid != first || set.Keys[1].Kid != s.KeyID() || set.Keys[1].Alg != "RS256" {
		t.Errorf("key set = %+v, want the old and the new key", set)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s, want 127.0.0.1", s.URL)
	}
}

func getJSON(tb testing.TB, u string, v any) {
	tb.Helper()
	resp, body := get(tb, u)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		tb.Fatal(err)
	}
}

func TestServer_Logout(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name, query string
		status      int
	}{
		{"home", "client_id=" + clientID + "&logout_uri=" + url.QueryEscape("https://d123.cloudfront.net/"), http.StatusFound},
		{"another origin", "client_id=" + clientID + "&logout_uri=" + url.QueryEscape("https://evil.example/"), http.StatusBadRequest},
		{"another client", "client_id=other&logout_uri=" + url.QueryEscape("https://d123.cloudfront.net/"), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(t, s.URL+"/logout?"+tt.query)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusFound && resp.Header.Get("Location") != "https://d123.cloudfront.net/" {
				t.Errorf("Location = %q", resp.Header.Get("Location"))
			}
		})
	}
}
