package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/web"
)

// defaultAssets is where `npm ci` in web/ puts GOV.UK Frontend's compiled
// files, relative to the repository's root.
var defaultAssets = filepath.Join("web", "node_modules", "govuk-frontend", "dist", "govuk")

// serveCmd serves the organisations' and the lead's web pages on a local
// address, with a development sign-in, ingesting uploads into the lake the
// way `outcomes ingest` does.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	var l lakeFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outcomes serve --lake DIR --consortium FILE [--key-file FILE] [--addr 127.0.0.1:8080] [--assets DIR]")
		fs.PrintDefaults()
	}
	l.register(fs)
	consortiumFile := fs.String("consortium", "", "the consortium's configuration file (consortium.json)")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (port 0 picks a free one)")
	assets := fs.String("assets", defaultAssets, "GOV.UK Frontend's dist/govuk folder")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() > 0 || *consortiumFile == "" {
		fs.Usage()
		return exitFailure
	}
	cfg, err := l.open(nil)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	c, err := consortium.Load(*consortiumFile, cfg.Standard)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := web.New(web.Config{Ingest: cfg, Consortium: c, Assets: *assets, Log: log})
	if err != nil {
		return fail(stderr, "serve", err)
	}
	if err := loopbackOnly(*addr); err != nil {
		return fail(stderr, "serve", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Invalid, "listen on %s: %w", *addr, err))
	}
	// The first line says where the pages are; the browser tests read it.
	fmt.Fprintf(stdout, "Serving %s on http://%s/ (development sign-in; stop with Ctrl-C)\n", c.Name, ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = hs.Shutdown(shut) // an upload being ingested finishes first
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stderr, "serve", pipeline.Errorf(pipeline.Transient, "serve: %w", err))
	}
	return exitOK
}

// loopbackOnly refuses an address other machines can reach: the
// development sign-in asks for no password, so anyone who could reach the
// page could sign in as any organisation.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return pipeline.Errorf(pipeline.Invalid, "--addr %q: write it as HOST:PORT, such as 127.0.0.1:8080", addr)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return pipeline.Errorf(pipeline.Invalid, "--addr %s: the development sign-in asks for no password, so the pages are served on this machine only: use a loopback address such as 127.0.0.1:8080", addr)
}
