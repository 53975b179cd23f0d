/*
 * session.h - logging in and out, cookie sessions, API tokens, login throttling.
 *
 * A session or API token is a 256-bit random secret given to the client once; the database
 * keeps its SHA-256 only. Looking one up costs a hash and an indexed read, never a password
 * hash. Sessions end after SESSION_IDLE seconds without use or SESSION_MAX after login.
 */
#ifndef SHENPI_SESSION_H
#define SHENPI_SESSION_H

#include <jansson.h>

#include "core/token.h"
#include "domain/ctx.h"

#define LOGIN_MAX_FAILURES 5
#define LOGIN_WINDOW (15 * 60)
#define TOKEN_PREFIX "sp_"

/* Seconds a session lives without use, and at most; changeable for tests (serve flags). */
extern int64_t session_idle, session_max;

/* Check the password and open a session, in its own transaction. On success token and csrf
 * get the secrets for the cookie and the CSRF header and *user the account as JSON. Failures
 * count towards throttling: after LOGIN_MAX_FAILURES within LOGIN_WINDOW even the right
 * password is refused until the window passes. */
int session_login(struct ctx *c, const char *username, const char *password,
		  char token[TOKEN_HEX], char csrf[TOKEN_HEX], json_t **user);
/* Fill *a from a session cookie's secret or an API token ("sp_..."). E_SESSION_EXPIRED when
 * unknown or expired, E_ACCOUNT_DISABLED for a disabled account. Strings live in c->arena. */
int session_from_cookie(struct ctx *c, const char *secret, struct actor *a);
int session_from_token(struct ctx *c, const char *secret, struct actor *a);
/* End the actor's current session (inside the caller's write transaction). */
int session_logout(struct ctx *c);

int session_token_create(struct ctx *c, json_t *in, json_t **out);
int session_token_list(struct ctx *c, json_t **out);
int session_token_delete(struct ctx *c, int64_t id);

#endif
