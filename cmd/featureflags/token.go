package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
)

const tokenUsage = `Usage:
  featureflags token create --role ROLE [--name NAME] [--environment ENV] [--expires 720h] [--store S]
      create a token and print its secret, once, to stdout. ROLE is admin, editor,
      viewer, server-key or client-key; keys need --environment.
  featureflags token list [--store S]
      list every token (never a secret)
  featureflags token revoke [--store S] ID
      revoke a token at once

The commands work on the store directly, so they need no server and no token:
this is how the first admin token is made.
`

// tokenCommand is `featureflags token ...`.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return errUsage
	}
	ctx = auth.WithActor(ctx, auth.CLI)
	switch args[0] {
	case "create":
		return tokenCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return tokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return tokenRevoke(ctx, args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown token command %q\n\n%s", args[0], tokenUsage)
		return errUsage
	}
}

// tokenFlags parses the flags of a token command; define adds the
// command's own (see storeCommandFlags).
func tokenFlags(name string, args []string, stderr io.Writer, define func(fs *flag.FlagSet)) (string, []string, error) {
	return storeCommandFlags("token "+name, args, stderr, define, func(fs *flag.FlagSet) {
		fmt.Fprint(stderr, tokenUsage+"\nFlags of token "+name+":\n")
		fs.PrintDefaults()
	})
}

// openService opens the store and prepares it as serve does.
func openService(ctx context.Context, what, storeURL string) (*service.Service, func(), error) {
	store, err := openStore(ctx, storeURL)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	svc := service.New(store)
	if err := svc.Init(ctx); err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("%s: prepare store %s: %s", what, redact(storeURL), describe(err))
	}
	return svc, func() { store.Close() }, nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var name, role, env string
	var expires time.Duration
	storeURL, rest, err := tokenFlags("create", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "admin, editor, viewer, server-key or client-key (required)")
		fs.StringVar(&name, "name", "", "a name for people and the audit trail (default: the role)")
		fs.StringVar(&env, "environment", "", "the environment of a server or client key")
		fs.DurationVar(&expires, "expires", 0, "how long the token is valid, e.g. 720h (default: until revoked)")
	})
	if err != nil || storeURL == "" {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("token create: unexpected argument %q; see 'featureflags token create --help'", rest[0])
	}
	if role == "" {
		return errors.New("token create: --role is required: admin, editor, viewer, server-key or client-key")
	}
	if expires < 0 {
		return errors.New("token create: --expires must be positive")
	}
	in := service.TokenInput{Name: name, Role: ff.Role(role), Environment: env}
	if expires > 0 {
		at := time.Now().Add(expires)
		in.ExpiresAt = &at
	}
	svc, done, err := openService(ctx, "token create", storeURL)
	if err != nil {
		return err
	}
	defer done()
	t, secret, err := svc.CreateToken(ctx, in)
	if err != nil {
		return fmt.Errorf("token create: %s", describe(err))
	}
	if _, err := fmt.Fprintln(stdout, secret); err != nil {
		return fmt.Errorf("token create: write: %w", err)
	}
	what := string(t.Role) + " token"
	if t.Role.IsKey() {
		what = string(t.Role) + " of environment " + t.Environment
	}
	fmt.Fprintf(stderr, "created %s %q (id %s); its secret, above, is shown only this once\n", what, t.Name, t.ID)
	return nil
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	storeURL, rest, err := tokenFlags("list", args, stderr, func(*flag.FlagSet) {})
	if err != nil || storeURL == "" {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("token list: unexpected argument %q", rest[0])
	}
	svc, done, err := openService(ctx, "token list", storeURL)
	if err != nil {
		return err
	}
	defer done()
	tokens, err := svc.ListTokens(ctx)
	if err != nil {
		return fmt.Errorf("token list: %s", describe(err))
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tENVIRONMENT\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, t := range tokens {
		env := t.Environment
		if env == "" {
			env = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, env,
			at(&t.CreatedAt), at(t.ExpiresAt), at(t.LastUsedAt), at(t.RevokedAt))
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, args []string, stderr io.Writer) error {
	storeURL, rest, err := tokenFlags("revoke", args, stderr, func(*flag.FlagSet) {})
	if err != nil || storeURL == "" {
		return err
	}
	if len(rest) != 1 {
		return errors.New("token revoke: give exactly one token id (see 'featureflags token list')")
	}
	svc, done, err := openService(ctx, "token revoke", storeURL)
	if err != nil {
		return err
	}
	defer done()
	t, err := svc.RevokeToken(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("token revoke: %s", describe(err))
	}
	fmt.Fprintf(stderr, "revoked %s token %q (id %s)\n", t.Role, t.Name, t.ID)
	return nil
}
