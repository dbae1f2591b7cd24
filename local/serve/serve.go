// Package serve is the composition root of `portico serve`: it loads the assembly, builds the
// functions for this host, starts the local issuers, the listeners and the runtime, wires the
// access gate (local/access) and the WebSocket stages (local/websocket) into the gateway's
// pipeline (local/gateway), watches the sources, prints the route table, and replays requests
// for `portico explain`. cmd/portico calls it; it is the only package that imports both
// local/gateway and local/websocket.
package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/credentials"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/runtime"
)

// Config is everything `portico serve` takes from its flags.
type Config struct {
	AssemblyDir string   // cdk.out
	Stacks      []string // empty: every stack
	Host        string   // default 127.0.0.1
	Port        int      // 0 picks a free port
	Concurrency int      // processes per function without reserved concurrency; default 10
	Watch       bool     // rebuild functions when their Go sources change
	CacheDir    string   // default os.UserCacheDir()/portico
	ModuleDir   string   // the Go module holding the entries; default: found above AssemblyDir
	Out         io.Writer
	// Access replaces the access gate of REST and HTTP routes (tests). Default: access.Gate.
	Access gateway.AccessControl
	// Now is the clock of authorizer caches, token expiry and quotas. Default: time.Now.
	Now       func() time.Time
	WebSocket WebSocketOptions
	// Limits are the timeouts and connection cap of every listener. Default: gateway.Limits'.
	Limits gateway.Limits
	// FunctionCredentials are the AWS credentials function processes get. Default: each
	// function's execution role's local keys.
	FunctionCredentials FunctionCredentials
	// IdentityPolicies is a JSON file mapping principal ARNs outside the assembly (or "*") to the
	// identity-based policy assumed for them (access.ReadOutsidePolicies). Default: none, so
	// access.DefaultOutsidePolicy applies.
	IdentityPolicies string
}

// outsidePolicies reads c.IdentityPolicies, if set.
func (c *Config) outsidePolicies() (map[string]*iam.Policy, error) {
	if c.IdentityPolicies == "" {
		return nil, nil
	}
	return access.ReadOutsidePolicies(c.IdentityPolicies)
}

// Running is a started gateway.
type Running struct {
	*Routes        // what is served
	URL     string // http://host:port
	Runtime *runtime.Manager
	http    *gateway.HTTPServer
	local   *localSetup
	ws      *webSockets
	stop    context.CancelFunc
	done    chan error
}

func (c *Config) defaults() error {
	if c.AssemblyDir == "" {
		c.AssemblyDir = "cdk.out"
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no cache folder (set --cache-dir): %w", err)
		}
		c.CacheDir = filepath.Join(dir, "portico")
	}
	if c.ModuleDir == "" {
		c.ModuleDir = moduleDirAbove(c.AssemblyDir)
	}
	return nil
}

// moduleDirAbove finds the folder holding go.mod at or above dir (cdk.out sits in the module
// root in a Portico project), else the working directory.
func moduleDirAbove(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "."
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return "."
		}
	}
}

// load applies the defaults to c, reads the stacks of its assembly and creates the local
// issuers of its user pools (not yet serving their keys).
func (c *Config) load() (*assembly.Assembly, *cognito.Pools, error) {
	if err := c.defaults(); err != nil {
		return nil, nil, err
	}
	asm, err := assembly.Load(c.AssemblyDir, assembly.WithStacks(c.Stacks...))
	if err != nil {
		return nil, nil, err
	}
	pools, err := cognito.Load(asm, keyDir(c.CacheDir))
	if err != nil {
		return nil, nil, err
	}
	return asm, pools, nil
}

// Routes is the route table of an assembly, as `portico routes` prints it.
type Routes struct {
	Assembly *assembly.Assembly
	Server   *gateway.Server
	// WebSocketAPIs are the WebSocket APIs of the assembly, served or refused.
	WebSocketAPIs []*WebSocketAPI
}

// Load reads the assembly and builds the route table without starting anything (`routes`).
func Load(cfg Config) (*Routes, error) {
	asm, pools, err := cfg.load()
	if err != nil {
		return nil, err
	}
	store, err := credentials.Open(cfg.CacheDir)
	if err != nil {
		return nil, err
	}
	gate := access.New(access.Config{Assembly: asm, Pools: pools, Now: cfg.Now, Verify: signatures(store)})
	defer gate.Close()
	apis := settleWebSockets(asm, gate, cfg.Access != nil, nil)
	return &Routes{Assembly: asm, WebSocketAPIs: apis, Server: gateway.New(asm, nil, gateway.Options{Access: accessControl(cfg, gate)})}, nil
}

// accessControl is the gate of REST and HTTP routes: Config.Access when set.
func accessControl(cfg Config, gate *access.Gate) gateway.AccessControl {
	if cfg.Access != nil {
		return cfg.Access
	}
	return gate
}

