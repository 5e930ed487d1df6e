package server

// usageSummaryDocs documents GET /usage/summary (usagesummary.go).
var usageSummaryDocs = map[string]op{
	"GET /usage/summary": {Summary: "Every flag's evaluations per environment and day, for lists of all flags",
		Params: []param{{Name: "days", In: "query", Description: "how many days up to the end of the current hour, 1 to 30 (default 7)"}},
		Responses: map[int]res{200: {Body: UsageSummary{}}, 400: {Description: "days is not a whole number from 1 to 30 (limit usage-summary-days)", Body: errorBody},
			503: {Description: "the store cannot be reached", Body: errorBody}}},
}
