package sqlstore

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// scanBoth reads text with the fast reader (through Scan, as a string and
// as bytes) and with encoding/json, and fails when they differ.
func scanBoth(t *testing.T, text string) {
	t.Helper()
	want, wantErr := decodeJSONRows([]byte(text))
	for _, src := range []any{text, []byte(text)} {
		var got [][]cell
		err := jsonRows{&got}.Scan(src)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json: %v", text, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", text, got, want)
		}
	}
}

var jsonRowsStrings = []string{"", "plain", "Zoë", "名前", "🎉", "a b", "<&>", "'", "\x7f", "\u2028", "true", "null", "1", "[", "]", ","}

func TestJSONRowsMatchEncodingJSON(t *testing.T) {
	for _, text := range []string{
		`[]`, ` [ ] `, `[[]]`, `[[], []]`,
		// json_agg and array_to_json as PostgreSQL writes them.
		`[["emails", "a@example.com", null, "work", true], ` + "\n" + ` ["emails", "b@example.com", null, null, false]]`,
		`[["emails","a@example.com",null,"work",true],["phoneNumbers","+1 555",null,"work",false]]`,
		`[["g1", "Group \"one\"", 1], ["g2", "Zweite Gruppe", 0]]`,
		`[["x", "", "", "", "", ""], ["g", "r o n s", "id", "admin", "node", "direct"]]`,
		// SQLite's json_group_array(json_array(...)): numbers for booleans.
		`[["emails","a@example.com",null,"work",1],["emails","b",null,null,0]]`,
		`[[1.0, 0.0, -0, 2e3, 1E-3, -1.5e+2]]`,
		// Escapes and what only encoding/json reads.
		`[["tab\tnot allowed raw"]]`, `[["esc\"aped", "back\\slash", "\u00e9", "\ud83c\udf89", "\u0000", "\/"]]`,
		`[["bad \ud800 surrogate"]]`, "[[\"invalid \xff utf8\"]]",
		`[[{"an": "object"}]]`, `[[[1]]]`, `[1]`, `["s"]`, `{}`, `null`,
		`[[01]]`, `[[+1]]`, `[[1.]]`, `[[.5]]`, `[[1e]]`, `[[1e999]]`, `[[-]]`, `[[0x1]]`, `[[Infinity]]`, `[[NaN]]`,
		`[["a"`, `[["a"]`, `[["a"],`, `[["a"]]x`, `[["a",]]`, `[[,"a"]]`, `[["a"] ["b"]]`, `[[tru]]`, `[[nul]]`, ``,
	} {
		scanBoth(t, text)
	}
	var rows [][]cell
	if err := (jsonRows{&rows}).Scan(nil); err != nil || rows != nil {
		t.Fatalf("NULL: %v %v, want no rows (nil)", rows, err)
	}
	if err := (jsonRows{&rows}).Scan(`[]`); err != nil || rows == nil || len(rows) != 0 {
		t.Fatalf("[]: %#v %v, want none, not nil", rows, err)
	}
	if err := (jsonRows{&rows}).Scan(42); err == nil {
		t.Fatal("an int scanned as JSON rows")
	}
}

// TestJSONRowsRandom compares the readers on random arrays of rows, with
// random white space, strings with and without escapes, and garbling.
func TestJSONRowsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ws := func() string { return []string{"", "", " ", "\n ", "\t", "\r\n"}[r.IntN(6)] }
	scalar := func() string {
		switch r.IntN(8) {
		case 0:
			return "null"
		case 1:
			return "true"
		case 2:
			return "false"
		case 3:
			return []string{"0", "1", "-1", "0.5", "1e2", "12345678901234567890"}[r.IntN(6)]
		default:
			b, _ := json.Marshal(jsonRowsStrings[r.IntN(len(jsonRowsStrings))] + jsonRowsStrings[r.IntN(len(jsonRowsStrings))])
			return string(b)
		}
	}
	for i := range 5000 {
		var b strings.Builder
		b.WriteString(ws() + "[")
		for row := range r.IntN(4) {
			if row > 0 {
				b.WriteString(ws() + "," + ws())
			}
			b.WriteString("[")
			for c := range r.IntN(6) {
				if c > 0 {
					b.WriteString("," + ws())
				}
				b.WriteString(scalar())
			}
			b.WriteString(ws() + "]")
		}
		b.WriteString("]" + ws())
		text := b.String()
		if i%5 == 0 && len(text) > 0 { // garble one byte
			k := r.IntN(len(text))
			garble := "[],\"\\ a1"
			text = text[:k] + string(garble[r.IntN(len(garble))]) + text[k+1:]
		}
		scanBoth(t, text)
	}
}

func FuzzJSONRows(f *testing.F) {
	for _, s := range []string{`[]`, `[["a", null, true, 1]]`, `[["a\"b"], []]`, "[[\"\xff\"]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { scanBoth(t, text) })
}

func BenchmarkJSONRows(b *testing.B) {
	text := `[["emails", "user1@example.com", null, "work", true], ["emails", "u1@home.example", null, "home", false], ["phoneNumbers", "+1 555 0100", null, "work", false]]`
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rows [][]cell
			jsonRows{&rows}.Scan(text)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeJSONRows([]byte(text))
		}
	})
}