// Start loads the assembly, builds every function for the host, listens and serves. Close
// the result to stop serving and end every function process.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	asm, pools, err := cfg.load()
	if err != nil {
		return nil, err
	}
	for _, w := range asm.Warnings {
		fmt.Fprintln(cfg.Out, "warning:", w)
	}
	outside, err := cfg.outsidePolicies()
	if err != nil {
		return nil, err
	}
	builder := &runtime.Builder{ModuleDir: cfg.ModuleDir, CacheDir: cfg.CacheDir, FromSource: cfg.Watch, Log: cfg.Out}
	binaries, unrunnable := map[string]string{}, map[string]string{}
	var fns []*assembly.Function
	for _, fn := range asm.SortedFunctions() {
		bin, err := builder.Binary(fn)
		if err != nil {
			// Custom-resource handlers and other non-Go functions are not served; routes that
			// use such a function are refused with the reason.
			unrunnable[fn.ID] = err.Error()
			continue
		}
		binaries[fn.ID] = bin
		fns = append(fns, fn)
	}
	local, err := startLocal(asm, pools)
	if err != nil {
		return nil, err
	}
	var (
		mgr *runtime.Manager
		ln  net.Listener
	)
	// fail undoes what has started, in reverse order, when a later step fails.
	fail := func(err error) (*Running, error) {
		if ln != nil {
			ln.Close()
		}
		if mgr != nil {
			mgr.Close()
		}
		local.close()
		return nil, err
	}
	if ln, err = net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))); err != nil {
		return fail(fmt.Errorf("listen on %s:%d: %w", cfg.Host, cfg.Port, err))
	}
	base := "http://" + ln.Addr().String()
	store, err := credentials.Open(cfg.CacheDir)
	if err != nil {
		return fail(err)
	}
	env, err := localEnvironment(asm, local.pools, store, base, cfg)
	if err != nil {
		return fail(err)
	}
	if mgr, err = runtime.New(runtime.Config{Functions: fns, Binaries: binaries, Concurrency: cfg.Concurrency, Logs: cfg.Out, Environment: env}); err != nil {
		return fail(err)
	}
	local.gate = access.New(access.Config{Assembly: asm, Pools: local.pools, Invoker: mgr, Now: cfg.Now, Outside: outside, Verify: signatures(store)})
	apis := settleWebSockets(asm, local.gate, cfg.Access != nil, unrunnable)
	ws, err := mountWebSockets(apis, mgr, cfg.WebSocket, local.gate, cfg.Access != nil, cfg.Out)
	if err != nil {
		return fail(err)
	}
	srv := gateway.New(asm, mgr, gateway.Options{Access: accessControl(cfg, local.gate), Log: cfg.Out, Unrunnable: unrunnable, Mounts: ws.mounts()})
	routes := &Routes{Assembly: asm, Server: srv, WebSocketAPIs: apis}
	PrintRoutes(cfg.Out, routes, base)
	if err := local.serveEndpoints(&cfg, srv); err != nil {
		return fail(err)
	}
	ctx, stop := context.WithCancel(ctx)
	run := &Running{
		Routes: routes, URL: base, Runtime: mgr, ws: ws, local: local, stop: stop, done: make(chan error, 1),
		http: gateway.NewHTTPServer(srv, cfg.Limits),
	}
	if cfg.Watch {
		if err := watch(ctx, cfg, asm, builder, mgr, binaries); err != nil {
			fmt.Fprintln(cfg.Out, "warning: --watch disabled:", err)
		}
	}
	go func() { run.done <- run.http.Serve(ln) }()
	return run, nil
}

// Close stops serving and kills every function process. Requests still running after a short
// grace period are answered as crashed.
func (r *Running) Close() error {
	r.stop()
	// WebSocket connections are hijacked, so http.Server.Shutdown does not see them: close
	// them first, while their $disconnect routes can still run.
	wsCtx, wsCancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = r.ws.shutdown(wsCtx) // best effort, as $disconnect is in the cloud
	wsCancel()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := r.http.Shutdown(ctx)
	r.local.close()
	r.Runtime.Close()
	if err != nil {
		err = r.http.Close()
	}
	if serveErr := <-r.done; !errors.Is(serveErr, http.ErrServerClosed) && serveErr != nil {
		return serveErr
	}
	return err
}

// StageURL is the documented local address of an API stage.
func StageURL(base string, api *gateway.API, stage string) string {
	if stage == "$default" {
		return base + "/" + api.ID
	}
	return base + "/" + api.ID + "/" + stage
}

// PrintRoutes writes the route table: every stage URL, each route with its function and
// access requirements, then what is not served and why.
func PrintRoutes(w io.Writer, rs *Routes, base string) {
	var refused []string
	for _, api := range rs.Server.APIs() {
		fmt.Fprintf(w, "%s API %s (stack %s, id %s)\n", api.Kind, api.Name, api.Stack, api.ID)
		if len(api.Stages) == 0 {
			fmt.Fprintln(w, "  no stage: nothing to serve")
		}
		for _, name := range slices.Sorted(maps.Keys(api.Stages)) {
			fmt.Fprintf(w, "  stage %-8s %s  (or Host: %s.execute-api.localhost)\n", name, StageURL(base, api, name), api.ID)
		}
		for _, rt := range api.Routes {
			// A function chosen per stage shows its ARN's tail, e.g. name:${stageVariables.alias}.
			fn := cmp.Or(rt.Mock(), rt.Function, functionTail(rt.Integration.URI))
			auth := cmp.Or(rt.Requirements(), "none")
			method, path := rt.Method, rt.Path
			if rt.RouteKey == "$default" {
				method, path = "*", "$default"
			}
			if rt.Refused != "" {
				refused = append(refused, fmt.Sprintf("not served: %s %s %s (%s)", api.Name, method, path, rt.Refused))
				continue
			}
			fmt.Fprintf(w, "  %-7s %-28s -> %s  [auth: %s]\n", method, path, fn, auth)
		}
		if api.Cors != nil { // API Gateway answers the preflights that no route takes (gateway/cors.go)
			fmt.Fprintf(w, "  %-7s %-28s -> preflight 204 (CORS: %s)\n", "OPTIONS", "(no route)", strings.Join(api.Cors.AllowOrigins, ", "))
		}
	}
	refused = append(refused, printWebSocketAPIs(w, rs.WebSocketAPIs, base)...)
	for _, line := range refused {
		fmt.Fprintln(w, line)
	}
}
