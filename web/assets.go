package web

import (
	"archive/zip"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// WriteAssets writes, as a zip, every file the pages load from /assets/
// and /static/, at those paths: GOV.UK Frontend's compiled CSS and
// JavaScript, fonts and images from govuk (its dist/govuk folder), and
// the hand-written app.js and app.css. In AWS the zip is the static
// site's bucket, which CloudFront serves at the same paths, so the pages
// load the same bytes from Lambda as from `outcomes serve`.
func WriteAssets(w io.Writer, govuk fs.FS) error {
	zw := zip.NewWriter(w)
	add := func(name string, b []byte) error {
		// A fixed time: the same files make the same zip, and CDK's asset
		// hash does not change when nothing did.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		return err
	}
	var names []string
	for _, dir := range []string{"assets/fonts", "assets/images"} {
		err := fs.WalkDir(govuk, dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p[len("assets/"):])
			}
			return err
		})
		if err != nil {
			return pipeline.Errorf(pipeline.Invalid, "read GOV.UK Frontend's %s: %w", dir, err)
		}
	}
	names = append(names, "govuk-frontend.min.css", "govuk-frontend.min.js")
	for _, p := range names {
		b, err := assetBytes(govuk, p)
		if err != nil {
			return pipeline.Errorf(pipeline.Invalid, "read GOV.UK Frontend's %s: %w", p, err)
		}
		if err := add(path.Join("assets", p), b); err != nil {
			return pipeline.Errorf(pipeline.Internal, "write assets/%s: %w", p, err)
		}
	}
	statics, err := fs.ReadDir(staticFiles, "static")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "list the static files: %w", err)
	}
	for _, e := range statics {
		b, err := staticFiles.ReadFile("static/" + e.Name())
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "read static/%s: %w", e.Name(), err)
		}
		if err := add("static/"+e.Name(), b); err != nil {
			return pipeline.Errorf(pipeline.Internal, "write static/%s: %w", e.Name(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return pipeline.Errorf(pipeline.Internal, "finish the assets zip: %w", err)
	}
	return nil
}
