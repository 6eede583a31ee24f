package main

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// prewarm starts, once per host, the module Pulumi.yaml's `runtime.options.prewarm` names:
// infra/toolchain/prewarm.py readies the dynamic-provider process the engine will launch once the
// program registers its first dynamic resource (the launcher, provider_launch.py, finds it by the
// CLI's process id: the engine is the parent of both). The first host of a command starts it when
// asked About, while the CLI is busy deriving the passphrase's key; Run asks again, in case About
// never came (the module keeps one process per CLI run).
//
// Linux only (it checks its peers with SO_PEERCRED). It runs in its own process group, as plugins
// do, so a signal meant for the program never reaches the provider it becomes; it ends by itself,
// and anything that goes wrong only means the SDK's usual, slower start.
type prewarm struct {
	once sync.Once
}

func (p *prewarm) start(info *pulumirpc.ProgramInfo) {
	module := info.GetOptions().GetFields()["prewarm"].GetStringValue()
	if module == "" || runtime.GOOS != "linux" {
		return
	}
	p.once.Do(func() {
		py := pythonFor(info)
		cmd := exec.Command(py.python, "-u", "-m", module, "--cli-pid", strconv.Itoa(os.Getppid()))
		cmd.Env = py.env
		cmd.Dir = info.GetProgramDirectory()
		if cmd.Dir == "" {
			cmd.Dir = info.GetRootDirectory()
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err == nil {
			go func() { _ = cmd.Wait() }()
		}
	})
}
