// Command portico runs the APIs of a synthesized CDK app (cdk.out) locally: `portico serve`
// serves them on loopback with the real handler code, `portico routes` prints the route table,
// `portico token` prints a token of a user pool's local issuer, `portico credentials` prints the
// local AWS keys of a role or policy principal, and `portico explain` replays a request against
// the access control.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/portico-dev/portico/internal/textlist"
	"github.com/portico-dev/portico/local/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot(os.Stdout).ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}

func newRoot(out io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "portico",
		Short:         "Run the API Gateway APIs of a cdk.out locally",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetOut(out)
	root.AddCommand(serveCmd(out), routesCmd(out), tokenCmd(out), credentialsCmd(out), explainCmd(out))
	return root
}

// addCommon binds the flags serve and routes share to cfg.
func addCommon(cmd *cobra.Command, cfg *serve.Config, stacks *string) {
	addAssembly(cmd, &cfg.AssemblyDir, stacks, "serve")
	cmd.Flags().StringVar(&cfg.Host, "host", "127.0.0.1", "address to listen on")
	cmd.Flags().IntVarP(&cfg.Port, "port", "p", 3000, "port to listen on (0 picks a free one)")
}

// addAssembly binds the flags that choose the assembly and its stacks; verb says what the
// command does with the stacks.
func addAssembly(cmd *cobra.Command, dir, stacks *string, verb string) {
	cmd.Flags().StringVarP(dir, "assembly", "a", "cdk.out", "cloud assembly folder written by `cdk synth`")
	cmd.Flags().StringVar(stacks, "stacks", "", "comma-separated stack names to "+verb+" (default: all)")
}

// addServeCacheDir binds --cache-dir of the commands that read what serve keeps there.
func addServeCacheDir(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "cache-dir", "", "the cache folder serve uses (default: the user cache folder/portico)")
}

func serveCmd(out io.Writer) *cobra.Command {
	var cfg serve.Config
	var stacks string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve every REST, HTTP and WebSocket API stage of the assembly on loopback",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Stacks, cfg.Out = textlist.Split(stacks), out
			if cfg.Concurrency < 1 {
				return fmt.Errorf("--concurrency must be at least 1, got %d", cfg.Concurrency)
			}
			if cfg.WebSocket.IdleTimeout <= 0 || cfg.WebSocket.MaxDuration <= 0 {
				return fmt.Errorf("--ws-idle-timeout and --ws-max-duration must be positive, got %s and %s", cfg.WebSocket.IdleTimeout, cfg.WebSocket.MaxDuration)
			}
			start := time.Now()
			run, err := serve.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "serving on %s (started in %s; Ctrl-C stops it and every function process)\n", run.URL, time.Since(start).Round(time.Millisecond))
			<-cmd.Context().Done()
			fmt.Fprintln(out, "stopping")
			return run.Close()
		},
	}
	addCommon(cmd, &cfg, &stacks)
	cmd.Flags().BoolVarP(&cfg.Watch, "watch", "w", false, "rebuild functions when their Go sources change")
	cmd.Flags().IntVarP(&cfg.Concurrency, "concurrency", "c", 10, "processes per function that has no reserved concurrency")
	cmd.Flags().StringVar(&cfg.CacheDir, "cache-dir", "", "where host builds are cached (default: the user cache folder/portico)")
	cmd.Flags().DurationVar(&cfg.WebSocket.IdleTimeout, "ws-idle-timeout", 10*time.Minute, "close WebSocket connections idle this long (API Gateway: 10m)")
	cmd.Flags().DurationVar(&cfg.WebSocket.MaxDuration, "ws-max-duration", 2*time.Hour, "close WebSocket connections this long after they opened (API Gateway: 2h)")
	cmd.Flags().Var(&cfg.FunctionCredentials, "function-credentials", "AWS credentials of function processes: local (each execution role's local keys, the default), env (your AWS_* variables) or profile:NAME (your AWS profile's keys)")
	addIdentityPolicies(cmd, &cfg.IdentityPolicies)
	return cmd
}

func routesCmd(out io.Writer) *cobra.Command {
	var cfg serve.Config
	var stacks string
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "Print the route table serve would use, and what it would refuse",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg.Stacks = textlist.Split(stacks)
			routes, err := serve.Load(cfg)
			if err != nil {
				return err
			}
			for _, w := range routes.Assembly.Warnings {
				fmt.Fprintln(out, "warning:", w)
			}
			serve.PrintRoutes(out, routes, fmt.Sprintf("http://%s:%d", cfg.Host, cfg.Port))
			return nil
		},
	}
	addCommon(cmd, &cfg, &stacks)
	return cmd
}
