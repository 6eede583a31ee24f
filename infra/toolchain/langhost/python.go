package main

import (
	"os"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// pythonEnv is the interpreter a program runs with and its environment.
type pythonEnv struct {
	python string
	env    []string
}

// virtualenvOption is the project's `runtime.options.virtualenv` (Pulumi.yaml), "" when unset.
func virtualenvOption(info *pulumirpc.ProgramInfo) string {
	options := info.GetOptions()
	if options == nil {
		return ""
	}
	return options.GetFields()["virtualenv"].GetStringValue()
}

// resolveVirtualenv makes a relative virtualenv path relative to the project's root.
func resolveVirtualenv(root, venv string) string {
	if filepath.IsAbs(venv) {
		return venv
	}
	return filepath.Join(root, venv)
}

// pythonFor is the project's virtualenv when one is set (the option, or PULUMI_RUNTIME_VIRTUALENV),
// with VIRTUAL_ENV set, its bin first on PATH and no PYTHONHOME; otherwise PULUMI_PYTHON_CMD or
// python3 from PATH, with the host's environment unchanged.
func pythonFor(info *pulumirpc.ProgramInfo) pythonEnv {
	venv := virtualenvOption(info)
	if venv == "" {
		venv = os.Getenv("PULUMI_RUNTIME_VIRTUALENV")
	}
	if venv == "" {
		return pythonEnv{python: defaultPython(), env: os.Environ()}
	}
	dir := resolveVirtualenv(info.GetRootDirectory(), venv)
	env := withoutKeys(os.Environ(), "VIRTUAL_ENV", "PATH", "PYTHONHOME")
	env = append(env,
		"VIRTUAL_ENV="+dir,
		"PATH="+filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	return pythonEnv{python: filepath.Join(dir, "bin", "python"), env: env}
}

func defaultPython() string {
	if python := os.Getenv("PULUMI_PYTHON_CMD"); python != "" {
		return python
	}
	return "python3"
}

// withoutKeys drops the KEY=value entries of the given keys.
func withoutKeys(env []string, keys ...string) []string {
	kept := make([]string, 0, len(env))
	for _, entry := range env {
		name, _, _ := strings.Cut(entry, "=")
		drop := false
		for _, key := range keys {
			drop = drop || name == key
		}
		if !drop {
			kept = append(kept, entry)
		}
	}
	return kept
}
