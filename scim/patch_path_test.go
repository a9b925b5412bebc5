package scim

import (
	"reflect"
	"testing"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/mapping"
)

// TestSimplePathAgreesWithParser: every path simplePath reads, it reads as
// filter-parser does (values unescaped); the rest it leaves to the parser.
func TestSimplePathAgreesWithParser(t *testing.T) {
	fast := []string{
		`members`, `displayName`, `name.givenName`, `emails`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
		`members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
		`members[value EQ "x"]`, `members[ value  eq  "x" ]`,
		`emails[type eq "work"].value`, `addresses[type eq "work"].streetAddress`,
		`emails[value eq "a\"b\\c"]`, `emails[value eq "a]b"].display`,
		`members[value eq ""]`,
		`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`,
	}
	slow := []string{
		`members[value eq "a" or value eq "b"]`, `members[value ne "x"]`, `emails[primary eq true]`,
		`members[value eq "x"].value.more`, `members[value eq "x"]x`, `members[display co "x"]`,
		`emails[type eq "work" and primary eq true].value`, `name.givenName.more`, `emails[`, `[value eq "x"]`,
		`members[value eq "x"`, `emails[value eq "a"]].value`, `members[not (value eq "x")]`, ``,
		`emails[type.sub eq "x"]`, `name.givenName[value eq "x"]`,
	}
	for _, path := range fast {
		got, ok := simplePath(path)
		if !ok {
			t.Errorf("simplePath(%q) left it to the parser", path)
			continue
		}
		want, err := filter.ParsePathNumber([]byte(spaceBeforeValues(path)))
		if err != nil {
			t.Errorf("the parser refuses %q (%v) but simplePath read it", path, err)
			continue
		}
		if want.ValueExpression != nil {
			unescapeValues(want.ValueExpression)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("simplePath(%q) = %#v\nthe parser reads %#v", path, got, want)
		}
	}
	// As a GET filter, a path of one value filter is the parser's ValuePath.
	for _, text := range fast {
		p, _ := simplePath(text)
		if p.ValueExpression == nil || p.SubAttribute != nil {
			continue
		}
		want, err := filter.ParseFilterNumber([]byte(spaceBeforeValues(text)))
		if err != nil {
			t.Errorf("the parser refuses the filter %q: %v", text, err)
			continue
		}
		unescapeValues(want)
		got := &filter.ValuePath{AttributePath: p.AttributePath, ValueFilter: p.ValueExpression}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("filter %q: fast %#v\nthe parser reads %#v", text, got, want)
		}
	}
	// Text filter-parser cannot read (it stops at non-ASCII) is read as a
	// filter of GET reads it (simpleEq).
	if p, ok := simplePath(`emails[value eq "é ☃ \u00e9"]`); !ok || p.ValueExpression.(*filter.AttributeExpression).CompareValue != "é ☃ é" {
		t.Errorf("a non-ASCII value: %v, %v", p, ok)
	}
	for _, path := range slow {
		if p, ok := simplePath(path); ok {
			t.Errorf("simplePath(%q) read it as %v; it is not simple", path, p)
		}
	}
}

func BenchmarkResolveMemberPath(b *testing.B) {
	reg := mapping.NewRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := resolvePath(reg.Group, 0, `members[value eq "2819c223-7f76-453a-919d-413861904646"]`); err != nil {
			b.Fatal(err)
		}
	}
}
