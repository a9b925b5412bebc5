package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/scimd/scimd/mapping"
)

// readJSON reads a request body holding one JSON object, keeping numbers
// as json.Number so that none lose precision.
func (s *Server) readJSON(r *http.Request) (mapping.Doc, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge(s.cfg.MaxBodyBytes)
		}
		return nil, badRequest(typeInvalidSyntax, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest(typeInvalidSyntax, "the request body is empty: a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest(typeInvalidSyntax, "the request body is not valid JSON: %s", jsonErrorText(err))
	}
	if dec.More() {
		return nil, badRequest(typeInvalidSyntax, "the request body holds more than one JSON value")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(typeInvalidSyntax, "the request body must be a JSON object")
	}
	if a, b, ok := caseDuplicate(doc); ok {
		return nil, badRequest(typeInvalidSyntax, "the keys %q and %q name the same attribute (attribute names are case-insensitive, RFC 7643 §2.1): send it once", a, b)
	}
	return doc, nil
}

// sameKeys finds two keys of one object that differ only in case. Small
// objects (most are) are compared pairwise, without allocating.
func sameKeys(obj map[string]any) (string, string, bool) {
	if len(obj) < 2 {
		return "", "", false
	}
	if len(obj) <= 16 {
		var keys [16]string
		n := 0
		for k := range obj {
			for _, prev := range keys[:n] {
				if strings.EqualFold(prev, k) {
					return min(prev, k), max(prev, k), true
				}
			}
			keys[n] = k
			n++
		}
		return "", "", false
	}
	seen := make(map[string]string, len(obj))
	for k := range obj {
		f := strings.ToLower(k)
		if prev, ok := seen[f]; ok {
			return min(prev, k), max(prev, k), true
		}
		seen[f] = k
	}
	return "", "", false
}

// caseDuplicate finds two keys of one object, anywhere in v, that differ
// only in case. Both would name the same attribute, and which one wins
// would depend on map order.
func caseDuplicate(v any) (string, string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if a, b, ok := sameKeys(x); ok {
			return a, b, true
		}
		for _, el := range x {
			if a, b, ok := caseDuplicate(el); ok {
				return a, b, true
			}
		}
	case []any:
		for _, el := range x {
			if a, b, ok := caseDuplicate(el); ok {
				return a, b, true
			}
		}
	}
	return "", "", false
}

// jsonErrorText describes a JSON syntax error by position, without Go type names.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return "malformed JSON"
}

// writeJSON answers with a SCIM JSON document: a value to marshal, or a
// json.RawMessage already encoded (compact and escaped as json.Marshal
// writes it), written as it is.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		// Documents are built from maps of plain values; this cannot happen
		// short of a bug, and then the client still gets a SCIM error.
		status = http.StatusInternalServerError
		body = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"internal server error"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}

func marshalJSON(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(v)
}
