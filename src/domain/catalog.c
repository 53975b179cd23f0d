/*
 * catalog.c - approval items and their required materials; see catalog.h.
 */
#include "domain/catalog.h"

#include <string.h>

#include "domain/access.h"
#include "domain/event.h"

#define GUIDE_MAX	2000
#define ITEM_CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

/* ---- reading ---- */

#define ITEM_SELECT                                                                                \
	"SELECT i.id, i.center_id, ce.name, i.unit_id, un.name, i.code, i.name, i.kind, "          \
	"i.statutory_days, i.promised_days, i.entered, i.authorized, i.basis, i.conditions, "      \
	"i.fees, i.place_time, i.investment, i.disabled, i.created_at, i.updated_at, "             \
	"(SELECT COUNT(*) FROM item_materials m WHERE m.item_id = i.id), i.warn_days "             \
	"FROM items i JOIN units un ON un.id = i.unit_id JOIN centers ce ON ce.id = i.center_id "

static json_t *item_row(struct db_res *r)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:b,s:b}", "id",
			      (json_int_t)db_int(r, 0), "center_id", (json_int_t)db_int(r, 1),
			      "center_name", db_text(r, 2), "unit_id", (json_int_t)db_int(r, 3),
			      "unit_name", db_text(r, 4), "code", db_text(r, 5), "name",
			      db_text(r, 6), "kind", db_text(r, 7), "statutory_days",
			      (json_int_t)db_int(r, 8), "promised_days", (json_int_t)db_int(r, 9),
			      "entered", (int)db_int(r, 10), "authorized", (int)db_int(r, 11));
	json_t *more =
	    json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:I,s:I,s:I}", "basis", db_text(r, 12),
		      "conditions", db_text(r, 13), "fees", db_text(r, 14), "place_time",
		      db_text(r, 15), "investment", (int)db_int(r, 16), "disabled",
		      (int)db_int(r, 17), "created_at", (json_int_t)db_int(r, 18), "updated_at",
		      (json_int_t)db_int(r, 19), "material_count", (json_int_t)db_int(r, 20));
	json_object_update(o, more);
	json_decref(more);
	json_object_set_new(o, "warn_days",
			    db_isnull(r, 21) ? json_null() : json_integer(db_int(r, 21)));
	return o;
}

static json_t *material_row(struct db_res *r)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:I,s:b,s:s}", "id", (json_int_t)db_int(r, 0), "seq",
			 (json_int_t)db_int(r, 1), "name", db_text(r, 2), "form", db_text(r, 3),
			 "copies", (json_int_t)db_int(r, 4), "required", (int)db_int(r, 5), "notes",
			 db_text(r, 6));
}

/* The item's row as JSON without materials, checking nothing. */
static int item_load(struct ctx *c, int64_t id, json_t **out)
{
	struct db_val p[] = {DBI(id)};
	return ctx_one(c, ITEM_SELECT "WHERE i.id = ?", p, 1, item_row, E_NOT_FOUND,
		       "审批事项不存在", out);
}

int catalog_get(struct ctx *c, int64_t id, json_t **out)
{
	json_t *item = NULL, *mats = NULL;
	int rc;
	if ((rc = item_load(c, id, &item)) < 0)
		return rc;
	struct db_val p[] = {DBI(id)};
	if ((rc = access_center(c, json_integer_value(json_object_get(item, "center_id")),
				ACCESS_READ)) < 0 ||
	    (rc =
		 ctx_rows(c,
			  "SELECT id, seq, name, form, copies, required, notes FROM item_materials "
			  "WHERE item_id = ? ORDER BY seq",
			  p, 1, material_row, &mats)) < 0) {
		json_decref(item);
		return rc;
	}
	json_object_set_new(item, "materials", mats);
	*out = item;
	return E_OK;
}

