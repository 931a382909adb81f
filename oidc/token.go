package oidc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Finish exchanges the code of the callback for an ID token at the token
// endpoint, with the PKCE verifier of the Begin that started the sign-in,
// verifies the token and answers who signed in. nonce is the Begin's, and
// the token must carry it: a token replayed from another sign-in does not.
//
// Only the ID token is used: the pages need who signed in, not access to
// an API, so the access token is not kept.
func (p *Provider) Finish(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	switch {
	case code == "":
		return Identity{}, pipeline.Errorf(pipeline.Invalid, "finish the sign-in: no code")
	case verifier == "":
		return Identity{}, pipeline.Errorf(pipeline.Invalid, "finish the sign-in: no PKCE verifier")
	case nonce == "":
		return Identity{}, pipeline.Errorf(pipeline.Invalid, "finish the sign-in: no nonce")
	}
	m, err := p.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	token, err := p.exchange(ctx, m, code, verifier)
	if err != nil {
		return Identity{}, err
	}
	return p.verify(ctx, m, token, nonce)
}

// exchange posts the code to the token endpoint and answers the ID token.
func (p *Provider) exchange(ctx context.Context, m *metadata, code, verifier string) (string, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {p.cfg.ClientID},
		"code":          {code},
		"redirect_uri":  {p.cfg.RedirectURL},
		"code_verifier": {verifier},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", pipeline.Errorf(pipeline.Internal, "exchange the code: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	status, body, err := p.do(req, "the token")
	if err != nil {
		return "", err
	}
	var answer struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnauthorized:
		// RFC 6749 §5.2: a refused grant (used, expired, another client's,
		// a wrong verifier). Signing in again is the remedy. Only the
		// error code is kept: error_description could echo the request.
		json.Unmarshal(body, &answer)
		return "", pipeline.Errorf(pipeline.Invalid, "exchange the code: the provider refused it%s", errorCode(answer.Error))
	case status != http.StatusOK:
		return "", pipeline.Errorf(pipeline.Internal, "exchange the code: the provider answered %d", status)
	}
	if err := decodeJSON(body, &answer); err != nil {
		return "", pipeline.Errorf(pipeline.Internal, "exchange the code: read the answer: %w", err)
	}
	if answer.IDToken == "" {
		return "", pipeline.Errorf(pipeline.Internal, "exchange the code: the answer has no id_token")
	}
	return answer.IDToken, nil
}

// errorCode is an OAuth error code for a message, " (invalid_grant)", or ""
// when there is none or it is not of the code's alphabet (RFC 6749 allows
// printable ASCII but uses lower case and _; anything else is dropped rather
// than echoed).
func errorCode(code string) string {
	if code == "" || len(code) > 40 {
		return ""
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return ""
		}
	}
	return " (" + code + ")"
}

// decodeJSON decodes one JSON value with numbers as json.Number, so that
// times and any large number keep their precision.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("not JSON: more after the value")
	}
	return nil
}

// invalid is an Invalid error about the ID token.
func invalid(format string, args ...any) error {
	return pipeline.Errorf(pipeline.Invalid, "verify the ID token: "+format, args...)
}

