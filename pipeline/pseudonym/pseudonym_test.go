package pseudonym

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// The expected pseudonyms were computed with Python's hmac and base64
// modules from the key bytes 0x00…0x1f, independently of this code.
func TestHasher_CarerID(t *testing.T) {
	tests := []struct {
		keyText, org, ref, want string
	}{
		{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "LEEDS-CC", "C001", "q3p7rpcmslhp4m42st5tehhipw"},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "LEEDS-CC", "C002", "2xjpnne3jklif6vwcs5sihwsyj"},
		{" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ", "BRISTOL-CW", "C001", "nlwmalvptwuqcw5he7wtdr3h3r"},
		{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "LEEDS-CC", "", "yxka4ulxk6b3scpfewhluukj5o"},
	}
	for _, tt := range tests {
		t.Run(tt.org+"/"+tt.ref, func(t *testing.T) {
			k, err := ParseKey([]byte(tt.keyText))
			if err != nil {
				t.Fatal(err)
			}
			h, err := k.For(tt.org)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(h.CarerID([]byte(tt.ref))); got != tt.want {
				t.Errorf("CarerID = %s, want %s", got, tt.want)
			}
			// Reusing the hasher gives the same answer.
			if got := string(h.CarerID([]byte(tt.ref))); got != tt.want {
				t.Errorf("second CarerID = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, text string
		ok         bool
	}{
		{"hex", strings.Repeat("ab", 32), true},
		{"too short", strings.Repeat("ab", 16), false},
		{"not text", "not a key at all!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKey([]byte(tt.text))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseKey: %v", err)
			}
			if err != nil && pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("kind = %v, want invalid", pipeline.KindOf(err))
			}
		})
	}
}

func TestKey_NeverPrinted(t *testing.T) {
	secret := strings.Repeat("cd", 32)
	k, err := ParseKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "cd") || strings.Contains(strings.ToLower(s), "\xcd") {
			t.Errorf("key printed: %q", s)
		}
	}
	if _, err := (Key{}).For("X"); err == nil {
		t.Error("a zero key hashed")
	}
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path + ".missing"); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("LoadKey of a missing file: %v", err)
	}
}
