/*
 * org.c - regions, centers and units; see org.h.
 */
#include "domain/org.h"

#include <string.h>

#include "core/ids.h"
#include "domain/access.h"
#include "domain/event.h"
#include "domain/field.h"
#include "domain/user.h"

/* ---- regions ---- */

#define REGION_COLS "code, name, parent, level"

static json_t *region_row(struct db_res *r)
{
	return json_pack("{s:s,s:s,s:o,s:I}", "code", db_text(r, 0), "name", db_text(r, 1),
			 "parent", ctx_text_json(r, 2), "level", (json_int_t)db_int(r, 3));
}

static int region_get(struct ctx *c, const char *code, json_t **out)
{
	struct db_val p[] = {DBT(code)};
	return ctx_one(c, "SELECT " REGION_COLS " FROM regions WHERE code = ?", p, 1, region_row,
		       E_NOT_FOUND, "行政区划不存在", out);
}

int org_region_list(struct ctx *c, const char *parent, json_t **out)
{
	json_t *items;
	int rc;
	if (parent && *parent) {
		struct db_val p[] = {DBT(parent)};
		rc = ctx_rows(c, "SELECT " REGION_COLS " FROM regions WHERE parent = ? ORDER BY code",
			      p, 1, region_row, &items);
	} else {
		rc = ctx_rows(c, "SELECT " REGION_COLS " FROM regions ORDER BY code", NULL, 0,
			      region_row, &items);
	}
	if (rc == E_OK)
		*out = json_pack("{s:o}", "items", items);
	return rc;
}

int org_region_create(struct ctx *c, json_t *in, json_t **out)
{
	const char *code = NULL, *name = NULL;
	char parent[7];
	int rc, level;
	if (!actor_has(c->actor, ROLE_SYSADMIN))
		return E_FORBIDDEN;
	if ((rc = field_text(c, in, "code", "区划代码", 1, 1, 16, &code, NULL)) < 0 ||
	    (rc = field_text(c, in, "name", "区划名称", 1, 1, 64, &name, NULL)) < 0)
		return rc;
	if (!(level = ids_region_level(code, parent)))
		return ctx_fail(c, E_INVALID_REGION, "code",
				"区划代码“%s”不符合GB/T 2260规则：须为6位数字，前两位为省级代码", code);
	if (level > 1) {
		json_t *p;
		if (region_get(c, parent, &p) < 0)
			return ctx_fail(c, E_INVALID_REGION, "code", "上级区划%s不存在，请先添加",
					parent);
		json_decref(p);
	}
	struct db_val v[] = {DBT(code), DBT(name), level > 1 ? DBT(parent) : DBN, DBI(level)};
	rc = db_exec(c->db, "INSERT INTO regions (code, name, parent, level) VALUES (?, ?, ?, ?)",
		     v, 4, NULL);
	if (rc == DB_UNIQUE)
		return ctx_fail(c, E_DUPLICATE, "code", "区划代码%s已存在", code);
	if ((rc = ctx_db(c, rc)) < 0 ||
	    (rc = event_append(c, 0, 0, "region.create",
			       json_pack("{s:s,s:s}", "code", code, "name", name))) < 0)
		return rc;
	return region_get(c, code, out);
}

int org_region_update(struct ctx *c, const char *code, json_t *in, json_t **out)
{
	const char *name = NULL;
	json_t *old;
	int rc;
	if (!actor_has(c->actor, ROLE_SYSADMIN))
		return E_FORBIDDEN;
	if ((rc = region_get(c, code, &old)) < 0)
		return rc;
	json_decref(old);
	if ((rc = field_text(c, in, "name", "区划名称", 1, 1, 64, &name, NULL)) < 0)
		return rc;
	struct db_val v[] = {DBT(name), DBT(code)};
	if ((rc = ctx_db(c, db_exec(c->db, "UPDATE regions SET name = ? WHERE code = ?", v, 2,
				    NULL))) < 0 ||
	    (rc = event_append(c, 0, 0, "region.update",
			       json_pack("{s:s,s:s}", "code", code, "name", name))) < 0)
		return rc;
	return region_get(c, code, out);
}

/* ---- centers ---- */

