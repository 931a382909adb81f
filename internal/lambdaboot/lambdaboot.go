// Package lambdaboot is the part of every Lambda function's main that is the
// same in each: reading its settings from the environment, with errors that
// name the variable and say what it wants, and starting the handler. A
// function's own main.go keeps its config struct and says which variables
// it reads; how they are read and what happens when one is wrong is here,
// once, so the functions cannot drift apart.
package lambdaboot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Env reads settings from an environment. It keeps the first problem it
// meets, so a config function reads every variable in a row and checks Err
// once: the error names the first variable, in the order they were read,
// that is missing or malformed.
type Env struct {
	getenv func(string) string
	err    error
}

// NewEnv reads from getenv: os.Getenv in a function, a map in a test.
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Err is the first problem met, or nil.
func (e *Env) Err() error { return e.err }

// fail keeps err if it is the first.
func (e *Env) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Required is the variable's value, which must be set.
func (e *Env) Required(name string) string {
	v := e.getenv(name)
	if v == "" {
		e.fail(fmt.Errorf("%s is not set", name))
	}
	return v
}

// String is the variable's value, or def when it is not set.
func (e *Env) String(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// List is the variable's comma-separated values (see Split).
func (e *Env) List(name string) []string { return Split(e.getenv(name)) }

// Split is the comma-separated values of s, trimmed, without empty ones:
// "a@x.org, b@x.org," is two addresses.
func Split(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Int is the variable as a whole number from lo to hi, or def when it is
// not set. want says what it is, for the error: "a whole number of MB,
// at most 5120".
func (e *Env) Int(name string, def, lo, hi int, want string) int {
	s := e.getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		e.fail(fmt.Errorf("%s %q: want %s", name, s, want))
		return def
	}
	return n
}

// Duration is the variable as a Go duration from lo to hi, or def when it
// is not set. want says what it is, for the error: "a duration such as 24h".
func (e *Env) Duration(name string, def, lo, hi time.Duration, want string) time.Duration {
	s := e.getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < lo || d > hi {
		e.fail(fmt.Errorf("%s %q: want %s", name, s, want))
		return def
	}
	return d
}

// Bool is the variable as true or false (strconv.ParseBool's spellings),
// or def when it is not set.
func (e *Env) Bool(name string, def bool) bool {
	s := e.getenv(name)
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		e.fail(fmt.Errorf("%s %q: want true or false", name, s))
		return def
	}
	return b
}

// Start builds a function's handler from the process's environment and
// hands it to the Lambda runtime; it does not return. build answers the
// value lambda.Start takes (a handler method). When build fails the reason
// is logged and the process exits 1, which Lambda reports as an
// initialisation error whose log line says which setting is wrong.
func Start(build func(ctx context.Context, getenv func(string) string, log *slog.Logger) (any, error)) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	handler, err := build(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler)
}
