// Command pulumi-language-python is workshelf-infra's language host for Python programs.
//
// Why our own: the Go module proxy serves github.com/pulumi/pulumi/sdk/v3 (and the CLI) but refuses
// upstream's host module, sdk/python/cmd/pulumi-language-python/v3 (no version tags: every query
// answers 403), so the upstream host cannot be built offline. The engine finds language hosts by
// name (`pulumi-language-<runtime>`, first next to the `pulumi` binary), starts them with the
// engine's address as the last argument, reads the port to dial from the first line of stdout and
// speaks gRPC (pulumirpc.LanguageRuntime). It starts the host twice per command (About, then Run)
// and waits for it each time: a Go binary answers in milliseconds.
//
// Programs run through upstream's `pulumi-language-python-exec` (shipped in the sdk/v3 module and
// installed next to this binary by `make setup`), with the arguments and environment upstream's
// host gives it. `make setup` builds this module (infra/toolchain/hostbuild.py).
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// sdkVersion is the Python SDK version reported by GetPluginInfo: requirements.txt's `pulumi` pin,
// set at build time (-ldflags "-X main.sdkVersion=...").
var sdkVersion = "0.0.0"

func main() {
	host := newHost(engineAddress(os.Args[1:]))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: cannot listen on 127.0.0.1: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer()
	pulumirpc.RegisterLanguageRuntimeServer(server, host)
	stopOnSignal(host)
	// The plugin handshake: the first line on stdout is the port to dial.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

// engineAddress is the last positional argument: the engine passes flags (-v=9, -tracing ...) first.
func engineAddress(args []string) string {
	address := ""
	for _, arg := range args {
		if !strings.HasPrefix(arg, "-") {
			address = arg
		}
	}
	return address
}

// stopOnSignal exits at once when the engine stops its plugins (SIGINT, then SIGKILL after a grace
// period): the engine has already cancelled any program run, so there is nothing to drain. A
// program still running is interrupted, as Cancel does.
func stopOnSignal(host *languageHost) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		host.cancelChildren()
		os.Exit(0)
	}()
}