int catalog_list(struct ctx *c, const struct catalog_filter *f, const struct page *pg, json_t **out)
{
	const struct actor *a = c->actor;
	int64_t own = access_own_center(c);
	const char *scope = a && !actor_has(a, ROLE_SYSADMIN) && (a->roles & ROLE_SUPERVISOR)
				? access_region_like(c, a->scope_region)
				: "%";
	const char *kind = f->kind ? f->kind : "";
	const char *q = f->q && *f->q ? field_like(c, f->q) : "";
	struct db_val p[] = {DBI(own),
			     DBI(own),
			     DBT(scope),
			     DBI(f->center_id),
			     DBI(f->center_id),
			     DBI(f->unit_id),
			     DBI(f->unit_id),
			     DBT(kind),
			     DBT(kind),
			     DBI(f->include_disabled ? 1 : 0),
			     DBT(q),
			     DBT(q),
			     DBT(q)};
	struct ctx_list l = {
	    .select = ITEM_SELECT,
	    .from = "items i JOIN centers ce ON ce.id = i.center_id",
	    .where = "WHERE (? = 0 OR i.center_id = ?) AND ce.region_code LIKE ? AND (? = 0 OR "
		     "i.center_id = ?) AND (? = 0 OR i.unit_id = ?) AND (? = '' OR i.kind = ?) "
		     "AND (? = 1 OR i.disabled = 0) AND (? = '' OR LOWER(i.code) LIKE LOWER(?) "
		     "ESCAPE '\\' OR LOWER(i.name) LIKE LOWER(?) ESCAPE '\\')",
	    .p = p,
	    .n = 13,
	    .order = "i.center_id, i.unit_id, i.code, i.id",
	    .row = item_row};
	return ctx_list(c, &l, pg, out);
}

/* ---- writing ---- */

struct item_in {
	int64_t unit_id, center_id;
	const char *code, *name, *kind, *basis, *conditions, *fees, *place_time;
	int64_t statutory, promised;
	int64_t warn_days; /* -1: the center's */
	int entered, authorized, investment, disabled;
};

/* The warning threshold as a parameter: NULL for the center's. */
#define WARN(it) ((it).warn_days < 0 ? DBN : DBI((it).warn_days))

/* Sysadmin, the center admin of the center, or the unit admin of the unit. */
static int item_may_write(struct ctx *c, int64_t center_id, int64_t unit_id)
{
	const struct actor *a = c->actor;
	if (!a || actor_has(a, ROLE_SYSADMIN))
		return E_OK;
	if ((a->roles & ROLE_CENTER_ADMIN) && a->center_id == center_id)
		return E_OK;
	if ((a->roles & ROLE_UNIT_ADMIN) && a->unit_id == unit_id)
		return E_OK;
	return ctx_fail(c, E_FORBIDDEN, NULL, "只能维护本单位（中心管理员：本中心）的审批事项");
}

int catalog_access(struct ctx *c, int64_t id, enum access_mode mode, int64_t *center_id)
{
	json_t *item;
	int rc;
	if ((rc = item_load(c, id, &item)) < 0)
		return rc;
	int64_t center = json_integer_value(json_object_get(item, "center_id"));
	int64_t unit = json_integer_value(json_object_get(item, "unit_id"));
	json_decref(item);
	if ((rc = access_center(c, center, ACCESS_READ)) < 0 ||
	    (mode == ACCESS_WRITE && (rc = item_may_write(c, center, unit)) < 0))
		return rc;
	if (center_id)
		*center_id = center;
	return E_OK;
}

/* Read the fields given in `in` over it (absent ones keep their value) and check the whole
 * item. create: the fields without a default are required. */
