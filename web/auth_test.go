package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/oidc"
	"github.com/carer-outcomes/carer-outcomes/oidc/oidctest"
	"github.com/carer-outcomes/carer-outcomes/web"
)

// withProvider serves the pages with the sign-in through a local OpenID
// provider, as in AWS through Cognito's.
func withProvider(t *testing.T, op **oidctest.Server) func(*fixture, *web.Config) {
	return func(f *fixture, cfg *web.Config) {
		*op = oidctest.New(t, "pages", f.url+"/auth/callback")
		(*op).AddUser("leeds", map[string]any{"custom:org": "LEEDS-CC"})
		(*op).AddUser("lead", map[string]any{"cognito:groups": []string{"staff", "lead"}, "custom:org": "LEEDS-CC"})
		(*op).AddUser("staff", map[string]any{"cognito:groups": []string{"staff"}})
		p, err := oidc.New(oidc.Config{Issuer: (*op).URL, ClientID: "pages", RedirectURL: f.url + "/auth/callback"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Auth = &web.Auth{Provider: p, SessionKey: []byte(strings.Repeat("k", 32)), SiteURL: f.url, ClaimOrg: "custom:org", LeadGroup: "lead"}
	}
}

// providerSignIn follows the sign-in to the provider as login and returns
// the callback's address, not yet visited.
func (u *user) providerSignIn(op *oidctest.Server, login string) string {
	u.t.Helper()
	res, _ := u.get("/auth/start")
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, op.URL+"/authorize?") {
		u.t.Fatalf("/auth/start: %s to %q", res.Status, to)
	}
	at, err := u.c.Get(to + "&login_hint=" + url.QueryEscape(login))
	if err != nil {
		u.t.Fatal(err)
	}
	at.Body.Close()
	back := at.Header.Get("Location")
	if !strings.HasPrefix(back, u.base+"/auth/callback?") {
		u.t.Fatalf("the provider sent the browser to %q", back)
	}
	return strings.TrimPrefix(back, u.base)
}

func TestServer_ProviderSignIn(t *testing.T) {
	var op *oidctest.Server
	f := newFixture(t, withProvider(t, &op))
	for _, tc := range []struct {
		login, wantStatus, wantTo string
	}{
		{"leeds", "303", "/tasks"},
		{"lead", "303", "/lead"}, // the lead's group wins over an organisation's claim
		{"staff", "403", ""},     // neither: no session
	} {
		t.Run(tc.login, func(t *testing.T) {
			u := f.user(t)
			res, _ := u.get(u.providerSignIn(op, tc.login))
			if got := res.Status[:3]; got != tc.wantStatus || res.Header.Get("Location") != tc.wantTo {
				t.Fatalf("callback: %s to %q, want %s to %q", res.Status, res.Header.Get("Location"), tc.wantStatus, tc.wantTo)
			}
			res, _ = u.get("/tasks")
			if signedIn := res.StatusCode == http.StatusOK || res.Header.Get("Location") == "/lead"; signedIn != (tc.wantTo != "") {
				t.Errorf("/tasks after signing in: %s to %q", res.Status, res.Header.Get("Location"))
			}
		})
	}
	t.Run("the state must be the sign-in's", func(t *testing.T) {
		u := f.user(t)
		back := u.providerSignIn(op, "leeds")
		q, _ := url.ParseQuery(back[strings.Index(back, "?")+1:])
		q.Set("state", "another")
		if res, _ := u.get("/auth/callback?" + q.Encode()); res.StatusCode != http.StatusForbidden {
			t.Errorf("a callback with another state: %s, want 403", res.Status)
		}
	})
	t.Run("a callback is used once", func(t *testing.T) {
		u := f.user(t)
		back := u.providerSignIn(op, "leeds")
		u.get(back)
		u.post("/sign-out", url.Values{"csrf": {u.pageCSRF("/tasks")}})
		if res, _ := u.get(back); res.StatusCode != http.StatusForbidden {
			t.Errorf("the same callback again: %s, want 403", res.Status)
		}
	})
	t.Run("the provider says no", func(t *testing.T) {
		u := f.user(t)
		back := u.providerSignIn(op, "leeds")
		q, _ := url.ParseQuery(back[strings.Index(back, "?")+1:])
		q.Del("code")
		q.Set("error", "access_denied")
		if res, _ := u.get("/auth/callback?" + q.Encode()); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s, want 403", res.Status)
		}
	})
	t.Run("no development sign-in", func(t *testing.T) {
		u := f.user(t)
		if res := u.post("/sign-in", url.Values{"account": {"lead"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /sign-in: %s, want 404", res.Status)
		}
		if _, page := u.get("/sign-in"); strings.Contains(page, "Development sign-in") || !strings.Contains(page, `href="/auth/start"`) {
			t.Error("the sign-in page is the development one")
		}
	})
	t.Run("sign out at the provider", func(t *testing.T) {
		u := f.user(t)
		u.get(u.providerSignIn(op, "leeds"))
		res := u.post("/sign-out", url.Values{"csrf": {u.pageCSRF("/tasks")}})
		to, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || to == nil || to.Query().Get("logout_uri") != f.url+"/signed-out" {
			t.Fatalf("sign-out: %s to %q", res.Status, res.Header.Get("Location"))
		}
		if res, page := u.get("/signed-out"); res.StatusCode != http.StatusOK || !strings.Contains(page, "You have signed out") {
			t.Errorf("/signed-out: %s", res.Status)
		}
		if res, _ := u.get("/tasks"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("/tasks after signing out: %s", res.Status)
		}
	})
}
