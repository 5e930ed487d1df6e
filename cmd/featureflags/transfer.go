package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
)

// exportData is `featureflags export`: it writes everything the store holds
// to stdout as indented JSON, a dataset `featureflags import` reads back.
func exportData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	storeURL, rest, err := transferFlags("export", "", args, stderr)
	if err != nil || storeURL == "" {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("export: unexpected argument %q; see 'featureflags export --help'", rest[0])
	}
	d, err := loadExport(ctx, storeURL)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	return nil
}

// loadExport reads the store at storeURL as export writes it.
func loadExport(ctx context.Context, storeURL string) (*ff.Dataset, error) {
	store, err := openStore(ctx, storeURL)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	d, err := service.New(store).Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("export from %s: %s", redact(storeURL), describe(err))
	}
	return d, nil
}

// importData is `featureflags import FILE`: it reads a dataset written by
// export from FILE (or stdin for "-"), validates all of it and loads it
// into the store, or changes nothing.
func importData(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	limits := defaultConfig().Limits
	var envErr error
	storeURL, rest, err := storeCommandFlags("import", args, stderr, func(fs *flag.FlagSet) {
		limitFlags(fs, &limits)
		envErr = setFromEnv(fs, os.Getenv)
	}, transferUsage("import", " FILE", stderr))
	if err == nil {
		err = cmp.Or(envErr, validateLimits(limits))
	}
	if err != nil || storeURL == "" {
		return err
	}
	if len(rest) != 1 {
		return errors.New("import: give exactly one file to import, or - for standard input; see 'featureflags import --help'")
	}
	name := rest[0]
	var data []byte
	if name == "-" {
		name = "<stdin>"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var d ff.Dataset
	if err := decodeStrict(data, &d); err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	store, err := openStore(ctx, storeURL)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer store.Close()
	if err := service.New(store, service.WithLimits(limits)).Import(auth.WithActor(ctx, auth.CLI), &d); err != nil {
		outcome := "nothing was imported"
		if ff.ErrorCode(err) != ff.EINVALID && strings.HasPrefix(scheme(storeURL), "mongodb") {
			// MongoDB imports without a multi-document transaction.
			outcome = "part of the file may have been imported; run the import again to complete it"
		}
		return fmt.Errorf("import %s into %s: %s; %s", name, redact(storeURL), describe(err), outcome)
	}
	fmt.Fprintf(stderr, "imported %d environments, %d segments, %d flags", len(d.Environments), len(d.Segments), len(d.Flags))
	if len(d.Schedules)+len(d.ChangeRequests)+len(d.Webhooks) > 0 {
		fmt.Fprintf(stderr, ", %d schedules, %d change requests, %d webhooks (imported disabled when new: set their secrets)",
			len(d.Schedules), len(d.ChangeRequests), len(d.Webhooks))
	}
	fmt.Fprintln(stderr)
	return nil
}

// transferFlags parses the flags of export and import (see
// storeCommandFlags).
func transferFlags(name, positional string, args []string, stderr io.Writer) (string, []string, error) {
	return storeCommandFlags(name, args, stderr, nil, transferUsage(name, positional, stderr))
}

// transferUsage prints the usage of export or import.
func transferUsage(name, positional string, stderr io.Writer) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fmt.Fprintf(stderr, "Usage: featureflags %s [flags]%s\n\n", name, positional)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stderr, "  --%s (%s)\n    \t%s (default %q)\n", f.Name, envName(f.Name), f.Usage, f.DefValue)
		})
	}
}

// describe formats an error for the command line: a domain error's message
// and the field it blames.
func describe(err error) string {
	var e *ff.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Field != "" && !strings.Contains(e.Message, e.Field) {
		return fmt.Sprintf("%s (at %s)", e.Message, e.Field)
	}
	return e.Message
}

// decodeStrict decodes data, exactly one JSON value, into v, a pointer:
// unknown fields (matched case-sensitively), duplicate keys, values of the
// wrong type and trailing data are refused with an error giving the line
// and column and the path of the culprit, e.g. "flags[2].targeting.production".
func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("the file is empty; expected a JSON object as written by featureflags export")
	}
	c := &checker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	c.dec.UseNumber()
	if err := c.value(reflect.TypeOf(v).Elem(), ""); err != nil {
		return err
	}
	if _, err := c.dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: data after the JSON object; the file must hold exactly one", c.position(c.dec.InputOffset()))
	}
	// The structure is right; decode it for real, as strictly.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return fmt.Errorf("%s: %s must be %s, not %s", c.position(typ.Offset), typ.Field, typ.Type, typ.Value)
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

// checker walks a JSON document token by token along the Go type it is to
// be decoded into, to report problems with their position and path.
type checker struct {
	data []byte
	dec  *json.Decoder
}

