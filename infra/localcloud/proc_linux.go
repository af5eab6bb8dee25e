package localcloud

import "syscall"

// sysProcAttr puts the child in its own process group (so Stop reaches
// everything it started) and has the kernel kill it if this process dies
// without calling Stop.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