#define CENTER_SELECT                                                                          \
	"SELECT ce.id, ce.region_code, r.name, ce.name, ce.address, ce.phone, ce.disabled, "   \
	"(SELECT COUNT(*) FROM units u WHERE u.center_id = ce.id), ce.warn_days, "             \
	"ce.followup_days "                                                                    \
	"FROM centers ce JOIN regions r ON r.code = ce.region_code "

static json_t *center_row(struct db_res *r)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:I}", "id", (json_int_t)db_int(r, 0),
			 "region_code", db_text(r, 1), "region_name", db_text(r, 2), "name",
			 db_text(r, 3), "address", db_text(r, 4), "phone", db_text(r, 5),
			 "disabled", (int)db_int(r, 6), "unit_count", (json_int_t)db_int(r, 7),
			 "warn_days", (json_int_t)db_int(r, 8), "followup_days",
			 (json_int_t)db_int(r, 9));
}

int org_center_list(struct ctx *c, const char *region, json_t **out)
{
	const struct actor *a = c->actor;
	int64_t own = access_own_center(c);
	/* the scope filter and the optional region filter, both as LIKE patterns */
	const char *scope = a && !actor_has(a, ROLE_SYSADMIN) && (a->roles & ROLE_SUPERVISOR)
				    ? access_region_like(c, a->scope_region)
				    : "%";
	const char *want = region && *region ? access_region_like(c, region) : "%";
	struct db_val p[] = {DBI(own), DBI(own), DBT(scope), DBT(want)};
	json_t *items;
	int rc = ctx_rows(c,
			  CENTER_SELECT "WHERE (? = 0 OR ce.id = ?) AND ce.region_code LIKE ? "
					"AND ce.region_code LIKE ? ORDER BY ce.region_code, ce.id",
			  p, 4, center_row, &items);
	if (rc == E_OK)
		*out = json_pack("{s:o}", "items", items);
	return rc;
}

int org_center_get(struct ctx *c, int64_t id, json_t **out)
{
	int rc = access_center(c, id, ACCESS_READ);
	if (rc < 0)
		return rc;
	struct db_val p[] = {DBI(id)};
	return ctx_one(c, CENTER_SELECT "WHERE ce.id = ?", p, 1, center_row, E_NOT_FOUND,
		       "政务服务中心不存在", out);
}

/* Name, address and phone of a center from in; required on create. */
static int center_fields(struct ctx *c, json_t *in, int create, const char **name,
			 const char **address, const char **phone)
{
	int rc;
	if ((rc = field_text(c, in, "name", "中心名称", create, 1, 64, name, NULL)) < 0 ||
	    (rc = field_text(c, in, "address", "地址", 0, 0, 200, address, NULL)) < 0 ||
	    (rc = field_ascii(c, in, "phone", "电话", 0, 0, 20, FIELD_PHONE, phone, NULL)) < 0)
		return rc;
	return E_OK;
}

int org_center_create(struct ctx *c, json_t *in, json_t **out)
{
	const char *region = NULL, *name = NULL, *address = "", *phone = "";
	int64_t id;
	json_t *reg;
	int rc;
	if (!actor_has(c->actor, ROLE_SYSADMIN))
		return E_FORBIDDEN;
	if ((rc = field_text(c, in, "region_code", "所属区划", 1, 1, 6, &region, NULL)) < 0 ||
	    (rc = center_fields(c, in, 1, &name, &address, &phone)) < 0)
		return rc;
	if (region_get(c, region, &reg) < 0)
		return ctx_fail(c, E_INVALID_REGION, "region_code", "行政区划%s不存在", region);
	json_decref(reg);
	struct db_val v[] = {DBT(region), DBT(name), DBT(address), DBT(phone), DBI(c->now)};
	rc = ctx_int(c,
		     "INSERT INTO centers (region_code, name, address, phone, created_at) "
		     "VALUES (?, ?, ?, ?, ?) RETURNING id",
		     v, 5, &id);
	if (rc == E_DUPLICATE)
		return ctx_fail(c, rc, "name", "政务服务中心“%s”已存在", name);
	if (rc < 0 || (rc = event_append(c, id, 0, "center.create",
					 json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id,
						   "region_code", region, "name", name))) < 0)
		return rc;
	return org_center_get(c, id, out);
}

