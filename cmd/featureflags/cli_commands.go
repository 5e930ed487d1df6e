package main

import (
	"context"
)

// auditQuery are the filters of the audit log.
var auditQuery = []string{"environment", "actor", "since", "until", "limit", "cursor"}

var flagColumns = []string{"name", "type", "enabled", "environments", "version", "description"}

// apiGroups are the commands over the management API, each subcommand one
// operation (see the OpenAPI document at /openapi.json).
func apiGroups() []group {
	flagSet := map[string]setter{
		"description": field("description", "the description"),
		"tags":        list("tags", "tags, comma-separated"),
		"on":          envState(true),
		"off":         envState(false),
	}
	return []group{
		{"flags", "list, show, create, change, toggle and delete flags", map[string]endpoint{
			"list":    {summary: "list flags (--environment adds each flag's state there; --limit n: the first n by name)", method: "GET", path: "/flags", query: []string{"environment", "limit"}, columns: flagColumns},
			"get":     {summary: "show a flag", method: "GET", path: "/flags/{flag}", args: []string{"flag"}},
			"create":  {summary: "create a flag", method: "POST", path: "/flags", args: []string{"name"}, set: with(flagSet, "type", field("type", "boolean, string, number or object")), file: true},
			"update":  {summary: "change a flag's fields", method: "PUT", path: "/flags/{flag}", args: []string{"flag"}, set: with(flagSet, "name", field("name", "a new name")), file: true, ifMatch: true},
			"toggle":  {summary: "switch a flag in one environment", method: "POST", path: "/flags/{flag}/toggle", args: []string{"flag", "environment"}, ifMatch: true},
			"delete":  {summary: "delete a flag", method: "DELETE", path: "/flags/{flag}", args: []string{"flag"}, ifMatch: true},
			"history": {summary: "a flag's audit events", method: "GET", path: "/flags/{flag}/history", args: []string{"flag"}, query: auditQuery, columns: auditColumns},
			"archive": {summary: "archive a flag (it evaluates as not found; history and name kept)", method: "POST", path: "/flags/{flag}/archive", args: []string{"flag"}, ifMatch: true},
			"restore": {summary: "restore an archived flag", method: "POST", path: "/flags/{flag}/restore", args: []string{"flag"}, ifMatch: true},
			"usage":   {summary: "a flag's evaluations over time", method: "GET", path: "/flags/{flag}/usage", args: []string{"flag"}, query: []string{"environment", "since", "until", "step"}},
			"explain": {summary: "evaluate a flag and say which rule matched (--file: {\"context\":{...}})", method: "POST", path: "/flags/{flag}/explain", args: []string{"flag"}, query: []string{"environment"}, file: true},
			"revert":  {summary: "make a flag as it was at --version", method: "POST", path: "/flags/{flag}/revert", args: []string{"flag"}, set: map[string]setter{"version": number("version", "the version to restore")}, ifMatch: true},
			"promote": {summary: "copy a flag's state and targeting --from one environment --to another", method: "POST", path: "/flags/{flag}/promote", args: []string{"flag"}, set: promoteSet(), ifMatch: true},
		}},
		{"promote", "copy the state and targeting of several flags between environments in one transaction", map[string]endpoint{
			"": {summary: "promote --flags a,b --from staging --to production (--if-match: the comparison's revision)", method: "POST", path: "/promote",
				set: with(promoteSet(), "flags", list("flags", "the flags, comma-separated")), ifMatch: true},
		}},
		{"targeting", "set or remove a flag's targeting in one environment", map[string]endpoint{
			"set": {summary: "replace the targeting (--file, JSON)", method: "PUT", path: "/flags/{flag}/targeting/{environment}", args: []string{"flag", "environment"}, file: true, ifMatch: true,
				set: defaultVariantSetters},
			"delete": {summary: "remove the targeting", method: "DELETE", path: "/flags/{flag}/targeting/{environment}", args: []string{"flag", "environment"}, ifMatch: true},
		}},
		{"segments", "list, show, create, change and delete segments", map[string]endpoint{
			"list":   {summary: "list segments", method: "GET", path: "/segments", columns: []string{"name", "match", "conditions", "description"}},
			"get":    {summary: "show a segment", method: "GET", path: "/segments/{segment}", args: []string{"segment"}},
			"create": {summary: "create a segment", method: "POST", path: "/segments", args: []string{"name"}, set: segmentSet(), file: true},
			"update": {summary: "change a segment", method: "PUT", path: "/segments/{segment}", args: []string{"segment"}, set: with(segmentSet(), "name", field("name", "a new name")), file: true, ifMatch: true},
			"delete": {summary: "delete a segment", method: "DELETE", path: "/segments/{segment}", args: []string{"segment"}, ifMatch: true},
			"users":  {summary: "the flags and segments that use a segment", method: "GET", path: "/segments/{segment}/used-by", args: []string{"segment"}},
			"used":   {summary: "what uses each segment", method: "GET", path: "/segment-users", columns: []string{"segment", "flags", "segments"}},
		}},
		{"envs", "list, create, configure and delete environments", map[string]endpoint{
			"list":    {summary: "list environments", method: "GET", path: "/environments", columns: []string{"name", "createdAt", "protected", "requireApproval"}},
			"create":  {summary: "create an environment", method: "POST", path: "/environments", args: []string{"name"}},
			"delete":  {summary: "delete an environment", method: "DELETE", path: "/environments/{environment}", args: []string{"environment"}},
			"compare": {summary: "what differs, flag by flag, between two environments", method: "GET", path: "/environments/{from}/compare/{to}", args: []string{"from", "to"}},
			"settings": {summary: "change an environment's settings (approvals: see requests)", method: "PATCH", path: "/environments/{environment}", args: []string{"environment"}, set: map[string]setter{
				"protected":        boolean("protected", "true: the web UI asks before every change here"),
				"require-approval": number("requireApproval", "approvals a change here needs (0: none)"),
				"admins-bypass":    boolean("approvalAdminsBypass", "true: admins' changes need no approval"),
			}},
		}},
		requestsGroup(),
		{"tokens", "list, create and revoke API tokens and environment keys", map[string]endpoint{
			"list": {summary: "list tokens", method: "GET", path: "/tokens", columns: []string{"_id", "name", "role", "environment", "expiresAt", "lastUsedAt", "revokedAt"}},
			"create": {summary: "create a token; prints its secret once", method: "POST", path: "/tokens", args: []string{"name"}, set: map[string]setter{
				"role":        field("role", "admin, editor, viewer, server-key or client-key"),
				"environment": field("environment", "the environment of a server or client key"),
				"expires-in":  field("expiresIn", "a lifetime such as 720h"),
			}},
			"revoke": {summary: "revoke a token", method: "DELETE", path: "/tokens/{id}", args: []string{"id"}},
		}},
		{"audit", "the audit log, newest first", map[string]endpoint{
			"": {summary: "list audit events", method: "GET", path: "/audit", query: append([]string{"flag"}, auditQuery...), columns: auditColumns},
		}},
		{"usage", "evaluation counts of every flag", map[string]endpoint{
			"summary": {summary: "every flag's evaluations per environment and day (--days, default 7)", method: "GET", path: "/usage/summary", query: []string{"days"}},
		}},
		{"me", "who the token is", map[string]endpoint{
			"": {summary: "show the caller", method: "GET", path: "/me"},
		}},
		webhookGroup(),
		scheduleGroup(),
	}
}

