// Package webhook is the survey tools' way in: POST /surveys/{org}/{form}.
// A survey tool cannot hold a sign-in token, so each delivery is
// authenticated by the tool's own signature over the raw body (or, for the
// tools that have none, a secret header), with a secret per organisation
// and form; every comparison is constant-time. A verified delivery is read,
// mapped and pseudonymised (pipeline/surveys), queued, and answered at once:
// the write to the lake happens behind the queue, well within the tools'
// timeouts (Tally allows 10 s).
//
// Handler is an http.Handler, so the Lambda function (API Gateway HTTP API
// events, functions/surveys) and `outcomes serve` run the same code.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// The headers each tool signs with.
const (
	TypeformHeader    = "Typeform-Signature"      // sha256=<base64 HMAC-SHA256>
	TallyHeader       = "Tally-Signature"         // <base64 HMAC-SHA256>
	SmartSurveyHeader = "X-SmartSurvey-Signature" // <hex HMAC-SHA256>
	GenericHeader     = "X-Webhook-Signature"     // sha256=<hex HMAC-SHA256>
	// SecretHeader carries the shared secret itself, for Microsoft Forms
	// (a Power Automate HTTP action) and KoboToolbox REST services, which
	// cannot sign: both can set a custom header, and both post over HTTPS.
	SecretHeader = "X-Webhook-Secret"
)

// Sign returns the header and value a tool would send for body, so that
// tests, the demo's replay and the benchmark sign deliveries exactly as the
// tools do.
func Sign(tool string, secret, body []byte) (header, value string) {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	sum := mac.Sum(nil)
	switch tool {
	case surveys.Typeform:
		return TypeformHeader, "sha256=" + base64.StdEncoding.EncodeToString(sum)
	case surveys.Tally:
		return TallyHeader, base64.StdEncoding.EncodeToString(sum)
	case surveys.SmartSurvey:
		return SmartSurveyHeader, hex.EncodeToString(sum)
	case surveys.Generic:
		return GenericHeader, "sha256=" + hex.EncodeToString(sum)
	}
	return SecretHeader, string(secret)
}

// Verify checks a delivery's signature (or secret header) for a tool. A
// missing or wrong one is Invalid; the message never says which part was
// wrong, nor anything of the expected value.
func Verify(tool string, secret, body []byte, h http.Header) error {
	if len(secret) == 0 {
		return pipeline.Errorf(pipeline.Internal, "verify a %s delivery: no secret", tool)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	want := mac.Sum(nil)
	var got []byte
	var err error
	switch tool {
	case surveys.Typeform:
		v, ok := strings.CutPrefix(h.Get(TypeformHeader), "sha256=")
		if !ok {
			return missing(TypeformHeader)
		}
		got, err = base64.StdEncoding.DecodeString(v)
	case surveys.Tally:
		v := h.Get(TallyHeader)
		if v == "" {
			return missing(TallyHeader)
		}
		got, err = base64.StdEncoding.DecodeString(v)
	case surveys.SmartSurvey:
		v := h.Get(SmartSurveyHeader)
		if v == "" {
			return missing(SmartSurveyHeader)
		}
		got, err = hex.DecodeString(strings.ToLower(v))
	case surveys.Generic:
		v, ok := strings.CutPrefix(h.Get(GenericHeader), "sha256=")
		if !ok {
			return missing(GenericHeader)
		}
		got, err = hex.DecodeString(strings.ToLower(v))
	case surveys.MSForms, surveys.Kobo:
		v := h.Get(SecretHeader)
		if v == "" {
			return missing(SecretHeader)
		}
		// Compare digests, not the secrets: hmac.Equal is constant-time
		// only for inputs of one length, and a digest hides the length.
		a, b := sha256.Sum256([]byte(v)), sha256.Sum256(secret)
		if !hmac.Equal(a[:], b[:]) {
			return wrong(SecretHeader)
		}
		return nil
	default:
		return pipeline.Errorf(pipeline.Internal, "verify a delivery: no tool %q", tool)
	}
	if err != nil || !hmac.Equal(got, want) {
		return wrong(headerOf(tool))
	}
	return nil
}

func headerOf(tool string) string { h, _ := Sign(tool, []byte{0}, nil); return h }

func missing(header string) error {
	return pipeline.Errorf(pipeline.Invalid, "no %s header", header)
}

func wrong(header string) error {
	return pipeline.Errorf(pipeline.Invalid, "the %s header does not match the body", header)
}
