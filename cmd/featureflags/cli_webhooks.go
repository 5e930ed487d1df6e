package main

import "strconv"

// webhookGroup is `featureflags webhook ...`: endpoints and their
// delivery logs.
func webhookGroup() group {
	set := map[string]setter{
		"events":       list("events", "actions or patterns to send, comma-separated (flag.*, flag.toggle; default all)"),
		"flags":        list("flags", "only these flags, comma-separated (names or ids)"),
		"environments": list("environments", "only these environments, comma-separated"),
		"secret":       field("secret", "the signing secret (16-256 characters; default: a new random one, printed once)"),
		"disabled":     boolean("disabled", "true pauses deliveries, false resumes them"),
	}
	return group{"webhook", "register webhook endpoints, read their delivery logs, redeliver", map[string]endpoint{
		"list":   {summary: "list endpoints", method: "GET", path: "/webhooks", columns: []string{"_id", "url", "events", "flags", "environments", "disabled"}},
		"get":    {summary: "show an endpoint", method: "GET", path: "/webhooks/{id}", args: []string{"id"}},
		"create": {summary: "register an endpoint; prints its secret once", method: "POST", path: "/webhooks", args: []string{"url"}, set: set},
		"update": {summary: "change an endpoint", method: "PATCH", path: "/webhooks/{id}", args: []string{"id"}, set: with(set, "url", field("url", "a new URL")), ifMatch: true},
		"delete": {summary: "delete an endpoint and its delivery log", method: "DELETE", path: "/webhooks/{id}", args: []string{"id"}, ifMatch: true},
		"deliveries": {summary: "an endpoint's deliveries, newest first", method: "GET", path: "/webhooks/{id}/deliveries", args: []string{"id"}, query: []string{"limit"},
			columns: []string{"_id", "createdAt", "action", "targetName", "state", "attempts", "responseStatus", "latencyMs", "error"}},
		"redeliver": {summary: "send a delivery again", method: "POST", path: "/webhooks/{id}/deliveries/{delivery}/redeliver", args: []string{"id", "delivery"}},
	}}
}

// boolean sets a JSON boolean; what does not parse is sent as given, for
// the server to refuse with its message.
func boolean(name, usage string) setter {
	return setter{usage, func(b map[string]any, v string) {
		if x, err := strconv.ParseBool(v); err == nil {
			b[name] = x
			return
		}
		b[name] = v
	}}
}
