//go:build unix && !linux

package s3server

import "syscall"

// procAttr puts the server in its own process group, so that Stop can kill
// it and anything it started. Only Linux can also tie the server's life to
// the test binary's.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
