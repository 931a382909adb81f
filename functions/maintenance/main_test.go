package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const pkg = "github.com/carer-outcomes/carer-outcomes/functions/maintenance"

// TestMaintenance runs the function on a lake in S3 (versitygw) with old
// and new orphans planted: a dry run lists the old ones and removes
// nothing, a run removes exactly the old ones and passes the check, and a
// lake whose pointer names a missing file makes the invocation fail.
func TestMaintenance(t *testing.T) {
	ctx := context.Background()
	srv := functest.StartS3(t, "lake")
	l := &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "consortium")}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		t.Fatal(err)
	}
	carers, err := os.ReadFile("../../testdata/registry/carers.csv")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ingest.Config{Standard: standardtest.Load(t), Lake: l, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()}
	if _, err := ingest.Run(ctx, cfg, ingest.Request{Org: "TEST-ORG", Period: pipeline.Period{Year: 2026, Quarter: 3},
		Files: []ingest.File{{Name: "carers.csv", Data: bytes.NewReader(carers), Size: int64(len(carers))}}}); err != nil {
		t.Fatal(err)
	}
	ptrs, err := l.Pointers(ctx, "carers", "")
	if err != nil || len(ptrs) != 1 {
		t.Fatalf("pointers %+v %v", ptrs, err)
	}
	rc, _, err := l.Open(ctx, ptrs[0])
	if err != nil {
		t.Fatal(err)
	}
	parquet, _ := io.ReadAll(rc)
	rc.Close()
	dir := ptrs[0].Key[:strings.LastIndex(ptrs[0].Key, "/")+1]
	plant := func(name string) string {
		if _, err := l.Store.Put(ctx, dir+name, bytes.NewReader(parquet), int64(len(parquet)), lake.Condition{}); err != nil {
			t.Fatal(err)
		}
		return dir + name
	}
	// Both instances start before the orphans are planted, so that the
	// young one is young when they run.
	env := []string{"LAKE_BUCKET=lake", "LAKE_PREFIX=consortium", "GC_GRACE=10s"}
	dry := srv.Run(t, pkg, append(env, "GC_APPLY=false")...)
	fn := srv.Run(t, pkg, env...)
	dry.Runtime.NextPolled(t, time.Minute)
	fn.Runtime.NextPolled(t, time.Minute)
	old := []string{plant("old-1.parquet"), plant("old-2.parquet")}
	// S3 keeps modification times to the second: the grace period is 10s,
	// the old orphans are over 11s old when the function runs, the new one
	// about a second.
	time.Sleep(11 * time.Second)
	young := plant("new-1.parquet")
	event, err := os.ReadFile("../../testdata/events/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(t *testing.T, rt *lambdatest.Runtime) (summary, *lambdatest.Error) {
		t.Helper()
		res := rt.Invoke(t, event, time.Minute)
		var s summary
		if res.Error == nil {
			if err := json.Unmarshal(res.Response, &s); err != nil {
				t.Fatalf("response %s: %v", res.Response, err)
			}
		}
		return s, res.Error
	}
	curated := func() []string {
		objs, err := l.Store.List(ctx, "curated/")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range objs {
			out = append(out, o.Key)
		}
		return out
	}
	before := curated()

	t.Run("a dry run removes nothing", func(t *testing.T) {
		_, ferr := invoke(t, dry.Runtime)
		if ferr == nil || !strings.Contains(ferr.Message, "an orphan") {
			t.Errorf("error %+v: want the old orphans reported as problems", ferr)
		}
		if out, _ := dry.Process.WaitOutput(`"removed":false`, 5*time.Second); strings.Count(out, `"msg":"orphan"`) != 2 {
			t.Errorf("the dry run does not list the two old orphans:\n%s", out)
		}
		if got := curated(); !slices.Equal(got, before) {
			t.Errorf("curated files %q, want %q", got, before)
		}
	})

	t.Run("the old orphans are removed, the young one kept", func(t *testing.T) {
		s, ferr := invoke(t, fn.Runtime)
		if ferr != nil {
			t.Fatalf("the function failed: %+v", ferr)
		}
		if !slices.Equal(s.Removed, old) || len(s.Findings) != 0 || s.Pointers != 1 || s.Entries != 1 {
			t.Errorf("summary %+v: want %q removed and no findings", s, old)
		}
		if got := curated(); !slices.Equal(got, []string{young, ptrs[0].Key}) && !slices.Equal(got, []string{ptrs[0].Key, young}) {
			t.Errorf("curated files %q, want the current one and %s", got, young)
		}
	})

	t.Run("a pointer naming a missing file fails the invocation", func(t *testing.T) {
		if err := l.Store.Delete(ctx, ptrs[0].Key); err != nil {
			t.Fatal(err)
		}
		_, ferr := invoke(t, fn.Runtime)
		if ferr == nil || !strings.Contains(ferr.Message, "does not exist") {
			t.Errorf("error %+v: want the missing file named", ferr)
		}
		if out, ok := fn.Process.WaitOutput(`"msg":"lake check finding"`, 5*time.Second); !ok || !strings.Contains(out, ptrs[0].Key) {
			t.Errorf("the finding is not logged:\n%s", out)
		}
	})
}

func TestMaintenance_StartupErrors(t *testing.T) {
	bin := lambdatest.Build(t, pkg)
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{nil, "LAKE_BUCKET is not set"},
		{[]string{"LAKE_BUCKET=lake", "GC_GRACE=soon"}, "GC_GRACE"},
		{[]string{"LAKE_BUCKET=lake", "GC_APPLY=perhaps"}, "GC_APPLY"},
	} {
		p := lambdatest.Start(t).Run(t, bin, tt.env...)
		if out, ok := p.WaitOutput(tt.want, 10*time.Second); !ok {
			t.Errorf("output %q does not say %q", out, tt.want)
		}
	}
}