var auditColumns = []string{"time", "action", "targetName", "environment", "actor"}

func promoteSet() map[string]setter {
	return map[string]setter{
		"from": field("from", "the environment to copy from, e.g. staging"),
		"to":   field("to", "the environment to copy to, e.g. production"),
	}
}

func segmentSet() map[string]setter {
	return map[string]setter{
		"description": field("description", "the description"),
		"match":       field("match", "all or any"),
	}
}

// with returns set with one more setter.
func with(set map[string]setter, name string, s setter) map[string]setter {
	out := map[string]setter{name: s}
	for k, v := range set {
		out[k] = v
	}
	return out
}

// apiCommands are the commands of apiGroups and eval.
func apiCommands() []command {
	var out []command
	for _, g := range apiGroups() {
		args := "SUBCOMMAND"
		if _, self := g.subs[""]; self {
			args = "[flags]"
		}
		out = append(out, command{g.name, args, g.summary, g.run})
	}
	return append(out, command{"eval", "[FLAG] [--context JSON]", "evaluate one flag, or all, over OFREP", evalCommand})
}

// evalCommand is `featureflags eval`: OFREP evaluation of one flag, or of
// every flag without one.
func evalCommand(ctx context.Context, args []string, io stdio) error {
	return evalRun(ctx, args, io)
}