static int item_fields(struct ctx *c, json_t *in, int create, struct item_in *it)
{
	int has_promised = 0, rc;
	if ((rc = field_ascii(c, in, "code", "事项编码", create, 1, 32, ITEM_CODE_CHARS, &it->code,
			      NULL)) < 0 ||
	    (rc = field_text(c, in, "name", "事项名称", create, 1, 100, &it->name, NULL)) < 0 ||
	    (rc = field_text(c, in, "kind", "办件类型", create, 1, 16, &it->kind, NULL)) < 0)
		return rc;
	if (strcmp(it->kind, "immediate") && strcmp(it->kind, "promised"))
		return ctx_fail(c, E_INVALID, "kind",
				"办件类型须为即办件（immediate）或承诺件（promised）");
	if ((rc = field_int(c, in, "statutory_days", "法定时限（工作日）", create, 0,
			    CATALOG_MAX_DAYS, &it->statutory, NULL)) < 0 ||
	    (rc = field_int(c, in, "promised_days", "承诺时限（工作日）", 0, 0, CATALOG_MAX_DAYS,
			    &it->promised, &has_promised)) < 0 ||
	    (rc = field_bool(c, in, "entered", "进驻中心", &it->entered, NULL)) < 0 ||
	    (rc = field_bool(c, in, "authorized", "窗口授权", &it->authorized, NULL)) < 0 ||
	    (rc = field_bool(c, in, "investment", "投资项目", &it->investment, NULL)) < 0 ||
	    (rc = field_bool(c, in, "disabled", "停用", &it->disabled, NULL)) < 0 ||
	    (rc = field_lines(c, in, "basis", "设定依据", 0, 0, GUIDE_MAX, &it->basis, NULL)) < 0 ||
	    (rc = field_lines(c, in, "conditions", "办理条件", 0, 0, GUIDE_MAX, &it->conditions,
			     NULL)) < 0 ||
	    (rc = field_lines(c, in, "fees", "收费标准", 0, 0, GUIDE_MAX, &it->fees, NULL)) < 0 ||
	    (rc = field_lines(c, in, "place_time", "办理地点和时间", 0, 0, GUIDE_MAX,
			     &it->place_time, NULL)) < 0)
		return rc;
	if (!strcmp(it->kind, "immediate")) {
		/* done on the spot: no promised time to count */
		if (has_promised && it->promised != 0)
			return ctx_fail(c, E_INVALID, "promised_days",
					"即办件当场办结，承诺时限须为0（现为%lld）",
					(long long)it->promised);
		it->promised = 0;
	} else {
		if (it->statutory < 1)
			return ctx_fail(c, E_INVALID, "statutory_days",
					"承诺件的法定时限须至少为1个工作日");
		if (it->promised < 1)
			return ctx_fail(c, E_INVALID, "promised_days",
					"承诺件的承诺时限须至少为1个工作日");
		if (it->promised > it->statutory)
			return ctx_fail(c, E_INVALID, "promised_days",
					"承诺时限(%lld)不能超过法定时限(%lld)",
					(long long)it->promised, (long long)it->statutory);
	}
	if (it->authorized && !it->entered)
		return ctx_fail(c, E_INVALID, "authorized", "未进驻中心的事项不能设为窗口授权");
	/* the warning threshold: a number of working days, or null for the center's */
	if (json_is_null(json_object_get(in, "warn_days")))
		it->warn_days = -1;
	else if ((rc = field_int(c, in, "warn_days", "预警天数", 0, 0, 10, &it->warn_days, NULL)) < 0)
		return rc;
	return E_OK;
}

/* A material's field failed: name the material in the field and the message. */
static int material_fail(struct ctx *c, size_t i, int rc)
{
	c->fail_field =
	    arena_printf(c->arena, "materials.%zu.%s", i, c->fail_field ? c->fail_field : "");
	c->fail_message = arena_printf(c->arena, "第%zu项材料：%s", i + 1,
				       c->fail_message ? c->fail_message : "填写有误");
	return rc;
}

struct material {
	const char *name, *form, *notes;
	int64_t copies;
	int required;
};

/* Parse and check the array `mats` into *out (n of them, in the arena). */
static int materials_parse(struct ctx *c, json_t *mats, struct material **out, size_t *n)
{
	struct material *ms;
	size_t i;
	json_t *m;
	int rc;
	if (!json_is_array(mats))
		return ctx_fail(c, E_INVALID, "materials", "应交材料须为列表");
	if ((*n = json_array_size(mats)) > CATALOG_MAX_MATERIALS)
		return ctx_fail(c, E_INVALID, "materials", "应交材料不能超过%d项（现有%zu项）",
				CATALOG_MAX_MATERIALS, *n);
	ms = arena_alloc(c->arena, (*n ? *n : 1) * sizeof(*ms));
	json_array_foreach(mats, i, m)
	{
		struct material *t = &ms[i];
		*t = (struct material){.form = "original", .notes = "", .copies = 1, .required = 1};
		if (!json_is_object(m))
			return material_fail(c, i, ctx_fail(c, E_INVALID, NULL, "材料须为对象"));
		if ((rc = field_text(c, m, "name", "材料名称", 1, 1, 100, &t->name, NULL)) < 0 ||
		    (rc = field_text(c, m, "form", "材料形式", 0, 1, 16, &t->form, NULL)) < 0 ||
		    (rc = field_int(c, m, "copies", "份数", 0, 1, 99, &t->copies, NULL)) < 0 ||
		    (rc = field_bool(c, m, "required", "是否必交", &t->required, NULL)) < 0 ||
		    (rc = field_text(c, m, "notes", "备注", 0, 0, 500, &t->notes, NULL)) < 0)
			return material_fail(c, i, rc);
		if (strcmp(t->form, "original") && strcmp(t->form, "copy") &&
		    strcmp(t->form, "both"))
			return material_fail(c, i,
					     ctx_fail(c, E_INVALID, "form",
						      "材料形式须为原件、复印件或原件和复印件"));
	}
	*out = ms;
	return E_OK;
}