int org_center_update(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	const char *name = NULL, *address = NULL, *phone = NULL;
	int disabled = 0, has_disabled = 0, has_warn = 0, has_followup = 0, rc;
	int64_t warn = 0, followup = 0;
	if ((rc = access_center(c, id, ACCESS_WRITE)) < 0 ||
	    (rc = center_fields(c, in, 0, &name, &address, &phone)) < 0 ||
	    (rc = field_bool(c, in, "disabled", "停用", &disabled, &has_disabled)) < 0 ||
	    (rc = field_int(c, in, "warn_days", "预警天数", 0, 0, 10, &warn, &has_warn)) < 0 ||
	    (rc = field_int(c, in, "followup_days", "差评整改期限", 0, 1, 30, &followup,
			    &has_followup)) < 0)
		return rc;
	if (has_disabled && !actor_has(c->actor, ROLE_SYSADMIN))
		return ctx_fail(c, E_FORBIDDEN, "disabled", "只有系统管理员可以停用政务服务中心");
	struct db_val v[] = {name ? DBT(name) : DBN,	   address ? DBT(address) : DBN,
			     phone ? DBT(phone) : DBN,	   has_disabled ? DBI(disabled) : DBN,
			     has_warn ? DBI(warn) : DBN,   has_followup ? DBI(followup) : DBN,
			     DBI(id)};
	rc = db_exec(c->db,
		     "UPDATE centers SET name = COALESCE(?, name), address = COALESCE(?, address), "
		     "phone = COALESCE(?, phone), disabled = COALESCE(?, disabled), "
		     "warn_days = COALESCE(?, warn_days), followup_days = COALESCE(?, followup_days) "
		     "WHERE id = ?",
		     v, 7, NULL);
	if (rc == DB_UNIQUE)
		return ctx_fail(c, E_DUPLICATE, "name", "政务服务中心“%s”已存在", name);
	if ((rc = ctx_db(c, rc)) < 0 ||
	    (rc = event_append(c, id, 0, "center.update",
			       field_pick(in, "name", "address", "phone", "disabled", "warn_days",
					  "followup_days", NULL))) < 0)
		return rc;
	return org_center_get(c, id, out);
}

/* ---- units ---- */

#define UNIT_SELECT                                                                            \
	"SELECT u.id, u.center_id, ce.name, u.code, u.name, u.disabled, "                      \
	"(SELECT COUNT(*) FROM users us WHERE us.unit_id = u.id) "                             \
	"FROM units u JOIN centers ce ON ce.id = u.center_id "

static json_t *unit_row(struct db_res *r)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:b,s:I}", "id", (json_int_t)db_int(r, 0),
			 "center_id", (json_int_t)db_int(r, 1), "center_name", db_text(r, 2),
			 "code", db_text(r, 3), "name", db_text(r, 4), "disabled",
			 (int)db_int(r, 5), "user_count", (json_int_t)db_int(r, 6));
}

int org_unit_center(struct ctx *c, int64_t unit_id, int64_t *center_id)
{
	struct db_val p[] = {DBI(unit_id)};
	int rc = ctx_int(c, "SELECT center_id FROM units WHERE id = ?", p, 1, center_id);
	if (rc == E_OK && !*center_id)
		return ctx_fail(c, E_NOT_FOUND, NULL, "窗口单位不存在");
	return rc;
}

int org_unit_list(struct ctx *c, int64_t center_id, json_t **out)
{
	const struct actor *a = c->actor;
	int64_t own = access_own_center(c);
	const char *scope = a && !actor_has(a, ROLE_SYSADMIN) && (a->roles & ROLE_SUPERVISOR)
				    ? access_region_like(c, a->scope_region)
				    : "%";
	struct db_val p[] = {DBI(own), DBI(own), DBT(scope), DBI(center_id), DBI(center_id)};
	json_t *items;
	int rc = ctx_rows(c,
			  UNIT_SELECT "WHERE (? = 0 OR u.center_id = ?) AND ce.region_code LIKE ? "
				      "AND (? = 0 OR u.center_id = ?) ORDER BY u.center_id, u.code",
			  p, 5, unit_row, &items);
	if (rc == E_OK)
		*out = json_pack("{s:o}", "items", items);
	return rc;
}

