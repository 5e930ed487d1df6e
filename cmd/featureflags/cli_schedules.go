package main

import (
	"strconv"
	"strings"
)

// scheduleGroup is `featureflags schedule`: scheduled changes and ramps.
func scheduleGroup() group {
	return group{"schedule", "list, create and cancel scheduled changes and ramps", map[string]endpoint{
		"list": {summary: "every flag's scheduled changes, soonest first", method: "GET", path: "/schedules",
			query: []string{"pending"}, columns: scheduleColumns},
		"show": {summary: "a flag's scheduled changes", method: "GET", path: "/flags/{flag}/schedules", args: []string{"flag"},
			query: []string{"pending"}, columns: scheduleColumns},
		"create": {summary: "schedule a change at --at (or a ramp: --file with {\"steps\":[...]})", method: "POST",
			path: "/flags/{flag}/schedules", args: []string{"flag", "environment"}, file: true, set: map[string]setter{
				"at":      stepSetter("runAt", "when (RFC 3339), for one step", func(v string) any { return v }),
				"enable":  stepChange("enabled", "true or false: switch the environment on or off", parseBool),
				"rollout": stepChange("rollout", "new weights of the default rollout, e.g. on=25,off=75", parseWeights),
			}},
		"cancel": {summary: "cancel the steps of a schedule that have not run", method: "DELETE",
			path: "/flags/{flag}/schedules/{schedule}", args: []string{"flag", "schedule"}},
	}}
}

var scheduleColumns = []string{"_id", "flagName", "environment", "steps", "createdBy"}

// firstStep returns the body's first step, made if need be.
func firstStep(b map[string]any) map[string]any {
	steps, _ := b["steps"].([]any)
	if len(steps) == 0 {
		steps = []any{map[string]any{}}
		b["steps"] = steps
	}
	st, _ := steps[0].(map[string]any)
	if st == nil {
		st = map[string]any{}
		steps[0] = st
	}
	return st
}

// stepSetter sets a field of the first step.
func stepSetter(name, usage string, parse func(string) any) setter {
	return setter{usage, func(b map[string]any, v string) { firstStep(b)[name] = parse(v) }}
}

// stepChange sets a field of the first step's change.
func stepChange(name, usage string, parse func(string) any) setter {
	return setter{usage, func(b map[string]any, v string) {
		st := firstStep(b)
		change, _ := st["change"].(map[string]any)
		if change == nil {
			change = map[string]any{}
			st["change"] = change
		}
		change[name] = parse(v)
	}}
}

// parseBool is a JSON boolean, or what was given for the server to refuse.
func parseBool(v string) any {
	if b, err := strconv.ParseBool(v); err == nil {
		return b
	}
	return v
}

// parseWeights reads "on=25,off=75" as rollout weights; what does not
// parse is sent as given, for the server to refuse with its message.
func parseWeights(v string) any {
	var out []any
	for part := range strings.SplitSeq(v, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseFloat(w, 64)
		if !ok || err != nil {
			return v
		}
		out = append(out, map[string]any{"variant": name, "weight": n})
	}
	return out
}
