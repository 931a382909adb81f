// Package lambdatest runs a real Lambda function binary (a provided.al2023
// `bootstrap`) against the Lambda Runtime API served on 127.0.0.1, so that
// tests exercise the function exactly as Lambda does: the binary polls for
// the next invocation, handles it and posts its response or error. The
// Runtime Interface Emulator cannot be installed here, and a handler called
// in-process would skip the runtime loop, its serialisation and its start-up.
package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const apiPrefix = "/2018-06-01/runtime/"

// Runtime is a Lambda Runtime API for one function process.
type Runtime struct {
	Addr string // host:port, the value of AWS_LAMBDA_RUNTIME_API

	srv     *http.Server
	queue   chan *invocation
	mu      sync.Mutex
	pending map[string]*invocation
	next    chan time.Time // the time of every GET …/invocation/next
	initErr chan string
	seq     int
}

type invocation struct {
	id       string
	event    []byte
	deadline time.Time
	result   chan Result
}

// Result is what the function answered to one invocation.
type Result struct {
	Response []byte // the body posted to …/response
	Error    *Error // the error posted to …/error, or nil
}

// Error is the error document a Go Lambda posts.
type Error struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Start serves the Runtime API on 127.0.0.1 until the test ends.
func Start(tb testing.TB) *Runtime {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen for the runtime API: %v", err)
	}
	r := &Runtime{Addr: ln.Addr().String(), queue: make(chan *invocation, 16), pending: map[string]*invocation{},
		next: make(chan time.Time, 1024), initErr: make(chan string, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
	})
	return r
}

func (r *Runtime) serve(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimPrefix(req.URL.Path, apiPrefix)
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		select {
		case r.next <- time.Now():
		default:
		}
		var inv *invocation
		select {
		case inv = <-r.queue:
		case <-req.Context().Done():
			return
		}
		r.mu.Lock()
		r.pending[inv.id] = inv
		r.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-2:000000000000:function:test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
		h.Set("Content-Type", "application/json")
		w.Write(inv.event)
	case req.Method == http.MethodPost && path == "init/error":
		b, _ := io.ReadAll(req.Body)
		select {
		case r.initErr <- string(b):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, _ := strings.Cut(rest, "/")
		r.mu.Lock()
		inv := r.pending[id]
		delete(r.pending, id)
		r.mu.Unlock()
		if inv == nil {
			http.Error(w, "unknown request id", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(req.Body)
		res := Result{}
		switch kind {
		case "response":
			res.Response = b
		case "error":
			res.Error = &Error{}
			if err := json.Unmarshal(b, res.Error); err != nil {
				res.Error.Message = string(b)
			}
		default:
			http.Error(w, "unknown path", http.StatusNotFound)
			return
		}
		inv.result <- res
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "not part of the runtime API", http.StatusNotFound)
	}
}

// Invoke queues an event and waits for the function's answer.
func (r *Runtime) Invoke(tb testing.TB, event []byte, timeout time.Duration) Result {
	tb.Helper()
	r.mu.Lock()
	r.seq++
	id := fmt.Sprintf("req-%d-%d", time.Now().UnixNano(), r.seq)
	r.mu.Unlock()
	inv := &invocation{id: id, event: event, deadline: time.Now().Add(timeout), result: make(chan Result, 1)}
	r.queue <- inv
	select {
	case res := <-inv.result:
		return res
	case msg := <-r.initErr:
		tb.Fatalf("the function failed to start: %s", msg)
	case <-time.After(timeout + 5*time.Second):
		tb.Fatalf("invocation %s: no answer within %v", id, timeout)
	}
	return Result{}
}

// NextPolled returns when the function first asked for an invocation.
func (r *Runtime) NextPolled(tb testing.TB, timeout time.Duration) time.Time {
	tb.Helper()
	select {
	case t := <-r.next:
		return t
	case msg := <-r.initErr:
		tb.Fatalf("the function failed to start: %s", msg)
	case <-time.After(timeout):
		tb.Fatalf("the function did not poll the runtime API within %v", timeout)
	}
	return time.Time{}
}

// Build compiles a function's main package (such as
// "github.com/carer-outcomes/carer-outcomes/functions/ingest") as Lambda
// builds it, for this machine's architecture, and returns the binary's path.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Process is a running function binary.
type Process struct {
	Started time.Time
	cmd     *exec.Cmd
	output  *strings.Builder
	mu      *sync.Mutex
}

// Run starts a function binary against the runtime with the given extra
// environment (KEY=value) and stops it when the test ends.
func (r *Runtime) Run(tb testing.TB, binary string, env ...string) *Process {
	tb.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + r.Addr,
		"AWS_LAMBDA_FUNCTION_NAME=test", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=eu-west-2", "PATH=" + os.Getenv("PATH"), "HOME=" + tb.TempDir(), "TMPDIR=" + tb.TempDir(),
	}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &Process{cmd: cmd, output: &strings.Builder{}, mu: &sync.Mutex{}}
	w := lockedWriter{p}
	cmd.Stdout, cmd.Stderr = w, w
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", binary, err)
	}
	tb.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if tb.Failed() {
			tb.Logf("function output:\n%s", p.Output())
		}
	})
	return p
}

// Output is what the function has logged so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// WaitOutput waits until the function has logged want or timeout has
// passed, and returns its output then and whether want is in it. A function
// that stops at start-up for a bad setting says so only in its log.
func (p *Process) WaitOutput(want string, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && !strings.Contains(p.Output(), want) {
		time.Sleep(50 * time.Millisecond)
	}
	out := p.Output()
	return out, strings.Contains(out, want)
}

type lockedWriter struct{ p *Process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.output.Write(b)
}