/* Replace the item's materials with ms[0..n). */
static int materials_write(struct ctx *c, int64_t item_id, const struct material *ms, size_t n)
{
	struct db_val d[] = {DBI(item_id)};
	int rc =
	    ctx_db(c, db_exec(c->db, "DELETE FROM item_materials WHERE item_id = ?", d, 1, NULL));
	for (size_t i = 0; rc == E_OK && i < n; i++) {
		struct db_val v[] = {DBI(item_id),    DBI(i + 1),	 DBT(ms[i].name),
				     DBT(ms[i].form), DBI(ms[i].copies), DBI(ms[i].required),
				     DBT(ms[i].notes)};
		rc = ctx_db(c,
			    db_exec(c->db,
				    "INSERT INTO item_materials (item_id, seq, name, form, copies, "
				    "required, notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
				    v, 7, NULL));
	}
	return rc;
}

/* The materials of `in`, when given: *present says whether. */
static int item_materials_in(struct ctx *c, json_t *in, struct material **ms, size_t *n,
			     int *present)
{
	json_t *mats = json_object_get(in, "materials");
	*present = mats && !json_is_null(mats);
	*n = 0;
	*ms = NULL;
	return *present ? materials_parse(c, mats, ms, n) : E_OK;
}

static int item_duplicate(struct ctx *c, const char *code)
{
	return ctx_fail(c, E_DUPLICATE, "code", "本中心已有编码为“%s”的审批事项", code);
}

int catalog_create(struct ctx *c, json_t *in, json_t **out)
{
	struct item_in it = {
	    .basis = "", .conditions = "", .fees = "", .place_time = "", .warn_days = -1};
	struct material *ms;
	size_t n;
	int64_t id, disabled_unit = 0;
	int has_mats, rc;
	if ((rc = field_int(c, in, "unit_id", "所属单位", 1, 1, INT64_MAX, &it.unit_id, NULL)) < 0)
		return rc;
	struct db_val u[] = {DBI(it.unit_id)};
	if ((rc = ctx_int(c, "SELECT center_id FROM units WHERE id = ?", u, 1, &it.center_id)) < 0)
		return rc;
	if (!it.center_id)
		return ctx_fail(c, E_INVALID, "unit_id", "所属单位不存在");
	if ((rc = access_center(c, it.center_id, ACCESS_READ)) < 0 ||
	    (rc = item_may_write(c, it.center_id, it.unit_id)) < 0 ||
	    (rc = ctx_int(c, "SELECT disabled FROM units WHERE id = ?", u, 1, &disabled_unit)) < 0)
		return rc;
	if (disabled_unit)
		return ctx_fail(c, E_INVALID, "unit_id", "所属单位已停用，不能添加审批事项");
	if ((rc = item_fields(c, in, 1, &it)) < 0 ||
	    (rc = item_materials_in(c, in, &ms, &n, &has_mats)) < 0)
		return rc;
	struct db_val v[] = {DBI(it.center_id),	 DBI(it.unit_id),    DBT(it.code),
			     DBT(it.name),	 DBT(it.kind),	     DBI(it.statutory),
			     DBI(it.promised),	 DBI(it.entered),    DBI(it.authorized),
			     DBT(it.basis),	 DBT(it.conditions), DBT(it.fees),
			     DBT(it.place_time), DBI(it.investment), DBI(it.disabled),
			     DBI(c->now),	 DBI(c->now),	     WARN(it)};
	rc = ctx_int(c,
		     "INSERT INTO items (center_id, unit_id, code, name, kind, statutory_days, "
		     "promised_days, entered, authorized, basis, conditions, fees, place_time, "
		     "investment, disabled, created_at, updated_at, warn_days) "
		     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		     v, 18, &id);
	if (rc == E_DUPLICATE)
		return item_duplicate(c, it.code);
	if (rc < 0 || (rc = materials_write(c, id, ms, n)) < 0 ||
	    (rc = event_append(c, it.center_id, 0, "item.create",
			       json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:I,s:I}", "id", (json_int_t)id,
					 "unit_id", (json_int_t)it.unit_id, "code", it.code, "name",
					 it.name, "kind", it.kind, "statutory_days",
					 (json_int_t)it.statutory, "promised_days",
					 (json_int_t)it.promised, "materials", (json_int_t)n))) < 0)
		return rc;
	return catalog_get(c, id, out);
}

