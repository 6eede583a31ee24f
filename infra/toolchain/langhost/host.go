package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// languageHost implements the calls the engine makes for preview, up, refresh, destroy, about and
// install; the others (code generation, plugins written in Python) answer Unimplemented.
type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	children      *children
	prewarm       prewarm
}

func newHost(engineAddress string) *languageHost {
	return &languageHost{engineAddress: engineAddress, children: newChildren()}
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: sdkVersion}, nil
}

// About names the program's interpreter and its version (`python --version` starts no interpreter).
func (h *languageHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	h.prewarm.start(req.GetInfo())
	py := pythonFor(req.GetInfo())
	cmd := exec.Command(py.python, "--version")
	cmd.Env = py.env
	out, _ := cmd.Output() // an interpreter that cannot start has no version: reported empty
	version := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "Python"))
	return &pulumirpc.AboutResponse{Executable: py.python, Version: version}, nil
}

// GetRequiredPlugins reports none: plugins are loaded when a resource needs one, so machines without
// network or Docker never try to download pulumi-docker's plugin up front.
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// GetProgramDependencies lists the packages installed for the program (`pip list`).
func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	py := pythonFor(req.GetInfo())
	cmd := exec.Command(py.python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check")
	cmd.Env = py.env
	out, _ := cmd.Output()
	var listed []struct{ Name, Version string }
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &listed); err != nil {
			return nil, fmt.Errorf("reading `pip list` of %s: %w", py.python, err)
		}
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(listed))
	for _, d := range listed {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// InstallDependencies creates the project's virtualenv if it is missing and installs requirements.txt,
// streaming each step's output.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	root := req.GetInfo().GetRootDirectory()
	if root == "" {
		root = req.GetDirectory()
	}
	for _, step := range installSteps(root, virtualenvOption(req.GetInfo())) {
		cmd := exec.Command(step[0], step[1:]...)
		cmd.Dir = root
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		sent := stream.Send(&pulumirpc.InstallDependenciesResponse{
			Stdout: []byte(stdout.String()), Stderr: []byte(stderr.String()),
		})
		if err != nil {
			return status.Errorf(codes.Unknown, "%s failed (%d)", strings.Join(step[:min(4, len(step))], " "), exitCode(err))
		}
		if sent != nil {
			return sent
		}
	}
	return nil
}

func installSteps(root, venv string) [][]string {
	var steps [][]string
	python := defaultPython()
	if venv != "" {
		dir := resolveVirtualenv(root, venv)
		if _, err := os.Stat(filepath.Join(dir, "bin", "python")); err != nil {
			steps = append(steps, []string{python, "-m", "venv", dir})
		}
		python = filepath.Join(dir, "bin", "python")
	}
	requirements := filepath.Join(root, "requirements.txt")
	if _, err := os.Stat(requirements); err == nil {
		steps = append(steps, []string{python, "-m", "pip", "install", "-q", "-r", requirements})
	}
	return steps
}

func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelChildren()
	return &emptypb.Empty{}, nil
}

func (h *languageHost) cancelChildren() {
	h.children.interrupt()
}
