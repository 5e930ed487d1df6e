package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/featureflags/featureflags/internal/ascode"
	"github.com/featureflags/featureflags/internal/importer"
	"github.com/featureflags/featureflags/internal/service"
)

// importers are the formats `import --from` reads.
var importers = map[string]func([]byte, string) (*importer.Result, error){
	"flagd":   importer.Flagd,
	"goff":    importer.Goff,
	"unleash": importer.Unleash,
}

// hasOption reports whether args carry --name or --name=... (either dash
// style), which routes import and export to their other-format variants.
func hasOption(args []string, name string) bool {
	return slices.ContainsFunc(args, func(a string) bool {
		for _, p := range []string{"-" + name, "--" + name} {
			if a == p || len(a) > len(p) && a[:len(p)+1] == p+"=" {
				return true
			}
		}
		return false
	})
}

// importFrom is `featureflags import --from flagd|goff|unleash FILE`: it
// converts FILE and reports, per flag, what could not be carried over. With
// --apply it applies the result to the server (a plan with its changes is
// printed); without, it writes the result as a flags-as-code file to
// stdout, to review and commit.
func importFrom(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rem := connFlags(fs)
	from := fs.String("from", "", "the source format: flagd, goff or unleash")
	env := fs.String("env", "production", "the environment the flags are for (an Unleash export names its own)")
	apply := fs.Bool("apply", false, "apply the result to the server instead of printing it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: featureflags import --from flagd|goff|unleash FILE [--env E] [--apply [--server URL --token T]]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(args)); err != nil {
		return helpOrUsage(err)
	}
	rem.tokenFromEnv()
	read, ok := importers[*from]
	if !ok || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	name, data, err := readFile(fs.Arg(0), stdin)
	if err != nil {
		return failed(err)
	}
	res, err := read(data, *env)
	if err != nil {
		return failed(fmt.Errorf("import %s: %w", name, err))
	}
	reportProblems(stderr, res.Problems)
	if !*apply {
		return failed(writeJSON(stdout, res.Dataset))
	}
	var plan ascode.Plan
	if err := rem.post(ctx, "/apply", service.ApplyRequest{Dataset: res.Dataset}, &plan); err != nil {
		return failed(err)
	}
	return failed(printPlan(stdout, &plan, "text"))
}

func reportProblems(w io.Writer, problems []importer.Problem) {
	for _, p := range problems {
		what := "left out"
		if p.Approximate {
			what = "imported approximately"
		}
		fmt.Fprintf(w, "%s: %s: %s\n", p.Flag, what, p.Reason)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// exportFlagd is `featureflags export --format flagd [--env E] [--store S]`:
// the store's flags in E as flagd flag definitions, on stdout; what flagd
// cannot express is reported on stderr.
func exportFlagd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format, env string
	storeURL, rest, err := storeCommandFlags("export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "flagd", "the output format: flagd")
		fs.StringVar(&env, "env", "production", "the environment to export")
	}, func(fs *flag.FlagSet) {
		fmt.Fprintln(stderr, "Usage: featureflags export --format flagd [--env E] [--store STORE]")
		fs.PrintDefaults()
	})
	if err != nil || storeURL == "" {
		return err
	}
	if format != "flagd" || len(rest) > 0 {
		return fmt.Errorf("export: --format must be flagd and take no arguments; see 'featureflags export --help'")
	}
	d, err := loadExport(ctx, storeURL)
	if err != nil {
		return err
	}
	out, problems, err := importer.ExportFlagd(d, env)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	reportProblems(stderr, problems)
	_, err = stdout.Write(out)
	return err
}
