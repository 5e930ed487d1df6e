package main

// defaultVariantSetters are the flags of `targeting set` that name the
// variants an environment serves without a matching rule and while off;
// with --file they override its defaultServe and offVariant, without it
// they make a targeting of those alone (no rules).
var defaultVariantSetters = map[string]setter{
	"default-variant": {"variant served when no rule matches (defaultServe)", func(b map[string]any, v string) {
		b["defaultServe"] = map[string]any{"variant": v}
	}},
	"off-variant": field("offVariant", "variant served while the flag is off in the environment"),
}