var timeType = reflect.TypeFor[time.Time]()

// position returns "line L, column C" of a byte offset.
func (c *checker) position(off int64) string {
	off = min(max(off, 0), int64(len(c.data)))
	before := c.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int64(len(before)) - int64(bytes.LastIndexByte(before, '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}

// next returns the next token and the offset where it starts.
func (c *checker) next() (json.Token, int64, error) {
	off := c.dec.InputOffset()
	for off < int64(len(c.data)) && strings.IndexByte(" \t\r\n,:", c.data[off]) >= 0 {
		off++
	}
	tok, err := c.dec.Token()
	if err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return nil, off, fmt.Errorf("%s: invalid JSON: %s", c.position(syn.Offset), syn.Error())
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, off, fmt.Errorf("%s: invalid JSON: the file ends too early", c.position(int64(len(c.data))))
		}
		return nil, off, fmt.Errorf("%s: invalid JSON: %v", c.position(off), err)
	}
	return tok, off, nil
}

// value checks the next value against t (nil: anything goes), at path.
func (c *checker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, off, err := c.next()
	if err != nil {
		return err
	}
	what := path
	if what == "" {
		what = "the file"
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil
	}
	wrong := func(got string) error {
		return fmt.Errorf("%s: %s must be %s, not %s", c.position(off), what, describeType(t), got)
	}
	if _, isString := tok.(string); t == timeType && !isString && tok != nil {
		return wrong(describeToken(tok))
	}
	switch tok := tok.(type) {
	case nil:
		return nil // null leaves the zero value, as encoding/json does
	case bool:
		if t != nil && t.Kind() != reflect.Bool {
			return wrong("true or false")
		}
	case json.Number:
		if t == nil {
			return nil
		}
		switch t.Kind() {
		case reflect.Float32, reflect.Float64:
			if _, err := strconv.ParseFloat(string(tok), 64); err != nil {
				return fmt.Errorf("%s: %s: number %s is out of range", c.position(off), what, tok)
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if _, err := strconv.ParseInt(string(tok), 10, t.Bits()); err != nil {
				return fmt.Errorf("%s: %s must be a whole number, not %s", c.position(off), what, tok)
			}
		default:
			return wrong("a number")
		}
	case string:
		switch {
		case t == nil, t.Kind() == reflect.String:
		case t == timeType:
			if _, err := time.Parse(time.RFC3339Nano, tok); err != nil {
				return fmt.Errorf("%s: %s: %q is not an RFC 3339 time such as 2026-03-14T15:09:26.535Z", c.position(off), what, tok)
			}
		default:
			return wrong("a string")
		}
	case json.Delim:
		switch tok {
		case '{':
			if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map {
				return wrong("an object")
			}
			return c.object(t, path)
		case '[':
			if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return wrong("an array")
			}
			return c.array(t, path)
		}
	}
	return nil
}

// object checks the members of an object after its '{'.
func (c *checker) object(t reflect.Type, path string) error {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, off, err := c.next()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		at, in := key, ""
		if path != "" {
			at, in = path+"."+key, " in "+path
		}
		if seen[key] {
			return fmt.Errorf("%s: duplicate key %q%s", c.position(off), key, in)
		}
		seen[key] = true
		var elem reflect.Type
		if t != nil {
			if t.Kind() == reflect.Map {
				elem = t.Elem()
			} else if elem = fieldType(t, key); elem == nil {
				known := fieldNames(t)
				return fmt.Errorf("%s: unknown field %q%s; the fields here are %s", c.position(off), key, in, strings.Join(known, ", "))
			}
		}
		if err := c.value(elem, at); err != nil {
			return err
		}
	}
	_, _, err := c.next() // '}'
	return err
}

// array checks the elements of an array after its '['.
func (c *checker) array(t reflect.Type, path string) error {
	var elem reflect.Type
	if t != nil {
		elem = t.Elem()
	}
	for i := 0; c.dec.More(); i++ {
		if err := c.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	_, _, err := c.next() // ']'
	return err
}

// fieldType returns the type of t's field whose JSON name is exactly key.
func fieldType(t reflect.Type, key string) reflect.Type {
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && jsonName(f) == key {
			return f.Type
		}
	}
	return nil
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && jsonName(f) != "-" {
			names = append(names, strconv.Quote(jsonName(f)))
		}
	}
	return names
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func describeToken(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "an object"
	case json.Delim('['):
		return "an array"
	case true, false:
		return "true or false"
	}
	return "a number"
}

func describeType(t reflect.Type) string {
	switch {
	case t == timeType:
		return "a time string"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		return "an object"
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		return "an array"
	default:
		return "a number"
	}
}
