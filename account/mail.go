package account

import (
	"fmt"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// invitationMail is the mail that invites a user (seeds 000, 004): how to
// accept, and how long the link works.
func invitationMail(u *store.User, link string, ttl time.Duration) *store.Mail {
	name := u.DisplayName
	if name == "" {
		name = u.UserName
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", name)
	b.WriteString("You have been invited to your organisation's account. To accept, open this link and sign in\n")
	b.WriteString("with your company account or create a password:\n\n")
	fmt.Fprintf(&b, "  %s\n\n", link)
	fmt.Fprintf(&b, "The link works once and expires in %d days. If you did not expect this invitation, ignore this mail.\n", int(ttl.Hours()/24))
	return &store.Mail{TenantID: u.TenantID, To: u.UserName, Subject: "You are invited", Body: b.String()}
}

// passwordMail carries a temporary password (seed 003's import), to the
// user or to the address an administrator chose.
func passwordMail(tenantID, to string, u *store.User, password, signIn string) *store.Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "An account was created for %s (%s).\n\n", u.DisplayName, u.UserName)
	fmt.Fprintf(&b, "Temporary password: %s\n\n", password)
	fmt.Fprintf(&b, "Sign in at %s and change the password on first login.\n", signIn)
	return &store.Mail{TenantID: tenantID, To: to, Subject: "Your new account", Body: b.String()}
}
