package mapping

import (
	"encoding/json"
	"strings"
	"time"
)

// Doc is a SCIM resource as JSON: the only place scimd handles resources as
// maps is at this edge, where SCIM is dynamic.
type Doc = map[string]any

// lookup finds a key case-insensitively (attribute names are
// case-insensitive, RFC 7643 §2.1).
func lookup(doc Doc, name string) (any, bool) {
	if v, ok := doc[name]; ok {
		return v, true
	}
	for k, v := range doc {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// asString reads a string attribute; null is "". Other JSON types are
// refused (RFC 7643 §2.3.1), so that a client's mapping mistake shows.
func asString(path string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		if strings.ContainsRune(x, 0) {
			// PostgreSQL cannot store NUL in text; refuse it on every backend.
			return "", errorf(InvalidValue, "attribute %q must not contain the NUL character (\\u0000)", path)
		}
		return x, nil
	}
	return "", errorf(InvalidValue, "attribute %q must be a string, not %s", path, jsonKind(v))
}

// asBool reads a boolean attribute. Strings "true"/"false" in any case are
// accepted: Microsoft Entra ID sends booleans as "True"/"False".
func asBool(path string, v any) (*bool, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return &x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			b := true
			return &b, nil
		case "false":
			b := false
			return &b, nil
		case "":
			return nil, nil
		}
	}
	return nil, errorf(InvalidValue, "attribute %q must be a boolean (true or false), not %s", path, jsonKind(v))
}

// asObject reads a complex attribute.
func asObject(path string, v any) (Doc, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	}
	return nil, errorf(InvalidValue, "attribute %q must be an object, not %s", path, jsonKind(v))
}

// asList reads a multi-valued attribute; a single object is taken as a
// list of one.
func asList(path string, v any) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case map[string]any:
		return []any{x}, nil
	}
	return nil, errorf(InvalidValue, "attribute %q must be an array, not %s", path, jsonKind(v))
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return "an unknown value"
}

// FormatTime formats a timestamp as SCIM does (RFC 7643 §2.3.5).
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// putStr sets a string attribute when it has a value.
func putStr(doc Doc, key, v string) {
	if v != "" {
		doc[key] = v
	}
}