int org_unit_get(struct ctx *c, int64_t id, json_t **out)
{
	int64_t center;
	int rc;
	if ((rc = org_unit_center(c, id, &center)) < 0 ||
	    (rc = access_center(c, center, ACCESS_READ)) < 0)
		return rc;
	struct db_val p[] = {DBI(id)};
	return ctx_one(c, UNIT_SELECT "WHERE u.id = ?", p, 1, unit_row, E_NOT_FOUND,
		       "窗口单位不存在", out);
}

int org_unit_create(struct ctx *c, json_t *in, json_t **out)
{
	const char *code = NULL, *name = NULL, *username = NULL;
	int64_t center = 0, id;
	json_t *unit = NULL, *ce = NULL, *user = NULL;
	int rc;
	if ((rc = field_int(c, in, "center_id", "所属中心", 1, 1, INT64_MAX, &center, NULL)) < 0 ||
	    (rc = access_center(c, center, ACCESS_WRITE)) < 0 ||
	    (rc = field_ascii(c, in, "code", "单位代码", 1, 2, 16, FIELD_CODE, &code, NULL)) < 0 ||
	    (rc = field_text(c, in, "name", "单位名称", 1, 1, 64, &name, NULL)) < 0 ||
	    (rc = field_ascii(c, in, "default_username", "默认用户名", 0, 3, 32, FIELD_USERNAME,
			      &username, NULL)) < 0)
		return rc;
	struct db_val v[] = {DBI(center), DBT(code), DBT(name), DBI(c->now)};
	rc = ctx_int(c,
		     "INSERT INTO units (center_id, code, name, created_at) VALUES (?, ?, ?, ?) "
		     "RETURNING id",
		     v, 4, &id);
	if (rc == E_DUPLICATE)
		return ctx_fail(c, rc, "code", "本中心已有代码为“%s”或名称为“%s”的单位", code, name);
	if (rc < 0 || (rc = event_append(c, center, 0, "unit.create",
					 json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "code",
						   code, "name", name))) < 0)
		return rc;
	if (!username) {
		if ((rc = org_center_get(c, center, &ce)) < 0)
			return rc;
		username = arena_printf(c->arena, "%s%s",
					json_string_value(json_object_get(ce, "region_code")), code);
		json_decref(ce);
	}
	/* R2.6: every unit starts with one default user, who administers it */
	json_t *uin = json_pack("{s:s,s:s,s:[sss],s:I,s:I,s:b}", "username", username, "name",
				name, "roles", "unit_admin", "clerk", "handler", "center_id",
				(json_int_t)center, "unit_id", (json_int_t)id, "in_center", 1);
	rc = user_create(c, uin, &user);
	json_decref(uin);
	if (rc < 0) {
		if (c->fail_field && !strcmp(c->fail_field, "username"))
			c->fail_field = "default_username";
		return rc;
	}
	if ((rc = org_unit_get(c, id, &unit)) < 0) {
		json_decref(user);
		return rc;
	}
	*out = json_pack("{s:o,s:o}", "unit", unit, "default_user", user);
	return E_OK;
}

int org_unit_update(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	const char *name = NULL;
	int64_t center;
	int disabled = 0, has_disabled = 0, rc;
	if ((rc = org_unit_center(c, id, &center)) < 0 ||
	    (rc = access_center(c, center, ACCESS_WRITE)) < 0 ||
	    (rc = field_text(c, in, "name", "单位名称", 0, 1, 64, &name, NULL)) < 0 ||
	    (rc = field_bool(c, in, "disabled", "停用", &disabled, &has_disabled)) < 0)
		return rc;
	struct db_val v[] = {name ? DBT(name) : DBN, has_disabled ? DBI(disabled) : DBN, DBI(id)};
	rc = db_exec(c->db,
		     "UPDATE units SET name = COALESCE(?, name), disabled = COALESCE(?, disabled) "
		     "WHERE id = ?",
		     v, 3, NULL);
	if (rc == DB_UNIQUE)
		return ctx_fail(c, E_DUPLICATE, "name", "本中心已有名称为“%s”的单位", name);
	if ((rc = ctx_db(c, rc)) < 0 ||
	    (rc = event_append(c, center, 0, "unit.update",
			       json_pack("{s:I,s:o}", "id", (json_int_t)id, "changes",
					 field_pick(in, "name", "disabled", NULL)))) < 0)
		return rc;
	return org_unit_get(c, id, out);
}
