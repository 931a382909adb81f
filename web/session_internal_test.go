package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// cookieOf is the session cookie a response set.
func cookieOf(tb testing.TB, w *httptest.ResponseRecorder, name string) *http.Cookie {
	tb.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	tb.Fatalf("no %s cookie set", name)
	return nil
}

func TestCookieSessions_Get(t *testing.T) {
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	s := &cookieSessions{key: []byte(strings.Repeat("k", 32)), now: func() time.Time { return now }, secure: true}
	w := httptest.NewRecorder()
	se := s.signIn(w, &session{}, RoleOrg, "ORG01")
	good := cookieOf(t, w, sessionCookie)
	if !good.HttpOnly || !good.Secure || good.SameSite != http.SameSiteLaxMode || good.MaxAge != int(sessionTTL/time.Second) {
		t.Fatalf("cookie attributes: %+v", good)
	}
	payload, sig, _ := strings.Cut(good.Value, ".")
	other := &cookieSessions{key: []byte(strings.Repeat("x", 32)), now: s.now}
	forged := other.seal(sessionCookie, cookieSession{CSRF: "c", Role: RoleLead, Expires: now.Add(time.Hour).Unix()})
	flowSealed := s.seal(flowCookie, cookieSession{CSRF: "c", Role: RoleLead, Expires: now.Add(time.Hour).Unix()})
	lead := s.seal(sessionCookie, cookieSession{CSRF: "c", Role: RoleLead, Expires: now.Add(time.Hour).Unix()})
	leadPayload, _, _ := strings.Cut(lead, ".")
	for _, tc := range []struct {
		name, value string
		after       time.Duration
		want        Role
	}{
		{"as signed", good.Value, 0, RoleOrg},
		{"just before it expires", good.Value, sessionTTL - time.Second, RoleOrg},
		{"expired", good.Value, sessionTTL, RoleNone},
		{"another key's", forged, 0, RoleNone},
		{"signed for another cookie", flowSealed, 0, RoleNone},
		{"payload swapped for a lead's", leadPayload + "." + sig, 0, RoleNone},
		{"no signature", payload, 0, RoleNone},
		{"signature not base64", payload + ".!!", 0, RoleNone},
		{"empty", "", 0, RoleNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := now.Add(tc.after)
			s := &cookieSessions{key: s.key, now: func() time.Time { return at }}
			r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tc.value})
			got := s.get(httptest.NewRecorder(), r)
			if got.role != tc.want {
				t.Fatalf("role %q, want %q", got.role, tc.want)
			}
			if tc.want == RoleOrg && (got.org != "ORG01" || got.csrf != se.csrf || !got.validCSRF(se.csrf)) {
				t.Errorf("session %+v, want ORG01 with the signed-in CSRF token", got)
			}
			if tc.want == RoleNone && got.validCSRF("") {
				t.Error("an anonymous session accepts an empty CSRF token")
			}
		})
	}
}

func TestCookieSessions_SignOut(t *testing.T) {
	s := &cookieSessions{key: []byte(strings.Repeat("k", 32)), now: time.Now}
	w := httptest.NewRecorder()
	s.signOut(w, &session{role: RoleOrg, org: "ORG01"})
	if c := cookieOf(t, w, sessionCookie); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out cookie %+v, want it deleted", c)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		name, host, origin, fetchSite, site string
		want                                bool
	}{
		{"local, same host", "127.0.0.1:8080", "http://127.0.0.1:8080", "same-origin", "", true},
		{"local, another site", "127.0.0.1:8080", "http://evil.example", "", "", false},
		{"fetch metadata says cross-site", "127.0.0.1:8080", "", "cross-site", "", false},
		{"no headers: left to the token", "127.0.0.1:8080", "", "", "", true},
		{"behind CloudFront: the site's origin", "abc.lambda-url.eu-west-2.on.aws", "https://d1.cloudfront.net", "same-origin", "https://d1.cloudfront.net", true},
		{"behind CloudFront: the function's own host is not the site", "abc.lambda-url.eu-west-2.on.aws", "https://abc.lambda-url.eu-west-2.on.aws", "", "https://d1.cloudfront.net", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/upload", nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.fetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			if got := sameOrigin(r, tc.site); got != tc.want {
				t.Errorf("sameOrigin = %v, want %v", got, tc.want)
			}
		})
	}
}
