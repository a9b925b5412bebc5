// Package portal is scimd's admin portal: server-rendered pages under
// /portal/ where a tenant's administrators (the Owner, Admins, Account
// Admins) sign in and manage their people, and Team Leaders see their My
// Team page. Like the admin API it is a thin edge over the account layer:
// every read and write goes through account with the signed-in member as
// the actor, and a refusal shows the domain's own message.
//
// Signing in (open to everyone; every POST passes CrossOriginProtection):
//
//	GET  /portal/login                 ask for the account name or work email
//	GET  /portal/login?tenant=T        start T's OpenID Connect sign-in at once
//	                                   (&password=1: T's password form)
//	POST /portal/login                 the account name or work email typed in
//	POST /portal/login/password        password sign-in, where T allows it
//	GET  /portal/login/link?token=     a single-use link of scimd admin login-link
//	GET  /portal/oidc/callback         the provider's answer (state, code)
//	GET  /portal/invitations/accept    the invitee's page (?token=)
//	POST /portal/invitations/accept    accept by creating a password
//	POST /portal/invitations/oidc      accept by signing in as the invited email
//	POST /portal/logout                "Sign out"
//
// Signed in (administrators; Team Leaders only / and /myteam):
//
//	GET  /portal/                      dashboard: stats, IdP activity, connection health
//	GET  /portal/users?q=&state=&after= users, paged by keyset; /portal/users.csv
//	GET  /portal/users/{id}            a user; POST .../{deactivate,reactivate,repair,
//	                                   delete,resend,cancel,owner,roles,domain}
//	GET  /portal/invite                invite several people; POST to send
//	GET  /portal/{roles,accounts,teams,numbers,connections,settings,audit}
//	                                   each with a POST for its forms (not audit)
//	GET  /portal/import                CSV import: template.csv, POST (validate|start), {id} job page, {id}/stop, {id}/failed.csv
//	GET  /portal/webhooks              webhook endpoints (POST add|rotate|enable|disable|remove); {id}: deliveries, POST resend
//	GET  /portal/myteam                a Team Leader's teams
//
// Sessions are the account layer's (a table, hashed ids, idle and absolute
// timeouts) behind the scimd_session cookie the admin API shares. An OpenID
// sign-in under way (state, nonce, PKCE verifier, return path) is held in
// the database for ten minutes, bound to the browser by a cookie, and
// taken once.
package portal
