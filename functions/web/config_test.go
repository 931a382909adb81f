package main

import (
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{"LAKE_BUCKET": "lake", "LANDING_BUCKET": "landing", "OIDC_ISSUER": "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc",
		"SITE_SECRET_ID": "outcomes/web/site", "ORIGIN_SECRET_ID": "outcomes/web/origin"}
	for _, tc := range []struct {
		name    string
		set     map[string]string
		wantErr string
		check   func(config) bool
	}{
		{"defaults", nil, "", func(c config) bool {
			return c.ConsortiumFile == "consortium.json" && c.ClaimOrg == "custom:org" && c.LeadGroup == "lead" && c.MaxUploadMB == 4
		}},
		{"no issuer", map[string]string{"OIDC_ISSUER": ""}, "OIDC_ISSUER", nil},
		{"no site secret", map[string]string{"SITE_SECRET_ID": ""}, "SITE_SECRET_ID", nil},
		{"no origin secret", map[string]string{"ORIGIN_SECRET_ID": ""}, "ORIGIN_SECRET_ID", nil},
		{"no landing bucket", map[string]string{"LANDING_BUCKET": ""}, "LANDING_BUCKET", nil},
		{"uploads over what a function URL takes", map[string]string{"MAX_UPLOAD_MB": "5"}, "MAX_UPLOAD_MB", nil},
		{"smaller uploads", map[string]string{"MAX_UPLOAD_MB": "2"}, "", func(c config) bool { return c.MaxUploadMB == 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.set {
				env[k] = v
			}
			c, err := configFromEnv(func(k string) string { return env[k] })
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.check != nil && !tc.check(c):
				t.Errorf("config %+v", c)
			}
		})
	}
}