// verify checks an ID token as OpenID Connect Core 1.0 §3.1.3.7 has it,
// for a client that receives it straight from the token endpoint over TLS
// but trusts only the signature.
func (p *Provider) verify(ctx context.Context, m *metadata, token, nonce string) (Identity, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Identity{}, invalid("it is not a compact JWS")
	}
	var header struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return Identity{}, invalid("read the header: %w", err)
	}
	if header.Alg != "RS256" {
		// The one algorithm Cognito signs with. Taking the alg from the
		// token is how "none" and HS256-with-the-public-key forgeries get
		// in, so anything else is refused before a key is looked at.
		return Identity{}, invalid("the algorithm %q is not RS256", truncate(header.Alg))
	}
	if header.Crit != nil {
		// RFC 7515 §4.1.11: critical extensions we do not understand.
		return Identity{}, invalid("the header has critical extensions")
	}
	if header.Kid == "" {
		return Identity{}, invalid("the header names no key")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return Identity{}, invalid("the signature is not base64url")
	}
	key, err := p.key(ctx, m, header.Kid)
	if err != nil {
		return Identity{}, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return Identity{}, invalid("the signature does not match")
	}

	// Signed by the provider: now the claims.
	var claims map[string]any
	if err := decodePart(parts[1], &claims); err != nil {
		return Identity{}, invalid("read the claims: %w", err)
	}
	if claims == nil {
		return Identity{}, invalid("the claims are not an object")
	}
	if iss, _ := claims["iss"].(string); iss != p.cfg.Issuer {
		return Identity{}, invalid("the issuer is not %q", p.cfg.Issuer)
	}
	if err := p.checkAudience(claims); err != nil {
		return Identity{}, err
	}
	now := p.now()
	exp, err := numericDate(claims, "exp")
	if err != nil {
		return Identity{}, err
	}
	if !now.Before(exp.Add(skew)) {
		return Identity{}, invalid("it expired at %s", exp.UTC().Format(time.RFC3339))
	}
	iat, err := numericDate(claims, "iat")
	if err != nil {
		return Identity{}, err
	}
	if iat.After(now.Add(skew)) {
		return Identity{}, invalid("it was issued in the future, at %s", iat.UTC().Format(time.RFC3339))
	}
	if _, ok := claims["nbf"]; ok {
		nbf, err := numericDate(claims, "nbf")
		if err != nil {
			return Identity{}, err
		}
		if nbf.After(now.Add(skew)) {
			return Identity{}, invalid("it is not valid before %s", nbf.UTC().Format(time.RFC3339))
		}
	}
	got, _ := claims["nonce"].(string)
	if subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
		// Another sign-in's token, replayed into this one.
		return Identity{}, invalid("the nonce is not this sign-in's")
	}
	if use, ok := claims["token_use"]; ok && use != "id" {
		// Cognito's marker: an access token is signed by the same keys and
		// must not pass for an ID token.
		return Identity{}, invalid("it is not an ID token (token_use %q)", truncate(fmt.Sprint(use)))
	}

	id := Identity{Claims: claims}
	id.Subject, _ = claims["sub"].(string)
	if id.Subject == "" {
		return Identity{}, invalid("it has no subject")
	}
	id.Email, _ = claims["email"].(string)
	if g, ok := claims["cognito:groups"]; ok {
		list, ok := g.([]any)
		if !ok {
			return Identity{}, invalid("cognito:groups is not an array")
		}
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return Identity{}, invalid("cognito:groups holds a non-string")
			}
			id.Groups = append(id.Groups, s)
		}
	}
	return id, nil
}

// checkAudience checks that the token is for this client: aud is the
// client id or an array holding it, and azp, when present, is the client
// id (OpenID Connect Core 1.0 §3.1.3.7 steps 3 to 5; checking azp also for
// a single audience is the SHOULD of the errata, and costs nothing).
func (p *Provider) checkAudience(claims map[string]any) error {
	var auds []string
	switch aud := claims["aud"].(type) {
	case string:
		auds = []string{aud}
	case []any:
		for _, v := range aud {
			s, ok := v.(string)
			if !ok {
				return invalid("the audience holds a non-string")
			}
			auds = append(auds, s)
		}
	default:
		return invalid("it has no audience")
	}
	found := false
	for _, a := range auds {
		found = found || a == p.cfg.ClientID
	}
	if !found {
		return invalid("the audience is not this client")
	}
	if azp, ok := claims["azp"]; ok && azp != p.cfg.ClientID {
		return invalid("the authorized party is not this client")
	}
	return nil
}

// numericDate reads a NumericDate claim (RFC 7519 §2: seconds since the
// epoch, possibly fractional); it is required.
func numericDate(claims map[string]any, name string) (time.Time, error) {
	n, ok := claims[name].(json.Number)
	if !ok {
		return time.Time{}, invalid("%s is not a number", name)
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, invalid("%s is not a date", name)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

// decodePart decodes a base64url JSON part of a compact JWS.
func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return errors.New("not base64url")
	}
	return decodeJSON(b, v)
}

// truncate bounds a value taken from a token before it goes into a message.
func truncate(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// key answers the provider's public key of kid, fetching the key set on
// first use, and again when kid is unknown (the provider has rotated) but
// at most once a minute, so that tokens with made-up kids cannot make
// every request a fetch.
func (p *Provider) key(ctx context.Context, m *metadata, kid string) (*rsa.PublicKey, error) {
	p.keysMu.Lock()
	defer p.keysMu.Unlock()
	if k, ok := p.keys[kid]; ok {
		return k, nil
	}
	if p.keys != nil && p.now().Sub(p.keysAt) < keysRefetch {
		return nil, invalid("the key is not in the provider's key set")
	}
	keys, err := p.fetchKeys(ctx, m)
	if err != nil {
		return nil, err // not kept: the next call fetches again
	}
	p.keys, p.keysAt = keys, p.now()
	if k, ok := p.keys[kid]; ok {
		return k, nil
	}
	return nil, invalid("the key is not in the provider's key set")
}

// fetchKeys fetches the key set and keeps its RSA signing keys by kid.
// Keys of other types or uses, malformed or weak ones, are skipped rather
// than refused: one odd key must not stop every sign-in, and a token
// naming it is refused as naming an unknown key. A set with no usable key
// is Internal.
func (p *Provider) fetchKeys(ctx context.Context, m *metadata) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := p.getJSON(ctx, m.JWKSURI, "the key set", &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 || pub.E%2 == 0 {
			continue // below 2048 bits a signature proves little
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, pipeline.Errorf(pipeline.Internal, "read the key set: no RSA signing key")
	}
	return keys, nil
}
