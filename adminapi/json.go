package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/scimd/scimd/account"
)

// Request bodies are read in two steps: readBody checks the transport (JSON
// media type, size, one well-formed value), then object and its getters
// check the shape field by field. Fields are matched exactly (encoding/json
// would match "Name" to "name"); unknown fields, fields given twice and
// values of the wrong type are 400s naming the field.

// readBody reads a request's JSON body.
func readBody(r *http.Request) (json.RawMessage, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !(r.Method == http.MethodPatch && mt == "application/merge-patch+json")) {
		return nil, &httpError{status: http.StatusUnsupportedMediaType, code: account.Invalid.String(),
			msg: "the admin API takes JSON: send the body with Content-Type: application/json"}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge()
		}
		return nil, invalid("", "the request body could not be read")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, invalid("", "the request body is empty: this endpoint takes a JSON body")
	}
	if !utf8.Valid(b) {
		return nil, invalid("", "the request body is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, invalid("", "the request body is not valid JSON: %s", syntaxText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("", "the request body holds more than one JSON value")
	}
	return raw, nil
}

// readOptionalBody is readBody for endpoints whose body may be left out:
// no body (whatever the Content-Type says) reads as {}.
func readOptionalBody(r *http.Request) (json.RawMessage, error) {
	if r.ContentLength == 0 {
		return json.RawMessage("{}"), nil
	}
	return readBody(r)
}

func syntaxText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends in the middle of a value"
	}
	return err.Error()
}

// obj is a JSON object of a request, with the path that names it in
// messages ("" for the body itself, "voice", "teams[2]").
type obj struct {
	path string
	m    map[string]json.RawMessage
}

// opt is a field of a merge patch: absent (Set false), null, or a value.
type opt[T any] struct {
	Set, Null bool
	V         T
}

func (o obj) at(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

func itemPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func describe(path string) string {
	if path == "" {
		return "the request body"
	}
	return path
}

// object reads raw as an object whose fields are among allowed. readOnly
// names fields a client may see but not write, with why.
func object(raw json.RawMessage, path string, allowed []string, readOnly map[string]string) (obj, error) {
	raw = bytes.TrimSpace(raw)
	o := obj{path: path, m: map[string]json.RawMessage{}}
	if len(raw) == 0 || raw[0] != '{' {
		return o, invalid(path, "%s must be a JSON object", describe(path))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return o, invalid(path, "%s must be a JSON object", describe(path))
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return o, invalid(path, "%s is not valid JSON", describe(path))
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o, invalid(o.at(k), "%s is not valid JSON", o.at(k))
		}
		if _, dup := o.m[k]; dup {
			return o, invalid(o.at(k), "%s is given twice", o.at(k))
		}
		if why, ok := readOnly[k]; ok {
			return o, invalid(o.at(k), "%s is read-only: %s", o.at(k), why)
		}
		if !containsExact(allowed, k) {
			return o, invalid(o.at(k), "unknown field %q in %s: the fields are %s", k, describe(path), strings.Join(allowed, ", "))
		}
		o.m[k] = v
	}
	return o, nil
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// array reads raw as a JSON array.
func array(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	var list []json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, invalid(path, "%s must be a JSON array", describe(path))
	}
	return list, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func (o obj) has(k string) bool { _, ok := o.m[k]; return ok }

// str reads a string field.
func (o obj) str(k string) (opt[string], error) {
	raw, ok := o.m[k]
	if !ok {
		return opt[string]{}, nil
	}
	if isNull(raw) {
		return opt[string]{Set: true, Null: true}, nil
	}
	s, err := asString(raw, o.at(k))
	return opt[string]{Set: true, V: s}, err
}

// required reads a string field that must be given.
func (o obj) required(k string) (string, error) {
	v, err := o.str(k)
	if err != nil {
		return "", err
	}
	if !v.Set || v.Null || strings.TrimSpace(v.V) == "" {
		return "", invalid(o.at(k), "%s is required", o.at(k))
	}
	return v.V, nil
}

func asString(raw json.RawMessage, path string) (string, error) {
	var s string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &s) != nil {
		return "", invalid(path, "%s must be a string", path)
	}
	if !validText(s) {
		return "", invalid(path, "%s must not contain NUL characters", path)
	}
	return s, nil
}

// strs reads an array of strings; null reads as an empty list.
func (o obj) strs(k string) (opt[[]string], error) {
	raw, ok := o.m[k]
	if !ok {
		return opt[[]string]{}, nil
	}
	if isNull(raw) {
		return opt[[]string]{Set: true, Null: true, V: []string{}}, nil
	}
	list, err := array(raw, o.at(k))
	if err != nil {
		return opt[[]string]{}, invalid(o.at(k), "%s must be an array of strings", o.at(k))
	}
	out := make([]string, 0, len(list))
	for i, el := range list {
		s, err := asString(el, itemPath(o.at(k), i))
		if err != nil {
			return opt[[]string]{}, err
		}
		out = append(out, s)
	}
	return opt[[]string]{Set: true, V: out}, nil
}

// boolean reads a true or false field; null reads as false.
func (o obj) boolean(k string) (opt[bool], error) {
	raw, ok := o.m[k]
	if !ok {
		return opt[bool]{}, nil
	}
	switch string(bytes.TrimSpace(raw)) {
	case "null":
		return opt[bool]{Set: true, Null: true}, nil
	case "true":
		return opt[bool]{Set: true, V: true}, nil
	case "false":
		return opt[bool]{Set: true}, nil
	}
	return opt[bool]{}, invalid(o.at(k), "%s must be true or false", o.at(k))
}

// objects reads an array of objects with the fields allowed; null reads as
// an empty list.
func (o obj) objects(k string, allowed []string) (opt[[]obj], error) {
	raw, ok := o.m[k]
	if !ok {
		return opt[[]obj]{}, nil
	}
	if isNull(raw) {
		return opt[[]obj]{Set: true, Null: true, V: []obj{}}, nil
	}
	list, err := array(raw, o.at(k))
	if err != nil {
		return opt[[]obj]{}, invalid(o.at(k), "%s must be an array of objects", o.at(k))
	}
	out := make([]obj, 0, len(list))
	for i, el := range list {
		e, err := object(el, itemPath(o.at(k), i), allowed, nil)
		if err != nil {
			return opt[[]obj]{}, err
		}
		out = append(out, e)
	}
	return opt[[]obj]{Set: true, V: out}, nil
}

// child reads an object field.
func (o obj) child(k string, allowed []string) (opt[obj], error) {
	raw, ok := o.m[k]
	if !ok {
		return opt[obj]{}, nil
	}
	if isNull(raw) {
		return opt[obj]{Set: true, Null: true}, nil
	}
	c, err := object(raw, o.at(k), allowed, nil)
	return opt[obj]{Set: true, V: c}, err
}

// readObject reads a request body that is one object with these fields.
func readObject(r *http.Request, allowed []string, readOnly map[string]string) (obj, error) {
	raw, err := readBody(r)
	if err != nil {
		return obj{}, err
	}
	return object(raw, "", allowed, readOnly)
}
