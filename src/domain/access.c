/*
 * access.c - scope checks; see access.h.
 */
#include "domain/access.h"

#include <stdlib.h>
#include <string.h>

#include "domain/field.h"

const char *access_region_like(struct ctx *c, const char *region)
{
	size_t n = strlen(region);
	/* a province covers XX...., a city XXYY.., a county itself */
	while (n > 2 && region[n - 1] == '0' && region[n - 2] == '0')
		n -= 2;
	return arena_printf(c->arena, "%.*s%%", (int)n, region);
}

int64_t access_own_center(const struct ctx *c)
{
	const struct actor *a = c->actor;
	if (!a || actor_has(a, ROLE_SYSADMIN | ROLE_SUPERVISOR))
		return 0;
	return a->center_id ? a->center_id : -1; /* -1 matches no center */
}

int access_center(struct ctx *c, int64_t center_id, enum access_mode mode)
{
	const struct actor *a = c->actor;
	struct db_res *r;
	struct db_val p[] = {DBI(center_id)};
	int rc = db_query(c->db, &r, "SELECT region_code FROM centers WHERE id = ?", p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) <= 0) {
		db_res_free(r);
		return rc < 0 ? ctx_db(c, rc)
			      : ctx_fail(c, E_NOT_FOUND, NULL, "政务服务中心不存在");
	}
	int ok;
	if (!a || actor_has(a, ROLE_SYSADMIN))
		ok = 1;
	else if (mode == ACCESS_WRITE)
		ok = (a->roles & ROLE_CENTER_ADMIN) && a->center_id == center_id;
	else if (a->center_id == center_id)
		ok = 1;
	else if (a->roles & ROLE_SUPERVISOR) {
		const char *like = access_region_like(c, a->scope_region);
		ok = strncmp(db_text(r, 0), like, strlen(like) - 1) == 0;
	} else
		ok = 0;
	db_res_free(r);
	return ok ? E_OK : ctx_fail(c, E_FORBIDDEN, NULL, "无权访问其他政务服务中心的数据");
}

int access_list_scope(struct ctx *c, json_t *q, struct access_scope *out)
{
	const struct actor *a = c->actor;
	const char *region = field_query(q, "region");
	int64_t own = access_own_center(c), center = strtoll(field_query(q, "center_id"), NULL, 10),
		unit = strtoll(field_query(q, "unit_id"), NULL, 10);
	int rc;
	if (own && center && center != own)
		return ctx_fail(c, E_FORBIDDEN, "center_id", "无权查看其他政务服务中心的数据");
	if (!own && center > 0 && (rc = access_center(c, center, ACCESS_READ)) < 0)
		return rc;
	out->center = own ? own : center;
	out->unit = unit;
	if (a && !(a->roles & (ROLE_SYSADMIN | ROLE_SUPERVISOR | ROLE_CENTER_ADMIN))) {
		if (unit && unit != a->unit_id)
			return ctx_fail(c, E_FORBIDDEN, "unit_id", "只能查看本单位的数据");
		out->unit = a->unit_id ? a->unit_id : -1;
	}
	out->region_like = a && (a->roles & ROLE_SUPERVISOR) && !(a->roles & ROLE_SYSADMIN)
			       ? access_region_like(c, a->scope_region)
			       : "%";
	if (*region) {
		if (strlen(region) != 6 || strspn(region, "0123456789") != 6)
			return ctx_fail(c, E_INVALID, "region", "行政区划代码须为6位数字");
		const char *want = access_region_like(c, region);
		if (strncmp(want, out->region_like, strlen(out->region_like) - 1))
			return ctx_fail(c, E_FORBIDDEN, "region", "无权查看该地区的数据");
		out->region_like = want;
	}
	return E_OK;
}
