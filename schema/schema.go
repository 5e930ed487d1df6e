// Package schema publishes the JSON Schema of the flags-as-code file format
// (featureflags.schema.json, for editors) and an example file.
package schema

import _ "embed"

// JSON is the JSON Schema (draft 2020-12) of a flags-as-code file.
//
//go:embed featureflags.schema.json
var JSON []byte

// Example is a flags-as-code file using most of the format.
//
//go:embed example.yaml
var Example []byte
