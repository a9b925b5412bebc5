package account

import (
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// The password policy of seed 001, for every password set in scimd itself
// (admin API, portal, invitation acceptance, the import's temporary
// passwords), and for passwords an IdP pushes when the tenant enforces it.
const minPasswordLen = 8

// maxPasswordBytes is bcrypt's limit: it reads no more.
const maxPasswordBytes = 72

// CheckPassword returns the first rule of the password policy that pw
// breaks, as an Invalid error naming it, or nil.
func CheckPassword(pw string) error {
	var upper, lower, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	switch {
	case len([]rune(pw)) < minPasswordLen:
		return invalid("password", "the password must be at least %d characters long", minPasswordLen)
	case !upper:
		return invalid("password", "the password must contain an upper-case letter")
	case !lower:
		return invalid("password", "the password must contain a lower-case letter")
	case !digit:
		return invalid("password", "the password must contain a digit")
	}
	return nil
}

// hashPassword returns the bcrypt hash of pw ("" for ""). It is slow by
// design: callers run it before their transaction.
func (s *Service) hashPassword(pw string) (string, error) {
	if pw == "" {
		return "", nil
	}
	if len(pw) > maxPasswordBytes {
		return "", invalid("password", "the password is longer than %d bytes", maxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cfg.PasswordCost)
	return string(h), err
}

// VerifyPassword reports whether pw matches a stored hash. It takes as long
// for an empty hash as for a real one, so that timing does not tell whether
// a user has a password.
func VerifyPassword(hash, pw string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(pw))
		return false
	}
	if strings.HasPrefix(hash, tempHashPrefix) {
		bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(pw)) // as slow as the others
		return verifyTempHash(hash, pw)
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// dummyHash is a bcrypt hash of nothing anyone knows.
var dummyHash = "$2a$10$" + strings.Repeat("x", 53)
