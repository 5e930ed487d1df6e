package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/ascode"
	"github.com/featureflags/featureflags/internal/service"
)

// readFile reads a named file, or standard input for "-".
func readFile(name string, stdin io.Reader) (string, []byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		return "<stdin>", b, err
	}
	b, err := os.ReadFile(name)
	return name, b, err
}

// validateFiles is `featureflags validate FILE...`: offline, each file is
// parsed and every item validated as the server would (against the file's
// environments, or the default ones if it names none). Errors name file,
// line and field.
func validateFiles(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "Usage: featureflags validate FILE...   (exit 0 valid, 1 invalid)") }
	if err := fs.Parse(args); err != nil {
		return helpOrUsage(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, name := range fs.Args() {
		if err := validateFile(name, stdin); err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s: valid\n", name)
	}
	if bad > 0 {
		return &exitError{1, fmt.Errorf("%d of %d files invalid", bad, fs.NArg())}
	}
	return nil
}

func validateFile(name string, stdin io.Reader) error {
	name, data, err := readFile(name, stdin)
	if err != nil {
		return err
	}
	d, lines, err := ascode.Parse(name, data)
	if err != nil {
		return err
	}
	cur := &ff.Dataset{Environments: d.Environments}
	if len(cur.Environments) == 0 {
		for _, e := range ff.DefaultEnvironments {
			cur.Environments = append(cur.Environments, &ff.Environment{Name: e})
		}
	}
	envs := make([]string, len(cur.Environments))
	for i, e := range cur.Environments {
		envs[i] = e.Name
	}
	return lines.Place(service.CheckDataset(ascode.Desired(d, envs), cur, service.DefaultLimits()))
}

// applyOptions are the flags of plan and apply.
type applyOptions struct {
	*remote
	prune    bool
	revision int64
	output   string
}

func parseApply(name string, args []string, stderr io.Writer) (*applyOptions, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &applyOptions{remote: connFlags(fs)}
	fs.BoolVar(&o.prune, "prune", false, "also remove what the server holds and the file does not")
	fs.StringVar(&o.output, "output", "text", "text or json")
	if name == "apply" {
		fs.Int64Var(&o.revision, "revision", 0, "the revision the plan was made at (from plan); refuse if the server has moved on")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: featureflags %s FILE [flags]\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(args)); err != nil {
		return nil, "", helpOrUsage(err)
	}
	o.tokenFromEnv()
	if fs.NArg() != 1 || (o.output != "text" && o.output != "json") {
		fs.Usage()
		return nil, "", errUsage
	}
	return o, fs.Arg(0), nil
}

// planOrApply is `featureflags plan FILE` (exit 0: no changes, 2: changes,
// 1: error) and `featureflags apply FILE` (exit 0 applied or nothing to do,
// 1: error, nothing changed).
func planOrApply(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, file, err := parseApply(name, args, stderr)
	if err != nil {
		return err
	}
	file, data, err := readFile(file, stdin)
	if err != nil {
		return failed(err)
	}
	d, lines, err := ascode.Parse(file, data)
	if err != nil {
		return failed(err)
	}
	req := service.ApplyRequest{Dataset: d, Prune: o.prune, Revision: o.revision, DryRun: name == "plan"}
	var plan ascode.Plan
	if err := o.post(ctx, "/apply", req, &plan); err != nil {
		return failed(place(err, lines))
	}
	if err := printPlan(stdout, &plan, o.output); err != nil {
		return failed(err)
	}
	if name == "plan" && !plan.Empty() {
		return &exitError{2, errors.New("the plan has changes")}
	}
	return nil
}

// place adds the file and line to a server error that names a field.
func place(err error, lines *ascode.Lines) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.field != "" {
		return fmt.Errorf("%w (server answered %d)", lines.Place(ff.FieldErrorf(ae.field, "%s", ae.message)), ae.status)
	}
	return err
}

func printPlan(w io.Writer, p *ascode.Plan, output string) error {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	verb := "plan"
	if p.Applied {
		verb = "applied"
	}
	fmt.Fprintf(w, "%s at revision %d:\n", verb, p.Revision)
	if p.Empty() {
		fmt.Fprintln(w, "  no changes")
		return nil
	}
	for _, part := range []struct {
		sign  string
		names ascode.Names
	}{{"+", p.Create}, {"~", p.Change}, {"-", p.Remove}} {
		for _, kind := range []struct {
			what  string
			names []string
		}{{"environment", part.names.Environments}, {"segment", part.names.Segments}, {"flag", part.names.Flags}} {
			for _, n := range kind.names {
				fmt.Fprintf(w, "  %s %s %s\n", part.sign, kind.what, n)
			}
		}
	}
	return nil
}

// reorder moves flags before positional arguments, so that "plan FILE
// --prune" works as "plan --prune FILE" does.
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(flags, args[i:]...), pos...)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !hasValue(a) && i+1 < len(args) && isValueFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}

func hasValue(a string) bool {
	for _, c := range a {
		if c == '=' {
			return true
		}
	}
	return false
}

// isValueFlag tells the flags that take a separate value.
func isValueFlag(a string) bool {
	switch a {
	case "--server", "-server", "--token", "-token", "--timeout", "-timeout", "--output", "-output",
		"--revision", "-revision", "--from", "-from", "--env", "-env", "--format", "-format", "--store", "-store":
		return true
	}
	return false
}

func helpOrUsage(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return errUsage
}
