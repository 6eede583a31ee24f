package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// bailExitCode: the exec helper has already shown the user an actionable message.
	bailExitCode = 32
	execHelper   = "pulumi-language-python-exec"
)

// Run executes the program through the exec helper installed next to this binary, and waits for it.
func (h *languageHost) Run(_ context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	helper, err := helperPath()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	root := req.GetInfo().GetRootDirectory()
	if root == "" {
		root = req.GetPwd()
	}
	py := pythonFor(req.GetInfo())
	env, err := runEnv(py.env, req)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(py.python, append([]string{"-u", helper}, h.runArgs(req, root)...)...)
	cmd.Env = env
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = root
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	h.prewarm.start(req.GetInfo())
	if err := h.children.start(cmd); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start %s: %v", py.python, err)}, nil
	}
	err = cmd.Wait()
	h.children.done(cmd)
	switch code := exitCode(err); code {
	case 0:
		return &pulumirpc.RunResponse{}, nil
	case bailExitCode:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
	}
}

// helperPath is the exec helper next to this executable (symlinks resolved, as the engine does).
func helperPath() (string, error) {
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return "", fmt.Errorf("cannot locate %s: %w", execHelper, err)
	}
	helper := filepath.Join(filepath.Dir(self), execHelper)
	if _, err := os.Stat(helper); err != nil {
		return "", fmt.Errorf("missing executor %s: run `make setup`", helper)
	}
	return helper, nil
}

// runEnv adds the stack's configuration, as the exec helper reads it, and unbuffered output.
func runEnv(base []string, req *pulumirpc.RunRequest) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{} // "[]", not "null"
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := withoutKeys(base, "PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS", "PYTHONUNBUFFERED")
	return append(env,
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON),
		"PYTHONUNBUFFERED=1",
	), nil
}

// runArgs are the exec helper's arguments, as upstream's host passes them.
func (h *languageHost) runArgs(req *pulumirpc.RunRequest, root string) []string {
	program := req.GetInfo().GetProgramDirectory()
	if program == "" {
		program = req.GetProgram()
	}
	if program == "" {
		program = "."
	}
	organization := req.GetOrganization()
	if organization == "" {
		organization = "organization"
	}
	dryRun := "false"
	if req.GetDryRun() {
		dryRun = "true"
	}
	args := []string{
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", dryRun,
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--organization", organization,
		"--root_directory", root,
		program,
	}
	return append(args, req.GetArgs()...)
}

// exitCode is the process's exit status; a process killed by a signal gives minus the signal's
// number, and one that never ran -1.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return -1
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	return exit.ExitCode()
}

// children are the program runs in progress, interrupted by Cancel or when the engine stops the host.
type children struct {
	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

func newChildren() *children {
	return &children{running: map[*exec.Cmd]struct{}{}}
}

func (c *children) start(cmd *exec.Cmd) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	c.running[cmd] = struct{}{}
	return nil
}

func (c *children) done(cmd *exec.Cmd) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, cmd)
}

func (c *children) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for cmd := range c.running {
		_ = cmd.Process.Signal(syscall.SIGINT)
	}
}
