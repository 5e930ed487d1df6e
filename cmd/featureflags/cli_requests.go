package main

// requestsGroup is the commands over change requests: changes held for
// approval.
func requestsGroup() group {
	comment := map[string]setter{"comment": field("comment", "a comment for the others")}
	return group{"requests", "list, propose, edit, approve, reject and apply change requests", map[string]endpoint{
		"list": {summary: "list change requests (--status open, applied or rejected)", method: "GET", path: "/change-requests",
			query: []string{"status"}, columns: []string{"_id", "flagName", "action", "status", "environments", "required", "author"}},
		"get": {summary: "show a change request with its diff", method: "GET", path: "/change-requests/{id}", args: []string{"id"}},
		"create": {summary: "propose a change to a flag for approval (--file: {\"change\":{...}} as flags update takes it)",
			method: "POST", path: "/change-requests", args: []string{"flag"}, set: comment, file: true},
		"edit": {summary: "edit a change request (--file: {\"change\":{...}}, or {\"schedule\":{\"steps\":[...]}} for a schedule; none: propose it again on the current flag)",
			method: "PATCH", path: "/change-requests/{id}", args: []string{"id"}, set: comment, file: true, ifMatch: true},
		"approve": {summary: "approve a change request", method: "POST", path: "/change-requests/{id}/approve", args: []string{"id"}, set: comment},
		"reject":  {summary: "reject (or withdraw) a change request", method: "POST", path: "/change-requests/{id}/reject", args: []string{"id"}, set: comment},
		"apply":   {summary: "make an approved change", method: "POST", path: "/change-requests/{id}/apply", args: []string{"id"}, set: comment},
	}}
}
