package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// completionCommand is `featureflags completion bash|zsh|fish`: a script
// completing commands and subcommands, made from the command registry.
func completionCommand(_ context.Context, args []string, io stdio) error {
	if len(args) != 1 {
		fmt.Fprintln(io.err, "Usage: featureflags completion bash|zsh|fish\n\n  bash: source <(featureflags completion bash)\n  zsh:  source <(featureflags completion zsh)\n  fish: featureflags completion fish | source")
		return errUsage
	}
	top, subs := completionWords()
	switch args[0] {
	case "bash":
		fmt.Fprint(io.out, bashCompletion(top, subs))
	case "zsh":
		fmt.Fprint(io.out, "autoload -U +X bashcompinit && bashcompinit\n"+bashCompletion(top, subs))
	case "fish":
		fmt.Fprint(io.out, fishCompletion(top, subs))
	default:
		return fmt.Errorf("completion: unknown shell %q; use bash, zsh or fish", args[0])
	}
	return nil
}

// completionWords are the commands, and the subcommands of each group.
func completionWords() ([]string, map[string][]string) {
	var top []string
	for _, c := range commands() {
		top = append(top, c.name)
	}
	subs := map[string][]string{}
	for _, g := range apiGroups() {
		for n := range g.subs {
			if n != "" {
				subs[g.name] = append(subs[g.name], n)
			}
		}
		sort.Strings(subs[g.name])
	}
	subs["token"] = []string{"create", "list", "revoke"}
	subs["completion"] = []string{"bash", "zsh", "fish"}
	return top, subs
}

func bashCompletion(top []string, subs map[string][]string) string {
	var b strings.Builder
	b.WriteString("_featureflags() {\n  local cur=${COMP_WORDS[COMP_CWORD]}\n  if [ \"$COMP_CWORD\" -eq 1 ]; then\n")
	fmt.Fprintf(&b, "    COMPREPLY=($(compgen -W %q -- \"$cur\"))\n    return\n  fi\n", strings.Join(top, " "))
	b.WriteString("  if [ \"$COMP_CWORD\" -eq 2 ]; then\n    case ${COMP_WORDS[1]} in\n")
	for _, name := range sortedKeys(subs) {
		fmt.Fprintf(&b, "      %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", name, strings.Join(subs[name], " "))
	}
	b.WriteString("    esac\n    return\n  fi\n")
	b.WriteString("  case $cur in -*) COMPREPLY=($(compgen -W \"--server --token --output --help\" -- \"$cur\")) ;; esac\n}\n")
	b.WriteString("complete -o default -F _featureflags featureflags\n")
	return b.String()
}

func fishCompletion(top []string, subs map[string][]string) string {
	var b strings.Builder
	b.WriteString("complete -c featureflags -f\n")
	fmt.Fprintf(&b, "complete -c featureflags -n __fish_use_subcommand -a %q\n", strings.Join(top, " "))
	for _, name := range sortedKeys(subs) {
		fmt.Fprintf(&b, "complete -c featureflags -n '__fish_seen_subcommand_from %s' -a %q\n", name, strings.Join(subs[name], " "))
	}
	b.WriteString("complete -c featureflags -l server -d 'the server URL' -r\ncomplete -c featureflags -l token -d 'an API token' -r\n")
	b.WriteString("complete -c featureflags -l output -s o -a 'table json yaml' -d 'output format'\n")
	return b.String()
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
