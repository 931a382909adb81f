package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

const (
	sessionCookie = "outcomes_session"
	// sessionTTL bounds how long a session lasts without use: a shared
	// office laptop left signed in is signed out by the next morning.
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

// session is one visitor's state, kept on the server: the cookie holds only
// a random id, so nothing the browser sends can name an organisation.
type session struct {
	id      string
	csrf    string // the token every form post of this session must carry
	role    Role
	org     string // the organisation's code, for RoleOrg
	expires time.Time
}

// sessions holds the sessions in memory: the local server is one process,
// and a restart signs everyone out, which a development server may do.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	now  func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, now: now}
}

func token() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// get returns the request's session, making a new anonymous one (and
// setting its cookie) when it has none or it has expired.
func (s *sessions) get(w http.ResponseWriter, r *http.Request) *session {
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
func (s *sessions) create(w http.ResponseWriter, now time.Time, role Role, org string) *session {
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

// signIn replaces the session with a new one of the role, so that an id
// known before signing in (a fixed session) is worth nothing after it.
func (s *sessions) signIn(w http.ResponseWriter, old *session, role Role, org string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, old.id)
	return s.create(w, s.now(), role, org)
}

// signOut ends the session and starts an anonymous one.
func (s *sessions) signOut(w http.ResponseWriter, old *session) {
	s.signIn(w, old, RoleNone, "")
}

// validCSRF checks a posted token against the session's, in constant time.
func (se *session) validCSRF(posted string) bool {
	return posted != "" && subtle.ConstantTimeCompare([]byte(posted), []byte(se.csrf)) == 1
}

// sameOrigin refuses a post that the browser says came from another site;
// the token is still checked after it. Browsers that send neither header
// are left to the token.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		return o == "http://"+r.Host || o == "https://"+r.Host
	}
	return true
}
