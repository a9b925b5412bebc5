package scim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/mapping"
)

// matchElement evaluates a value filter (the part in brackets of a PATCH
// path) against one element of a multi-valued attribute a.
func matchElement(a *mapping.Attr, el map[string]any, f filter.Expression) (bool, error) {
	switch f := f.(type) {
	case *filter.LogicalExpression:
		l, err := matchElement(a, el, f.Left)
		if err != nil {
			return false, err
		}
		if f.Operator == filter.AND && !l {
			return false, nil
		}
		if f.Operator == filter.OR && l {
			return true, nil
		}
		return matchElement(a, el, f.Right)
	case *filter.NotExpression:
		m, err := matchElement(a, el, f.Expression)
		return !m, err
	case *filter.AttributeExpression:
		sub := a.SubAttr(f.AttributePath.AttributeName)
		if sub == nil || f.AttributePath.SubAttribute != nil {
			return false, badRequest(typeInvalidPath, "%s has no sub-attribute %q to filter on", a.Path(), f.AttributePath.String())
		}
		return compareValue(sub, el[sub.Name], strings.ToLower(string(f.Operator)), f.CompareValue)
	}
	return false, badRequest(typeInvalidPath, "unsupported value filter %v", f)
}

// compareValue applies a filter operator to one attribute value in memory,
// with the attribute's case sensitivity and type.
func compareValue(a *mapping.Attr, have any, op string, want any) (bool, error) {
	if op == "pr" {
		return have != nil && have != "", nil
	}
	if have == nil {
		return op == "ne" || (op == "eq" && want == nil), nil
	}
	switch a.Type {
	case mapping.Boolean:
		hb, ok1 := boolOf(have)
		wb, ok2 := boolOf(want)
		if !ok1 || !ok2 || (op != "eq" && op != "ne") {
			return false, badRequest(typeInvalidFilter, "%s is a boolean: compare it with eq or ne and true or false", a.Path())
		}
		return (hb == wb) == (op == "eq"), nil
	case mapping.DateTime:
		ht, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(have))
		wt, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(want))
		if err1 != nil || err2 != nil {
			return false, badRequest(typeInvalidFilter, "%s is a dateTime: compare it with a quoted dateTime", a.Path())
		}
		return ordered(ht.Compare(wt), op)
	}
	hs, ws := fmt.Sprint(have), fmt.Sprint(want)
	if n, ok := want.(json.Number); ok {
		ws = n.String()
	}
	if !a.CaseExact {
		hs, ws = strings.ToLower(hs), strings.ToLower(ws)
	}
	switch op {
	case "co":
		return strings.Contains(hs, ws), nil
	case "sw":
		return strings.HasPrefix(hs, ws), nil
	case "ew":
		return strings.HasSuffix(hs, ws), nil
	}
	return ordered(strings.Compare(hs, ws), op)
}

func ordered(c int, op string) (bool, error) {
	switch op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	}
	return false, badRequest(typeInvalidFilter, "unknown operator %q", op)
}

func boolOf(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// elementFromFilter builds the element a filter of eq comparisons joined
// by "and" describes (type eq "work" gives {"type": "work"}).
func elementFromFilter(a *mapping.Attr, f filter.Expression) (map[string]any, bool) {
	el := map[string]any{}
	var walk func(filter.Expression) bool
	walk = func(f filter.Expression) bool {
		switch f := f.(type) {
		case *filter.LogicalExpression:
			return f.Operator == filter.AND && walk(f.Left) && walk(f.Right)
		case *filter.AttributeExpression:
			sub := a.SubAttr(f.AttributePath.AttributeName)
			if sub == nil || f.Operator != filter.EQ || f.AttributePath.SubAttribute != nil || f.CompareValue == nil {
				return false
			}
			el[sub.Name] = f.CompareValue
			return true
		}
		return false
	}
	return el, walk(f)
}
