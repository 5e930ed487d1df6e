package featureflags

// MaxNameLength is the longest name a flag, environment or segment may have.
const MaxNameLength = 128

// ValidateName checks the naming rule shared by flags, environments and
// segments: 1–128 letters, digits, '-', '_' or '.', starting with a letter or
// digit. field names the input field in the returned error.
func ValidateName(field, name string) error {
	if name == "" {
		return FieldErrorf(field, "%s is required", field)
	}
	if len(name) > MaxNameLength {
		return FieldErrorf(field, "%s must be at most %d characters long", field, MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '-' || c == '_' || c == '.') && i > 0:
		default:
			return FieldErrorf(field, "%s %q is invalid: use letters, digits, '-', '_' or '.', starting with a letter or digit", field, name)
		}
	}
	return nil
}

// ValidateItemName is ValidateName for flags and segments, which the API
// finds by id or by name: a name shaped like an id (24 hexadecimal digits,
// see NewID) is refused too, so that one path segment never names one
// item by id and another by name.
func ValidateItemName(field, name string) error {
	if err := ValidateName(field, name); err != nil {
		return err
	}
	if IsID(name) {
		return FieldErrorf(field, "%s %q is shaped like an id (24 hexadecimal digits); choose a name that is not", field, name)
	}
	return nil
}

// IsID reports whether s has the shape of an id NewID makes.
func IsID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}
