//go:build unix && !linux

package localcloud

import "syscall"

// sysProcAttr puts the child in its own process group so Stop reaches
// everything it started.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
