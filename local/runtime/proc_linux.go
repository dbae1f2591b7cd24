package runtime

import "syscall"

// setParentDeathSignal kills the function if Portico itself dies without cleaning up
// (kill -9), so no process outlives the gateway.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
