/*
 * session.c - log in and out, who am I, password change, API tokens.
 */
#include "api/api.h"
#include "domain/field.h"
#include "domain/session.h"
#include "domain/user.h"

static int str_field(struct call *k, const char *key, const char *label, const char **out)
{
	json_t *v = json_object_get(k->in, key);
	if (!json_is_string(v) || !json_string_length(v))
		return ctx_fail(&k->ctx, E_INVALID, key, "请填写%s", label);
	if (json_string_length(v) > 128)
		return ctx_fail(&k->ctx, E_INVALID, key, "%s过长", label);
	*out = json_string_value(v);
	return E_OK;
}

int api_session_login(struct call *k)
{
	const char *username, *password;
	char token[TOKEN_HEX], csrf[TOKEN_HEX];
	json_t *user;
	int rc;
	if ((rc = str_field(k, "username", "用户名", &username)) < 0 ||
	    (rc = str_field(k, "password", "密码", &password)) < 0 ||
	    (rc = session_login(&k->ctx, username, password, token, csrf, &user)) < 0)
		return rc;
	k->r->user = arena_strdup(&k->r->arena, username);
	k->r->set_cookie = arena_printf(&k->r->arena,
					SESSION_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; "
						       "SameSite=Strict%s",
					token, (long long)session_max,
					k->app->secure_cookie ? "; Secure" : "");
	k->out = json_pack("{s:o,s:s}", "user", user, "csrf_token", csrf);
	return E_OK;
}

int api_session_logout(struct call *k)
{
	int rc = session_logout(&k->ctx);
	if (rc == E_OK)
		k->r->set_cookie = SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
	return rc;
}

int api_session_me(struct call *k)
{
	json_t *user;
	int rc = user_get(&k->ctx, k->actor.id, &user);
	if (rc < 0)
		return rc;
	k->out = json_pack("{s:o}", "user", user);
	if (!k->actor.by_token)
		json_object_set_new(k->out, "csrf_token", json_string(k->actor.csrf));
	return E_OK;
}

int api_session_password(struct call *k)
{
	const char *old_pw, *new_pw;
	json_t *user;
	int rc;
	if ((rc = str_field(k, "old_password", "原密码", &old_pw)) < 0 ||
	    (rc = str_field(k, "new_password", "新密码", &new_pw)) < 0 ||
	    (rc = user_change_password(&k->ctx, old_pw, new_pw, &user)) < 0)
		return rc;
	k->out = json_pack("{s:o}", "user", user);
	return E_OK;
}

int api_tokens_create(struct call *k)
{
	k->status = 201;
	return session_token_create(&k->ctx, k->in, &k->out);
}

int api_tokens_list(struct call *k)
{
	return session_token_list(&k->ctx, &k->out);
}

int api_tokens_delete(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : session_token_delete(&k->ctx, id);
}
