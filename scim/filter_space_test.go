package scim

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// spaceBeforeValuesAlways is spaceBeforeValues without its shortcut for
// filters that need no change: the two must agree on every text.
func spaceBeforeValuesAlways(text string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quoted && c == '\\' && i+1 < len(text):
			b.WriteByte(c)
			i++
			c = text[i]
		case c == '"':
			if !quoted && i > 0 && isLetter(text[i-1]) {
				b.WriteByte(' ')
			}
			quoted = !quoted
		}
		b.WriteByte(c)
	}
	return b.String()
}

func TestSpaceBeforeValuesShortcut(t *testing.T) {
	texts := []string{``, `userName eq "bjensen"`, `members[value eq"2819c223"]`, `a eq "x\"y"b`, `a eq "x\\"b"`,
		`x eq "a" and y eq"b"`, `"`, `a"`, `\"`, `a eq "\`, `emails[type eq "work" and value co "@example.com"]`}
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte("a \"\\ ][\""[r.IntN(7)])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		if got, want := spaceBeforeValues(text), spaceBeforeValuesAlways(text); got != want {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
	}
}
