// Package adminapi is scimd's JSON admin API under /api/v1: the backend of
// the portal and the tenant administrators' scripting interface. Like the
// scim package it is a thin adapter: it authenticates the portal session
// cookie, parses JSON, calls package account (which decides every rule) and
// encodes the answer. Errors go through one table from account.Kind to an
// HTTP status and the JSON error {"error":{"code","message"}}.
//
// Authentication is the scimd_session cookie that LinkHandler sets when a
// sign-in link of `scimd admin login-link` is followed; bearer tokens and
// anonymous calls are 401, except API keys (Authorization: Bearer
// scimd_ak_..., made by `scimd apikey create`), which read GET /events
// alone. State-changing requests from other sites are
// 403 (net/http's CrossOriginProtection). A Team Leader's session may call
// GET /me, GET /myteam, GET /users/{own id} (and its /access) and POST
// /logout; every other endpoint is for administrators (403).
//
// Endpoints (under /api/v1):
//
//	GET    /me                          the signed-in member: {"user","access","tenantId","sessionExpiresAt"}
//	POST   /logout                      ends the session, clears the cookie (204)
//	GET    /myteam                      the teams the member leads, with their members (list)
//	GET    /stats                       {"active","invited","admin","standard"}
//	GET    /users?state=&q=             users (list, keyset-paged)
//	GET    /users/{id}                  a user (ETag: its version, for If-Match)
//	PATCH  /users/{id}                  JSON merge patch of name, email, roles, grants, agentIds, teams, voice, password
//	DELETE /users/{id}                  204 (the Owner: 409, transfer ownership first)
//	POST   /users/{id}/deactivate       the user, inactive
//	POST   /users/{id}/reactivate       the user, active
//	POST   /users/{id}/repair           the user, its defaults and access recomputed
//	GET    /users/{id}/access           {"owner","roles":[{"role","node":{"id","name"},"viaGroup","source"}],"permissions","nodes","unmappedRoles"}
//	POST   /invitations                 [{"name","email","roles","teams","agentIds"}] → 201 [users]
//	POST   /invitations/{userId}/resend 204
//	DELETE /invitations/{userId}        204
//	POST   /owner                       {"userId","formerOwner":{"roles":[...]}|{"delete":true}} → the new Owner
//	GET|POST /roles, GET|PATCH|DELETE /roles/{id}          {"id","name","description","permissions","scope","builtin"}
//	GET|POST /accounts, GET|PATCH|DELETE /accounts/{id}    {"id","name","kind","parentId","path"}
//	GET|POST /teams, GET|PATCH|DELETE /teams/{id}          {"id","name","groupId","members":[{"userId","leader"}]}
//	PUT|DELETE /teams/{id}/members/{userId}                {"leader":bool} → 204
//	GET|POST /numbers, DELETE /numbers/{e164}              {"number","tollFree","userId","primary"}
//	GET|POST /locations, GET|PATCH|DELETE /locations/{id}  {"id","name","address","default"}
//	GET    /audit?user=&actor=&since=   {"id","time","actor":{"kind","id","name"},"action","resourceType","resourceId","changes","requestId"}, newest first
//	GET    /import/template.csv         the CSV template of the user import (seed 003)
//	POST   /import/validate             a CSV file → {"valid","rows","problems":[{"row","column","message"}]}; imports nothing
//	POST   /import/jobs                 a CSV file → 202 the job {"id","state","fileName","total","created","failed","pending","progress",...};
//	                                    400 with "problems" when the file has any; 409 while another import of the tenant runs
//	GET    /import/jobs                 the tenant's imports, newest first (list)
//	GET    /import/jobs/{id}            a job: state (queued, running, stopping, done, interrupted), counts, progress
//	POST   /import/jobs/{id}/stop       no further users are created; the job ends done (409 when it has ended)
//	GET    /import/jobs/{id}/results    {"job","rows":[{"row","displayName","email","status","userId","reason"}]}
//	GET    /import/jobs/{id}/failed.csv the rows not created, in the template's format, to fix and import again
//	GET    /events?after=&limit=        the change feed: {"items":[{"id","type","sequence","time","actor","resourceId","data"}],"next":SEQ}; also with an API key
//	GET|POST /webhooks, GET|PATCH|DELETE /webhooks/{id}    {"id","url","events","enabled","secret" (on create and rotateSecret only),"failingSince","disabledAt","created"}
//	GET    /webhooks/{id}/deliveries    {"id","sequence","resourceId","state","attempts","lastStatus","nextAttempt","deliveredAt"}, newest first
//	GET    /webhooks/{id}/deliveries/{deliveryId}/attempts, POST .../resend (202)
//
// An import file (CSV in UTF-8, at most 1000 rows and 2 MB) is the raw
// body (Content-Type text/csv) with the options in the query, or
// multipart/form-data with a part "file" and the options as fields:
// name (the file's name), state (active, the default, or invited),
// passwords (users, the default: each user's email; address: one mail per
// user to address; none) and address.
//
// A user is {"id","email","name","state","roles","owner","lastLogin",
// "source","grants":[{"role","node"}],"agentIds":[{"system","value"}],
// "teams":[{"id","name","leader"}],"voice":{"extension","location",
// "primaryNumber","additionalNumbers"}|null,"unmappedRoles"}. roles are the
// names of the user's own grants at the master account (also those the
// SCIM roles attribute makes); grants are its direct grants, each at a
// node named by id (the master account's id is the tenant's), which is
// what PATCH "grants" replaces and PATCH "roles" replaces at the master.
//
// Lists answer {"items":[...],"total":N,"next":CURSOR_OR_NULL}, paged with
// ?limit= (1 to 500, default 100) and ?cursor= (the previous page's next).
// The audit log's total is null: it is not counted.
package adminapi
