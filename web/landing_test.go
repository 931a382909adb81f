package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/web"
)

// withLanding serves the pages with the AWS intake, over a landing folder.
func withLanding(store lake.Store) func(*fixture, *web.Config) {
	return func(f *fixture, cfg *web.Config) { cfg.Intake = web.Landing(cfg.Standard, cfg.Lake, store) }
}

// ingestLanded does what the ingest function does with a landed file:
// checks and stores it, then writes its landing record.
func ingestLanded(tb testing.TB, f *fixture, store lake.Store, key string) string {
	tb.Helper()
	ctx := context.Background()
	up, err := landing.Parse(f.ingest.Standard, key)
	if err != nil {
		tb.Fatal(err)
	}
	rc, obj, err := store.Get(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	res, err := ingest.Run(ctx, f.ingest, ingest.Request{Org: up.Org, Period: up.Period, Files: []ingest.File{{Name: up.File, Data: bytes.NewReader(b), Size: obj.Size}}})
	if err != nil {
		tb.Fatal(err)
	}
	rec, _ := json.Marshal(landing.Record{LandingID: up.ID, UploadID: res.Uploads[0].UploadID, Org: up.Org, Period: up.Period.String(), File: up.File, Status: lake.UploadDone})
	if _, err := f.lake.Store.Put(ctx, landing.RecordKey(up.Org, up.ID), bytes.NewReader(rec), int64(len(rec)), lake.Condition{IfAbsent: true}); err != nil {
		tb.Fatal(err)
	}
	return res.Uploads[0].UploadID
}

func TestServer_UploadToLanding(t *testing.T) {
	store, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, withLanding(store))
	u := f.user(t)
	u.signIn("LEEDS-CC")
	res := u.upload("2026-Q3", nil, map[string]string{"Carers – Q3.csv": carers})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/result?l=") {
		t.Fatalf("upload: %s to %q, want a redirect to the landed file's result", res.Status, loc)
	}
	id := strings.TrimPrefix(loc, "/result?l=")
	objs, err := store.List(context.Background(), landing.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	wantKey := "landing/org=LEEDS-CC/period=2026-Q3/" + id + "/Carers _ Q3.csv"
	if len(objs) != 1 || objs[0].Key != wantKey || objs[0].Size != int64(len(carers)) {
		t.Fatalf("landed %+v, want one file at %s", objs, wantKey)
	}
	t.Run("received until it is checked", func(t *testing.T) {
		if r, page := u.get(loc); r.StatusCode != http.StatusOK || !strings.Contains(page, "Your file has been received") {
			t.Errorf("result: %s", r.Status)
		}
		if _, page := u.get("/tasks?period=2026-Q3"); !strings.Contains(page, ">Received<") {
			t.Error("the task list does not show the return as received")
		}
		if _, page := u.get("/history?period=2026-Q3"); !strings.Contains(page, `data-landed="`+id+`"`) || !strings.Contains(page, "Carers _ Q3.csv") {
			t.Error("the history does not list the file being checked")
		}
	})
	t.Run("another organisation cannot see it", func(t *testing.T) {
		bristol := f.user(t)
		bristol.signIn("BRISTOL-CW")
		if r, _ := bristol.get(loc); r.StatusCode != http.StatusNotFound {
			t.Errorf("BRISTOL-CW sees LEEDS-CC's landed file: %s", r.Status)
		}
	})
	uploadID := ingestLanded(t, f, store, wantKey)
	t.Run("its result once checked", func(t *testing.T) {
		r, _ := u.get(loc)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/result?u="+uploadID {
			t.Fatalf("%s to %q, want the upload's result", r.Status, r.Header.Get("Location"))
		}
		if r, page := u.get(r.Header.Get("Location")); r.StatusCode != http.StatusOK || !strings.Contains(page, "Carers _ Q3.csv") {
			t.Errorf("the upload's result: %s", r.Status)
		}
		if _, page := u.get("/tasks?period=2026-Q3"); strings.Contains(page, ">Received<") {
			t.Error("the task list still shows the checked file as received")
		}
		if _, page := u.get("/history?period=2026-Q3"); strings.Contains(page, "data-landed=") || !strings.Contains(page, "/result?u="+uploadID) {
			t.Error("the history does not list the checked file as its upload, once")
		}
	})
	t.Run("an unknown landing id", func(t *testing.T) {
		for _, bad := range []string{strings.Repeat("0", 32), "not-an-id", "../x"} {
			if r, _ := u.get("/result?l=" + bad); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %s, want 404", bad, r.Status)
			}
		}
	})
}
