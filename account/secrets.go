package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// newSecret returns 256 random bits, URL-safe, and the hash to store: the
// links of invitations, sign-in links and session ids are kept hashed, so
// a copy of the database opens nothing.
func newSecret() (plain string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, HashSecret(plain)
}

// HashSecret is the stored form of a link token or session id.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
