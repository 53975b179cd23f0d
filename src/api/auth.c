/*
 * auth.c - turn a request's cookie or bearer token into the acting user, and check the
 * CSRF token of cookie sessions on unsafe methods.
 */
#include <string.h>

#include "api/api.h"
#include "core/token.h"
#include "domain/session.h"

int api_auth(struct call *k)
{
	struct req *r = k->r;
	const char *authz = http_header(r, "Authorization");
	const char *cookie = http_cookie(r, SESSION_COOKIE);
	int rc;
	if (authz && !strncmp(authz, "Bearer ", 7)) {
		const char *t = authz + 7;
		if (strlen(t) > 128)
			return E_SESSION_EXPIRED;
		return session_from_token(&k->ctx, t, &k->actor);
	}
	if (!cookie || !*cookie)
		return E_UNAUTHENTICATED;
	if (strlen(cookie) != TOKEN_HEX - 1)
		return E_SESSION_EXPIRED;
	if ((rc = session_from_cookie(&k->ctx, cookie, &k->actor)) < 0)
		return rc;
	/* a cookie travels with any request the browser makes; the CSRF header only with ours */
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		const char *csrf = http_header(r, "X-CSRF-Token");
		if (!csrf || !token_equal(csrf, k->actor.csrf))
			return E_CSRF;
	}
	return E_OK;
}
