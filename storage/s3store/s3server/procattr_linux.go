package s3server

import "syscall"

// procAttr puts the server in its own process group, so that Stop can kill
// it and anything it started, and has the kernel kill it if the test binary
// dies without running its cleanups (a -timeout panic, a SIGKILL). The
// signal comes when the thread that started the server ends, which the Go
// runtime does only for a goroutine that exits locked to its thread; no
// caller here does that.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
