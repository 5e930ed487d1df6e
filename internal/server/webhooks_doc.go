package server

import (
	ff "github.com/featureflags/featureflags"
)

// webhookDocs documents the webhook routes (webhooks.go).
var webhookDocs = map[string]op{
	"GET /webhooks": {Summary: "List webhook endpoints (never their secrets)", Responses: map[int]res{200: {Body: []ff.Webhook{}}}},
	"POST /webhooks": {Summary: "Register a webhook endpoint; the answer shows its secret once", Body: webhookRequest{},
		Description: "Every change the endpoint's filter selects is POSTed to it, signed: X-Featureflags-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">. " +
			"Loopback and private addresses are refused unless the server runs with --webhooks-allow-private.",
		Responses: map[int]res{201: {Body: createdWebhook{}, Headers: []string{"Location", "ETag"}},
			400: {Description: "a bad URL (or one pointing to a private address), filter or secret (field names it)", Body: errorBody},
			409: {Description: "--webhooks-max-endpoints endpoints exist already (limit names it)", Body: errorBody}}},
	"GET /webhooks/{id}": {Summary: "Get a webhook endpoint", Responses: map[int]res{200: {Body: ff.Webhook{}, Headers: []string{"ETag"}}}},
	"PATCH /webhooks/{id}": {Summary: "Change a webhook endpoint's URL, filter, secret or disabled state", Params: ifMatch, Body: webhookRequest{},
		Responses: map[int]res{200: {Body: ff.Webhook{}, Headers: []string{"ETag"}},
			400: {Description: "a bad URL, filter or secret (field names it)", Body: errorBody},
			412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"DELETE /webhooks/{id}": {Summary: "Delete a webhook endpoint and its delivery log", Params: ifMatch,
		Responses: map[int]res{204: {Description: "deleted"}, 412: {Description: "If-Match does not match the current version", Body: errorBody}}},
	"GET /webhooks/{id}/deliveries": {Summary: "A webhook endpoint's deliveries, newest first: state, attempts, status, latency, answer excerpt",
		Params:    []param{{Name: "limit", In: "query", Description: "deliveries to return, 1-500 (default 50)"}},
		Responses: map[int]res{200: {Body: []ff.WebhookDelivery{}}, 400: {Description: "a bad limit", Body: errorBody}}},
	"POST /webhooks/{id}/deliveries/{delivery}/redeliver": {Summary: "Send a delivery again, as a new delivery due now",
		Responses: map[int]res{202: {Body: ff.WebhookDelivery{}},
			409: {Description: "--webhooks-max-queued deliveries are queued for the endpoint (limit names it)", Body: errorBody}}},
}
