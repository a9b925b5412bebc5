package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// The import's temporary passwords (seed 003) are 16 random characters of
// a 57-symbol alphabet: 93 bits, which no attacker guesses whatever the
// hash's cost. bcrypt's cost is for the passwords people choose; spent on
// these it made a 1000-row import take 2.6 s instead of 1.4 s (bcrypt at
// its minimum cost was two thirds of the CPU; at PasswordCost it would be
// a minute). So they are kept as a salted SHA-256, like bearer tokens,
// and verified in constant time; VerifyPassword still spends a bcrypt
// comparison on them, so that timing does not tell such a password from
// another. A password the user sets later is bcrypt as always.

const tempHashPrefix = "$scimd-temp$"

// tempHash is the stored form of a temporary password.
func tempHash(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	sum := sha256.Sum256(append(salt, pw...))
	enc := base64.RawStdEncoding
	return tempHashPrefix + enc.EncodeToString(salt) + "$" + enc.EncodeToString(sum[:])
}

func verifyTempHash(hash, pw string) bool {
	salt64, sum64, ok := strings.Cut(strings.TrimPrefix(hash, tempHashPrefix), "$")
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(salt64)
	want, err2 := enc.DecodeString(sum64)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	got := sha256.Sum256(append(salt, pw...))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
