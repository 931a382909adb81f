package lambdaboot

import (
	"strings"
	"testing"
	"time"
)

func TestEnv_Read(t *testing.T) {
	type got struct {
		req, str string
		n        int
		d        time.Duration
		b        bool
		list     []string
	}
	read := func(env map[string]string) (got, error) {
		e := NewEnv(func(k string) string { return env[k] })
		g := got{
			req:  e.Required("BUCKET"),
			str:  e.String("CLAIM", "custom:org"),
			n:    e.Int("MAX_MB", 50, 1, 5120, "a whole number of MB, at most 5120"),
			d:    e.Duration("TTL", 15*time.Minute, time.Second, time.Hour, "a duration such as 15m"),
			b:    e.Bool("APPLY", true),
			list: e.List("ORGS"),
		}
		return g, e.Err()
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    got
		wantErr string
	}{
		{"defaults", map[string]string{"BUCKET": "lake"}, got{req: "lake", str: "custom:org", n: 50, d: 15 * time.Minute, b: true}, ""},
		{"all set", map[string]string{"BUCKET": "lake", "CLAIM": "org", "MAX_MB": "5120", "TTL": "1s", "APPLY": "false", "ORGS": " A, ,B ,"},
			got{req: "lake", str: "org", n: 5120, d: time.Second, b: false, list: []string{"A", "B"}}, ""},
		{"missing", map[string]string{}, got{}, "BUCKET is not set"},
		{"not a number", map[string]string{"BUCKET": "l", "MAX_MB": "ten"}, got{}, `MAX_MB "ten": want a whole number of MB, at most 5120`},
		{"below the range", map[string]string{"BUCKET": "l", "MAX_MB": "0"}, got{}, `MAX_MB "0": want`},
		{"above the range", map[string]string{"BUCKET": "l", "MAX_MB": "5121"}, got{}, `MAX_MB "5121": want`},
		{"a duration without a unit", map[string]string{"BUCKET": "l", "TTL": "900"}, got{}, `TTL "900": want a duration such as 15m`},
		{"a duration too long", map[string]string{"BUCKET": "l", "TTL": "2h"}, got{}, `TTL "2h"`},
		{"not a bool", map[string]string{"BUCKET": "l", "APPLY": "perhaps"}, got{}, `APPLY "perhaps": want true or false`},
		// The first problem in reading order is the one reported.
		{"two problems", map[string]string{"MAX_MB": "x", "APPLY": "y"}, got{}, "BUCKET is not set"},
		{"two bad values", map[string]string{"BUCKET": "l", "MAX_MB": "x", "APPLY": "y"}, got{}, "MAX_MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := read(tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.req != tc.want.req || g.str != tc.want.str || g.n != tc.want.n || g.d != tc.want.d || g.b != tc.want.b || strings.Join(g.list, "|") != strings.Join(tc.want.list, "|") {
				t.Errorf("read %+v, want %+v", g, tc.want)
			}
		})
	}
}