/* The current values of item `o` (from item_load) as the base of an update. */
static void item_current(struct ctx *c, json_t *o, struct item_in *it)
{
#define S(k) arena_strdup(c->arena, json_string_value(json_object_get(o, k)))
#define I(k) json_integer_value(json_object_get(o, k))
#define B(k) json_is_true(json_object_get(o, k))
	*it = (struct item_in){
	    .unit_id = I("unit_id"),
	    .center_id = I("center_id"),
	    .code = S("code"),
	    .name = S("name"),
	    .kind = S("kind"),
	    .basis = S("basis"),
	    .conditions = S("conditions"),
	    .fees = S("fees"),
	    .place_time = S("place_time"),
	    .statutory = I("statutory_days"),
	    .promised = I("promised_days"),
	    .entered = B("entered"),
	    .authorized = B("authorized"),
	    .investment = B("investment"),
	    .disabled = B("disabled"),
	    .warn_days = json_is_integer(json_object_get(o, "warn_days")) ? I("warn_days") : -1,
	};
#undef S
#undef I
#undef B
}

int catalog_update(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	struct item_in it;
	struct material *ms;
	size_t n;
	json_t *old;
	int has_mats, rc;
	if ((rc = item_load(c, id, &old)) < 0)
		return rc;
	item_current(c, old, &it);
	json_decref(old);
	if ((rc = access_center(c, it.center_id, ACCESS_READ)) < 0 ||
	    (rc = item_may_write(c, it.center_id, it.unit_id)) < 0)
		return rc;
	if (json_object_get(in, "unit_id") &&
	    json_integer_value(json_object_get(in, "unit_id")) != it.unit_id)
		return ctx_fail(c, E_INVALID, "unit_id", "审批事项的所属单位不能更改");
	if ((rc = item_fields(c, in, 0, &it)) < 0 ||
	    (rc = item_materials_in(c, in, &ms, &n, &has_mats)) < 0)
		return rc;
	struct db_val v[] = {DBT(it.code),	 DBT(it.name),	     DBT(it.kind),
			     DBI(it.statutory),	 DBI(it.promised),   DBI(it.entered),
			     DBI(it.authorized), DBT(it.basis),	     DBT(it.conditions),
			     DBT(it.fees),	 DBT(it.place_time), DBI(it.investment),
			     DBI(it.disabled),	 DBI(c->now),	     WARN(it),
			     DBI(id)};
	rc = db_exec(c->db,
		     "UPDATE items SET code = ?, name = ?, kind = ?, statutory_days = ?, "
		     "promised_days = ?, entered = ?, authorized = ?, basis = ?, conditions = ?, "
		     "fees = ?, place_time = ?, investment = ?, disabled = ?, updated_at = ?, "
		     "warn_days = ? WHERE id = ?",
		     v, 16, NULL);
	if (rc == DB_UNIQUE)
		return item_duplicate(c, it.code);
	if ((rc = ctx_db(c, rc)) < 0 || (has_mats && (rc = materials_write(c, id, ms, n)) < 0))
		return rc;
	json_t *changes = field_pick(in, "code", "name", "kind", "statutory_days", "promised_days",
				     "entered", "authorized", "basis", "conditions", "fees",
				     "place_time", "investment", "disabled", "warn_days", NULL);
	if (has_mats)
		json_object_set_new(changes, "materials", json_integer((json_int_t)n));
	if ((rc = event_append(c, it.center_id, 0, "item.update",
			       json_pack("{s:I,s:o}", "id", (json_int_t)id, "changes", changes))) <
	    0)
		return rc;
	return catalog_get(c, id, out);
}
