package web

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/oidc"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Auth is the sign-in through an OpenID Connect provider (in AWS, the
// Cognito hosted UI): a code flow with PKCE, after which the session is a
// signed cookie. The user's organisation and role come from the ID token
// only, which the provider signed.
type Auth struct {
	Provider *oidc.Provider
	// SessionKey signs the session cookies: at least 32 random bytes,
	// the same in every instance.
	SessionKey []byte
	// SiteURL is the site's own origin, such as https://d123.cloudfront.net:
	// form posts must come from it, and sign-out comes back to it.
	SiteURL string
	// ClaimOrg is the ID token's claim naming the user's organisation
	// (Cognito: custom:org).
	ClaimOrg string
	// LeadGroup is the provider's group of the consortium's leads, in the
	// token's cognito:groups.
	LeadGroup string
}

func (a *Auth) check() error {
	switch {
	case a.Provider == nil:
		return pipeline.Errorf(pipeline.Invalid, "web: the sign-in needs its OpenID Connect provider")
	case len(a.SessionKey) < 32:
		return pipeline.Errorf(pipeline.Invalid, "web: the session key must be at least 32 bytes, not %d", len(a.SessionKey))
	case a.ClaimOrg == "" || a.LeadGroup == "":
		return pipeline.Errorf(pipeline.Invalid, "web: the sign-in needs the organisation's claim and the lead's group")
	}
	return nil
}

const (
	// flowCookie carries a sign-in's state, nonce and PKCE verifier from
	// /auth/start to /auth/callback, sealed as the session is.
	flowCookie = "outcomes_signin"
	// flowTTL is how long a user may take on the provider's sign-in page.
	flowTTL = 15 * time.Minute
)

// flow is what the flow cookie says.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
}

// authRoutes are the provider sign-in's pages.
func (s *Server) authRoutes(page func(string, Role, pageHandler)) {
	page("GET /sign-in", RoleNone, s.signInPage)
	page("GET /auth/start", RoleNone, s.authStart)
	page("GET /auth/callback", RoleNone, s.authCallback)
	page("POST /sign-out", RoleNone, s.authSignOut)
	page("GET /signed-out", RoleNone, s.signedOut)
}

// authStart sends the browser to the provider's sign-in page.
func (s *Server) authStart(w http.ResponseWriter, r *http.Request, v *view) error {
	st, err := s.cfg.Auth.Provider.Begin(r.Context())
	if err != nil {
		return err
	}
	s.cookies.setCookie(w, flowCookie, s.cookies.seal(flowCookie, flow{State: st.State, Nonce: st.Nonce, Verifier: st.Verifier, Expires: s.cfg.Now().Add(flowTTL).Unix()}), flowTTL)
	http.Redirect(w, r, st.URL, http.StatusSeeOther)
	return nil
}

func signInFailed() error {
	return &httpError{http.StatusForbidden, "Sign-in did not work", "Sign-in took too long or was interrupted. Go back to the sign-in page and try again."}
}

// authCallback is where the provider sends the browser back with a code:
// the code is exchanged for an ID token, which says who the user is.
func (s *Server) authCallback(w http.ResponseWriter, r *http.Request, v *view) error {
	var f flow
	c, err := r.Cookie(flowCookie)
	s.cookies.setCookie(w, flowCookie, "", -1) // a flow is used once, whatever happens
	q := r.URL.Query()
	switch {
	case err != nil || !s.cookies.open(flowCookie, c.Value, &f) || !s.cfg.Now().Before(time.Unix(f.Expires, 0)):
		return signInFailed()
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 || f.State == "":
		return signInFailed()
	case q.Get("error") != "" || q.Get("code") == "":
		// The provider says why in error; the user cancelled, usually.
		s.cfg.Log.Info("sign-in ended at the provider", "error", q.Get("error"))
		return signInFailed()
	}
	id, err := s.cfg.Auth.Provider.Finish(r.Context(), q.Get("code"), f.Verifier, f.Nonce)
	if pipeline.KindOf(err) == pipeline.Invalid {
		s.cfg.Log.Warn("sign-in refused", "reason", err.Error())
		return signInFailed()
	}
	if err != nil {
		return err
	}
	role, org := s.roleOf(id)
	if role == RoleNone {
		s.cfg.Log.Warn("sign-in refused: the account names no organisation of the consortium and is not a lead", "subject", id.Subject)
		return &httpError{http.StatusForbidden, "Your account is not set up for this service", "Your account does not say which organisation you send returns for. Ask the consortium's lead to set it up."}
	}
	s.sessions.signIn(w, v.se, role, org)
	if role == RoleLead {
		http.Redirect(w, r, "/lead", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	}
	return nil
}

// roleOf is what an identity may do: a lead by the provider's group, or
// an organisation's user by its claim, which must name a member.
func (s *Server) roleOf(id oidc.Identity) (Role, string) {
	if slices.Contains(id.Groups, s.cfg.Auth.LeadGroup) {
		return RoleLead, ""
	}
	if org := id.Claim(s.cfg.Auth.ClaimOrg); org != "" && slices.Contains(s.cfg.Consortium.Codes(), org) {
		return RoleOrg, org
	}
	return RoleNone, ""
}

// authSignOut deletes the session cookie and signs out at the provider
// too, which then sends the browser to /signed-out.
func (s *Server) authSignOut(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := s.checkCSRF(r, v); err != nil {
		return err
	}
	s.sessions.signOut(w, v.se)
	to, err := s.cfg.Auth.Provider.LogoutURL(r.Context(), s.cfg.Auth.SiteURL+"/signed-out")
	if err != nil {
		to = "/signed-out" // signed out here at least: the provider's session ends on its own
		s.cfg.Log.Warn("sign out at the provider", "kind", pipeline.KindOf(err).String())
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "You have signed out"
	return s.render(w, "sign-in", v, signInData{SignedOut: true})
}
