package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	sessionCookie = "outcomes_session"
	// sessionTTL bounds how long a session lasts: a shared office laptop
	// left signed in is signed out by the next morning.
	sessionTTL = 8 * time.Hour
	// maxSessions bounds the memory a flood of anonymous visitors can use.
	maxSessions = 10_000
)

// Role is what a signed-in user may do.
type Role string

const (
	RoleNone Role = ""     // not signed in
	RoleOrg  Role = "org"  // an organisation's user: its own returns only
	RoleLead Role = "lead" // the consortium's lead: every organisation's status and the consortium's reports
)

// session is one visitor's state. Nothing the browser sends can name an
// organisation: in memory the cookie holds only a random id, and a signed
// cookie is refused whole if a byte of it was changed.
type session struct {
	id      string
	csrf    string // the token every form post of this session must carry
	role    Role
	org     string // the organisation's code, for RoleOrg
	expires time.Time
}

// sessionStore keeps sessions between requests: in memory for the local
// server (one process), in signed cookies for Lambda (instances share no
// memory).
type sessionStore interface {
	// get returns the request's session, an anonymous one when it has
	// none or it has expired.
	get(w http.ResponseWriter, r *http.Request) *session
	// signIn replaces the session with a new one of the role, so that
	// whatever was known of the old one is worth nothing after it.
	signIn(w http.ResponseWriter, old *session, role Role, org string) *session
	// signOut ends the session.
	signOut(w http.ResponseWriter, old *session)
}

// memorySessions holds the sessions in memory: a restart signs everyone
// out, which a development server may do.
type memorySessions struct {
	mu   sync.Mutex
	byID map[string]*session
	now  func() time.Time
}

func newMemorySessions(now func() time.Time) *memorySessions {
	return &memorySessions{byID: map[string]*session{}, now: now}
}

func token() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *memorySessions) get(w http.ResponseWriter, r *http.Request) *session {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		if se, ok := s.byID[c.Value]; ok && now.Before(se.expires) {
			se.expires = now.Add(sessionTTL)
			return se
		}
	}
	return s.create(w, now, RoleNone, "")
}

// create starts a session; the caller holds the lock.
func (s *memorySessions) create(w http.ResponseWriter, now time.Time, role Role, org string) *session {
	if len(s.byID) >= maxSessions {
		for id, se := range s.byID {
			if !now.Before(se.expires) || se.role == RoleNone {
				delete(s.byID, id)
			}
		}
	}
	se := &session{id: token(), csrf: token(), role: role, org: org, expires: now.Add(sessionTTL)}
	s.byID[se.id] = se
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: se.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return se
}

func (s *memorySessions) signIn(w http.ResponseWriter, old *session, role Role, org string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, old.id)
	return s.create(w, s.now(), role, org)
}

func (s *memorySessions) signOut(w http.ResponseWriter, old *session) {
	s.signIn(w, old, RoleNone, "")
}

// cookieSessions keeps a signed-in session in the cookie itself, signed
// with HMAC-SHA-256: any instance with the key can read it, and none can
// be forged or altered without it. A session lasts sessionTTL from
// sign-in, however it is used; signing out deletes the cookie, and since
// no server remembers it, a copy taken before is good until it expires
// (the cookie is HttpOnly and Secure, so a page's script cannot take it).
// Anonymous visitors get no cookie: the only anonymous page is the one
// that sends them to the provider's sign-in.
type cookieSessions struct {
	key    []byte
	now    func() time.Time
	secure bool
}

// cookieSession is what the cookie says, as JSON.
type cookieSession struct {
	CSRF    string `json:"c"`
	Role    Role   `json:"r"`
	Org     string `json:"o,omitempty"`
	Expires int64  `json:"e"` // Unix seconds
}

func (s *cookieSessions) get(w http.ResponseWriter, r *http.Request) *session {
	anonymous := &session{}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return anonymous
	}
	var cs cookieSession
	if !s.open(sessionCookie, c.Value, &cs) || !s.now().Before(time.Unix(cs.Expires, 0)) || cs.CSRF == "" {
		return anonymous
	}
	return &session{csrf: cs.CSRF, role: cs.Role, org: cs.Org, expires: time.Unix(cs.Expires, 0)}
}

// seal is a value signed for the cookie name: base64url(JSON).base64url(MAC).
func (s *cookieSessions) seal(name string, v any) string {
	b, _ := json.Marshal(v) // a struct of strings and numbers always marshals
	payload := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(name + "." + payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// open checks a sealed value's MAC in constant time and decodes it.
func (s *cookieSessions) open(name, value string, v any) bool {
	payload, sig, ok := strings.Cut(value, ".")
	if !ok {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(name + "." + payload))
	if !hmac.Equal(got, m.Sum(nil)) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	return err == nil && json.Unmarshal(b, v) == nil
}

func (s *cookieSessions) signIn(w http.ResponseWriter, old *session, role Role, org string) *session {
	if role == RoleNone {
		s.signOut(w, old)
		return &session{}
	}
	se := &session{csrf: token(), role: role, org: org, expires: s.now().Add(sessionTTL).Truncate(time.Second)}
	s.setCookie(w, sessionCookie, s.seal(sessionCookie, cookieSession{CSRF: se.csrf, Role: role, Org: org, Expires: se.expires.Unix()}), sessionTTL)
	return se
}

func (s *cookieSessions) signOut(w http.ResponseWriter, old *session) {
	s.setCookie(w, sessionCookie, "", -1)
}

// setCookie sets (maxAge > 0) or deletes (maxAge < 0) one of the site's
// cookies. SameSite is Lax, not Strict: the provider sends the browser
// back to the callback from its own site, and a Strict cookie set there
// would not be sent on the redirect that follows; the CSRF token and the
// origin check guard the posts.
func (s *cookieSessions) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// validCSRF checks a posted token against the session's, in constant time.
func (se *session) validCSRF(posted string) bool {
	return posted != "" && se.csrf != "" && subtle.ConstantTimeCompare([]byte(posted), []byte(se.csrf)) == 1
}

// sameOrigin refuses a post that the browser says came from another site;
// the token is still checked after it. Browsers that send neither header
// are left to the token. site is the site's own origin when it is known
// (behind CloudFront the Host is the function's, not the site's); "" means
// the request's Host.
func sameOrigin(r *http.Request, site string) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	switch {
	case o == "" || o == "null":
		return true
	case site != "":
		return o == site
	}
	return o == "http://"+r.Host || o == "https://"+r.Host
}
