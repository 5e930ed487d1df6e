// Package eval validates, compiles and evaluates feature flags.
//
// Validate and ValidateSegment check a write; Compile turns flags and
// segments into an immutable Snapshot, whose Evaluate and EvaluateAll serve
// variants. Validation and compilation are one code path: a flag is accepted
// exactly when it compiles. Validation errors are EINVALID
// *featureflags.Error values whose Field is the JSON path of the culprit,
// indexes from 0: "variants.blue", "targeting.production.rules[2].conditions[1].value",
// "targeting.staging.defaultServe.rollout.variants".
//
// # Model and defaults
//
// A flag's type is boolean (when empty), string, number (values are returned
// as float64) or object (a JSON object or array). Boolean flags always have
// the variants "on" (true) and "off" (false) and may declare more boolean
// variants; a declared "on" must be true and "off" false. Other flags need at
// least one variant.
//
// In an environment that is off, a flag serves Targeting.OffVariant; in one
// that is on, the serve of the first rule whose conditions all hold (a rule
// without conditions always holds), else Targeting.DefaultServe. When these
// are not set:
//   - boolean flags serve "on" by default and "off" while off;
//   - other flags serve their first variant in byte-wise name order in both
//     cases; the service pins that choice when it stores a flag
//     (PinDefaults), so that adding a variant that sorts first does not
//     change what a stored flag serves;
//   - an environment missing from Flag.Environments is off;
//   - a segment's Match "" means "all"; a segment without conditions
//     contains nobody.
//
// # Operators
//
// A condition reads Attribute, a dotted path into nested objects
// ("user.address.country"; keys containing dots cannot be reached), and
// compares it with Value:
//
//	eq, neq                          string, number or boolean, compared with the same type
//	in, notIn                        non-empty list of strings, numbers and booleans
//	contains, startsWith, endsWith   string; byte-wise: case-sensitive, no Unicode normalisation
//	matches                          regular expression, RE2 syntax, unanchored
//	lt, lte, gt, gte                 number
//	semverEq, semverNeq, semverLt,   semantic version 2.0.0 with an optional leading "v";
//	semverLte, semverGt, semverGte   build metadata is ignored
//	before, after                    RFC 3339 time; the attribute is an RFC 3339 string or a time.Time
//	present, absent                  no value; null counts as absent
//	inSegment, notInSegment          segment name, and no attribute
//
// An attribute that is absent or null, or whose type the operator cannot
// compare (a number for contains, "1.2" for semverLt, a list for eq), makes
// the condition false for every operator but absent, the negated ones
// included: neq, notIn and semverNeq match only present, comparable values.
// Numbers compare as float64 whatever Go type the caller used; strings are
// never converted to numbers. Segments may use segments, but not in a cycle.
//
// # Reasons and error codes
//
// STATIC: on, without rules or rollout, so the value cannot depend on the
// context. TARGETING_MATCH: a rule matched and served a fixed variant.
// SPLIT: a rollout chose, in a rule or the default. DEFAULT: rules exist,
// none matched, the default is a fixed variant. DISABLED: the environment is
// off. ERROR, with ErrorCode FLAG_NOT_FOUND (no such flag in the
// environment), GENERAL (unknown environment: the caller is misconfigured,
// the flag may well exist), PARSE_ERROR (the stored flag does not compile in
// this environment, say because a segment it uses was deleted; only that
// flag and environment are affected) or TARGETING_KEY_MISSING. On error,
// Value is nil and the caller serves its own default.
//
// # Bucketing
//
// A rollout hashes the flag's ID (its name until it has an ID), "/" and the
// bucketing attribute (targetingKey unless BucketBy names another path) with
// MurmurHash3 x86_32, seed 0, and maps the hash h to one of 100,000 buckets
// (steps of 0.001 %) as h × 100000 >> 32. Strings hash as their UTF-8 bytes,
// numbers as their shortest decimal form with integers written without a
// fraction (42 and 42.0 both hash as "42"). An absent or empty attribute,
// or one of another type, gives TARGETING_KEY_MISSING. Variants take
// consecutive bucket ranges in the order listed, weights counted in
// thousandths of a percent and summing to exactly 100. Hence a user keeps
// their variant while the weights stay the same, growing a variant at the
// expense of later ones only moves users into it, and flags (different
// salts) bucket independently.
package eval
