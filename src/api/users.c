/*
 * users.c - user accounts.
 */
#include <string.h>

#include "api/api.h"
#include "domain/user.h"

int api_users_list(struct call *k)
{
	struct user_filter f = {
		.center_id = api_query_int(k, "center_id"),
		.unit_id = api_query_int(k, "unit_id"),
		.q = http_query(k->r, "q"),
	};
	const char *role = http_query(k->r, "role");
	struct page pg;
	if (role && *role && !(f.role = user_role_bit(role)))
		return ctx_fail(&k->ctx, E_INVALID, "role", "未知的角色");
	if (f.q && strlen(f.q) > 64)
		return ctx_fail(&k->ctx, E_INVALID, "q", "搜索关键字不能超过64个字符");
	field_page(http_query(k->r, "page"), http_query(k->r, "size"), &pg);
	return user_list(&k->ctx, &f, &pg, &k->out);
}

int api_users_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : user_get(&k->ctx, id, &k->out);
}

int api_users_create(struct call *k)
{
	k->status = 201;
	return user_create(&k->ctx, k->in, &k->out);
}

int api_users_update(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : user_update(&k->ctx, id, k->in, &k->out);
}

int api_users_reset_password(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : user_reset_password(&k->ctx, id, &k->out);
}
