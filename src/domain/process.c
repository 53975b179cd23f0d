/*
 * process.c - versioned processes of promised items; see process.h and docs/process.md.
 */
#include "domain/process.h"

#include <string.h>

#include "domain/access.h"
#include "domain/event.h"
#include "domain/field.h"
#include "domain/flowchart.h"

#define NAME_MAX_CHARS 32
#define TEXT_MAX_CHARS 200

/* The item a process belongs to. */
struct pitem {
	int64_t id, center_id, unit_id;
	const char *name, *code, *kind, *unit_name;
	int promised;
};

/* One step, as read from input or from the database. */
/* A version's header; id 0 for the default process. */
struct pversion {
	int64_t id, version, created_at;
	const char *name, *created_by_name;
};

/* ---- the item ---- */

static int item_load(struct ctx *c, int64_t id, struct pitem *it)
{
	struct db_res *r;
	struct db_val p[] = {DBI(id)};
	int rc = db_query(c->db, &r,
			  "SELECT i.id, i.center_id, i.unit_id, i.name, i.code, i.kind, "
			  "i.promised_days, u.name FROM items i JOIN units u ON u.id = i.unit_id "
			  "WHERE i.id = ?",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		it->id = db_int(r, 0);
		it->center_id = db_int(r, 1);
		it->unit_id = db_int(r, 2);
		it->name = arena_strdup(c->arena, db_text(r, 3));
		it->code = arena_strdup(c->arena, db_text(r, 4));
		it->kind = arena_strdup(c->arena, db_text(r, 5));
		it->promised = (int)db_int(r, 6);
		it->unit_name = arena_strdup(c->arena, db_text(r, 7));
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	if (rc == 0)
		return ctx_fail(c, E_NOT_FOUND, NULL, "审批事项不存在");
	return E_OK;
}

/* Load the item, check the actor may read (or write) it and that it has a process. */
static int item_open(struct ctx *c, int64_t id, enum access_mode mode, struct pitem *it)
{
	const struct actor *a = c->actor;
	int rc;
	if ((rc = item_load(c, id, it)) < 0 || (rc = access_center(c, it->center_id, ACCESS_READ)) < 0)
		return rc;
	if (mode == ACCESS_WRITE && a && !actor_has(a, ROLE_SYSADMIN) &&
	    !((a->roles & ROLE_CENTER_ADMIN) && a->center_id == it->center_id) &&
	    !((a->roles & ROLE_UNIT_ADMIN) && a->unit_id == it->unit_id))
		return ctx_fail(c, E_FORBIDDEN, NULL,
				"只能配置本单位（中心管理员：本中心）审批事项的流程");
	if (strcmp(it->kind, "promised"))
		return ctx_fail(c, E_INVALID, NULL, "即办事项无需配置流程");
	return E_OK;
}

static json_t *item_json(const struct pitem *it)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:s,s:I}", "id", (json_int_t)it->id, "code",
			 it->code, "name", it->name, "kind", it->kind, "promised_days",
			 (json_int_t)it->promised, "unit_id", (json_int_t)it->unit_id, "unit_name",
			 it->unit_name, "center_id", (json_int_t)it->center_id);
}

/* ---- reading input ---- */

/* Re-label the failure of step i's field reader as "steps[i].<field>" / "第i+1个环节：…". */
static int step_fail(struct ctx *c, size_t i, int rc)
{
	c->fail_field = c->fail_field ? arena_printf(c->arena, "steps[%zu].%s", i, c->fail_field)
				      : arena_printf(c->arena, "steps[%zu]", i);
	c->fail_message = arena_printf(c->arena, "第%zu个环节：%s", i + 1,
				       c->fail_message ? c->fail_message : "数据格式不正确");
	return rc;
}

static int step_parse(struct ctx *c, json_t *o, struct process_step *s)
{
	int64_t stage = 0, handler = 0, limit = 0, tdays = 0;
	const char *kind = NULL;
	int rc;
	s->transfer_desc = s->remarks = "";
	if (!json_is_object(o))
		return ctx_fail(c, E_INVALID, NULL, "环节须为对象");
	if ((rc = field_int(c, o, "stage", "阶段", 1, 1, PROCESS_MAX_STEPS, &stage, NULL)) < 0 ||
	    (rc = field_text(c, o, "name", "环节名称", 1, 1, NAME_MAX_CHARS, &s->name, NULL)) < 0 ||
	    (rc = field_text(c, o, "kind", "环节类型", 1, 1, 16, &kind, NULL)) < 0)
		return rc;
	if (strcmp(kind, "accept") && strcmp(kind, "approve") && strcmp(kind, "transfer_out") &&
	    strcmp(kind, "complete"))
		return ctx_fail(c, E_INVALID, "kind",
				"环节类型须为受理(accept)、审批(approve)、转外(transfer_out)或办结(complete)");
	if ((rc = field_int(c, o, "handler_id", "承办人", 0, 1, INT64_MAX, &handler, NULL)) < 0 ||
	    (rc = field_int(c, o, "limit_days", "环节时限", 0, 0, PROCESS_MAX_DAYS, &limit, NULL)) < 0 ||
	    (rc = field_text(c, o, "transfer_desc", "转外说明", 0, 0, TEXT_MAX_CHARS,
			     &s->transfer_desc, NULL)) < 0 ||
	    (rc = field_int(c, o, "transfer_days", "转外时限", 0, 0, PROCESS_MAX_DAYS, &tdays,
			    NULL)) < 0 ||
	    (rc = field_text(c, o, "remarks", "备注", 0, 0, TEXT_MAX_CHARS, &s->remarks, NULL)) < 0)
		return rc;
	s->stage = (int)stage;
	s->kind = kind;
	s->handler_id = handler;
	s->handler_name = "";
	s->limit_days = (int)limit;
	s->transfer_days = (int)tdays;
	return E_OK;
}

/* The well-formed steps of in["steps"]: an array of at most PROCESS_MAX_STEPS objects. */
static int steps_parse(struct ctx *c, json_t *in, struct process_step **out, size_t *n)
{
	json_t *arr = json_object_get(in, "steps");
	if (!json_is_array(arr))
		return ctx_fail(c, E_INVALID, "steps", "请提供流程环节列表(steps)");
	*n = json_array_size(arr);
	if (*n > PROCESS_MAX_STEPS)
		return ctx_fail(c, E_INVALID, "steps", "流程最多%d个环节，现有%zu个",
				PROCESS_MAX_STEPS, *n);
	*out = arena_alloc(c->arena, (*n + 1) * sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		int rc = step_parse(c, json_array_get(arr, i), &(*out)[i]);
		if (rc < 0)
			return step_fail(c, i, rc);
	}
	return E_OK;
}

/* ---- the rules ---- */

/* The promised days the steps take: per stage its longest non-transfer step. Steps are in
 * stage order. */
static int steps_total(const struct process_step *s, size_t n)
{
	int total = 0;
	for (size_t i = 0; i < n;) {
		int longest = 0;
		size_t j = i;
		for (; j < n && s[j].stage == s[i].stage; j++)
			if (strcmp(s[j].kind, "transfer_out") && s[j].limit_days > longest)
				longest = s[j].limit_days;
		total += longest;
		i = j;
	}
	return total;
}

/* Stages 1..n in order, stage 1 one accept step, the last stage one complete step, approve
 * and transfer-out steps between them, at least one approve step. */
static int check_shape(struct ctx *c, const struct process_step *s, size_t n)
{
	size_t accepts = 0, completes = 0, approves = 0;
	for (size_t i = 0; i < n; i++) {
		accepts += !strcmp(s[i].kind, "accept");
		completes += !strcmp(s[i].kind, "complete");
		approves += !strcmp(s[i].kind, "approve");
	}
	if (!accepts)
		return ctx_fail(c, E_INVALID, "steps", "流程缺少受理环节：第1阶段须为受理环节");
	if (!completes)
		return ctx_fail(c, E_INVALID, "steps", "流程缺少办结环节：最后一个阶段须为办结环节");
	if (!approves)
		return ctx_fail(c, E_INVALID, "steps", "流程须至少有一个审批环节");
	if (s[0].stage != 1)
		return ctx_fail(c, E_INVALID, "steps[0].stage",
				"第1个环节须在第1阶段（现为第%d阶段）：阶段须从1起连续编号", s[0].stage);
	for (size_t i = 1; i < n; i++) {
		if (s[i].stage < s[i - 1].stage)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].stage", i),
					"第%zu个环节的阶段(%d)小于前一环节的阶段(%d)：环节须按阶段顺序排列，"
					"流程只能向前，不能回退或成环",
					i + 1, s[i].stage, s[i - 1].stage);
		if (s[i].stage > s[i - 1].stage + 1)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].stage", i),
					"第%zu个环节的阶段(%d)与前一环节的阶段(%d)之间缺少阶段：阶段须从1起"
					"连续编号",
					i + 1, s[i].stage, s[i - 1].stage);
	}
	int last = s[n - 1].stage;
	for (size_t i = 0; i < n; i++) {
		const char *f = arena_printf(c->arena, "steps[%zu].kind", i);
		int is_accept = !strcmp(s[i].kind, "accept"), is_complete = !strcmp(s[i].kind, "complete");
		if (s[i].stage == 1 && !is_accept)
			return ctx_fail(c, E_INVALID, f,
					"第%zu个环节（%s）：第1阶段只能是一个受理环节", i + 1, s[i].name);
		if (s[i].stage != 1 && is_accept)
			return ctx_fail(c, E_INVALID, f,
					"第%zu个环节（%s）：受理环节只能在第1阶段，且只能有一个", i + 1,
					s[i].name);
		if (s[i].stage == last && !is_complete)
			return ctx_fail(c, E_INVALID, f,
					"第%zu个环节（%s）：最后一个阶段（第%d阶段）只能是一个办结环节",
					i + 1, s[i].name, last);
		if (s[i].stage != last && is_complete)
			return ctx_fail(c, E_INVALID, f,
					"第%zu个环节（%s）：办结环节只能在最后一个阶段，且只能有一个",
					i + 1, s[i].name);
	}
	if (accepts > 1)
		return ctx_fail(c, E_INVALID, "steps", "第1阶段只能有一个受理环节");
	if (completes > 1)
		return ctx_fail(c, E_INVALID, "steps", "最后一个阶段只能有一个办结环节");
	return E_OK;
}

/* A handler must be an enabled user of the item's unit with the handler role. */
static int check_handler(struct ctx *c, const struct pitem *it, size_t i, struct process_step *s)
{
	const char *f = arena_printf(c->arena, "steps[%zu].handler_id", i);
	struct db_res *r;
	struct db_val p[] = {DBI(s->handler_id)};
	int64_t unit = 0, roles = 0, disabled = 0;
	const char *name = "";
	int rc = db_query(c->db, &r, "SELECT unit_id, roles, disabled, name FROM users WHERE id = ?",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		unit = db_isnull(r, 0) ? 0 : db_int(r, 0);
		roles = db_int(r, 1);
		disabled = db_int(r, 2);
		name = arena_strdup(c->arena, db_text(r, 3));
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	if (rc == 0 || unit != it->unit_id)
		return ctx_fail(c, E_INVALID, f,
				"第%zu个环节（%s）：承办人须为本单位（%s）的人员", i + 1, s->name,
				it->unit_name);
	if (disabled)
		return ctx_fail(c, E_INVALID, f, "第%zu个环节（%s）：承办人“%s”的账号已停用", i + 1,
				s->name, name);
	if (!(roles & ROLE_HANDLER))
		return ctx_fail(c, E_INVALID, f,
				"第%zu个环节（%s）：用户“%s”没有承办人角色，不能承办环节", i + 1,
				s->name, name);
	s->handler_name = name;
	return E_OK;
}

static int check_step(struct ctx *c, const struct pitem *it, size_t i, struct process_step *s)
{
	int transfer = !strcmp(s->kind, "transfer_out");
	if (!strcmp(s->kind, "approve") && !s->handler_id)
		return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].handler_id", i),
				"第%zu个环节（%s）：审批环节须指定承办人", i + 1, s->name);
	if (s->handler_id) {
		int rc = check_handler(c, it, i, s);
		if (rc < 0)
			return rc;
	}
	if (transfer && !*s->transfer_desc)
		return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].transfer_desc", i),
				"第%zu个环节（%s）：转外环节须填写转外说明（如听证、检验、专家评审）",
				i + 1, s->name);
	if (transfer && s->transfer_days <= 0)
		return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].transfer_days", i),
				"第%zu个环节（%s）：转外环节须填写转外时限（1到%d个工作日）", i + 1,
				s->name, PROCESS_MAX_DAYS);
	if (transfer && s->limit_days)
		return ctx_fail(c, E_INVALID, arena_printf(c->arena, "steps[%zu].limit_days", i),
				"第%zu个环节（%s）：转外环节不计入承诺时限，环节时限须为0，"
				"转外所需时间请填写在转外时限中",
				i + 1, s->name);
	if (!transfer && (*s->transfer_desc || s->transfer_days))
		return ctx_fail(c, E_INVALID,
				arena_printf(c->arena, "steps[%zu].%s", i,
					     *s->transfer_desc ? "transfer_desc" : "transfer_days"),
				"第%zu个环节（%s）：只有转外环节可以填写转外说明和转外时限", i + 1,
				s->name);
	return E_OK;
}

static int check_rules(struct ctx *c, const struct pitem *it, struct process_step *s, size_t n)
{
	int rc, total;
	if ((rc = check_shape(c, s, n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = check_step(c, it, i, &s[i])) < 0)
			return rc;
	if ((total = steps_total(s, n)) != it->promised)
		return ctx_fail(c, E_INVALID, "steps",
				"各环节时限之和(%d)须等于承诺时限(%d)（并联环节按其中最长的计，"
				"转外环节不计入）",
				total, it->promised);
	return E_OK;
}

/* ---- stored versions ---- */

static int version_load(struct ctx *c, const struct pitem *it, int64_t version,
			struct pversion *v)
{
	struct db_res *r;
	int rc;
	if (version == 0) {
		struct db_val p[] = {DBI(it->id)};
		if ((rc = ctx_int(c, "SELECT COALESCE(MAX(version), 0) FROM processes WHERE item_id = ?",
				  p, 1, &version)) < 0)
			return rc;
		if (version == 0) {
			*v = (struct pversion){.name = "默认流程", .created_by_name = ""};
			return E_OK;
		}
	}
	struct db_val p[] = {DBI(it->id), DBI(version)};
	rc = db_query(c->db, &r,
		      "SELECT p.id, p.version, p.name, p.created_at, COALESCE(u.name, '') "
		      "FROM processes p LEFT JOIN users u ON u.id = p.created_by "
		      "WHERE p.item_id = ? AND p.version = ?",
		      p, 2);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		*v = (struct pversion){.id = db_int(r, 0),
				       .version = db_int(r, 1),
				       .name = arena_strdup(c->arena, db_text(r, 2)),
				       .created_at = db_int(r, 3),
				       .created_by_name = arena_strdup(c->arena, db_text(r, 4))};
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	return rc == 0 ? ctx_fail(c, E_NOT_FOUND, "version", "该流程版本不存在") : E_OK;
}

static int steps_load(struct ctx *c, int64_t process_id, struct process_step **out, size_t *n)
{
	struct db_res *r;
	struct db_val p[] = {DBI(process_id)};
	size_t cap = PROCESS_MAX_STEPS;
	int rc = db_query(c->db, &r,
			  "SELECT s.id, s.stage, s.seq, s.name, s.kind, s.handler_id, "
			  "COALESCE(u.name, ''), s.limit_days, s.transfer_desc, s.transfer_days, "
			  "s.remarks FROM process_steps s LEFT JOIN users u ON u.id = s.handler_id "
			  "WHERE s.process_id = ? ORDER BY s.stage, s.seq",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	*out = arena_alloc(c->arena, cap * sizeof(**out));
	*n = 0;
	while ((rc = db_next(r)) > 0 && *n < cap) {
		struct process_step *s = &(*out)[(*n)++];
		s->id = db_int(r, 0);
		s->stage = (int)db_int(r, 1);
		s->seq = (int)db_int(r, 2);
		s->name = arena_strdup(c->arena, db_text(r, 3));
		s->kind = arena_strdup(c->arena, db_text(r, 4));
		s->handler_id = db_isnull(r, 5) ? 0 : db_int(r, 5);
		s->handler_name = arena_strdup(c->arena, db_text(r, 6));
		s->limit_days = (int)db_int(r, 7);
		s->transfer_desc = arena_strdup(c->arena, db_text(r, 8));
		s->transfer_days = (int)db_int(r, 9);
		s->remarks = arena_strdup(c->arena, db_text(r, 10));
	}
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* The first enabled handler of the unit (0 when it has none), for the default process. */
static int first_handler(struct ctx *c, int64_t unit_id, int64_t *id, const char **name)
{
	struct db_res *r;
	struct db_val p[] = {DBI(unit_id), DBI(ROLE_HANDLER)};
	int rc = db_query(c->db, &r,
			  "SELECT id, name FROM users WHERE unit_id = ? AND disabled = 0 "
			  "AND (roles / ?) % 2 = 1 ORDER BY id LIMIT 1",
			  p, 2);
	if (rc < 0)
		return ctx_db(c, rc);
	*id = 0;
	*name = "";
	if ((rc = db_next(r)) > 0) {
		*id = db_int(r, 0);
		*name = arena_strdup(c->arena, db_text(r, 1));
	}
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* The default process: 受理 (0 days: the day of acceptance is not counted), 审核 (the rest)
 * and 办结 (1 day when the promised limit leaves one), so the limits add up. */
static int default_steps(struct ctx *c, const struct pitem *it, struct process_step **out,
			 size_t *n)
{
	int complete = it->promised >= 2 ? 1 : 0;
	int64_t handler;
	const char *hname;
	int rc = first_handler(c, it->unit_id, &handler, &hname);
	if (rc < 0)
		return rc;
	struct process_step *s = arena_alloc(c->arena, 3 * sizeof(*s));
	s[0] = (struct process_step){.stage = 1,
				     .seq = 1,
				     .name = "受理",
				     .kind = "accept",
				     .handler_name = "",
				     .transfer_desc = "",
				     .remarks = "窗口受理，受理当日不计入时限"};
	s[1] = (struct process_step){.stage = 2,
				     .seq = 1,
				     .name = "审核",
				     .kind = "approve",
				     .handler_id = handler,
				     .handler_name = hname,
				     .limit_days = it->promised - complete,
				     .transfer_desc = "",
				     .remarks = ""};
	s[2] = (struct process_step){.stage = 3,
				     .seq = 1,
				     .name = "办结",
				     .kind = "complete",
				     .handler_name = "",
				     .limit_days = complete,
				     .transfer_desc = "",
				     .remarks = "出具结果，窗口发证"};
	*out = s;
	*n = 3;
	return E_OK;
}

/* The steps of a version (the default when v->id is 0). */
static int version_steps(struct ctx *c, const struct pitem *it, const struct pversion *v,
			 struct process_step **s, size_t *n)
{
	return v->id ? steps_load(c, v->id, s, n) : default_steps(c, it, s, n);
}

static json_t *steps_json(const struct process_step *s, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:o,s:i,s:i,s:s,s:s,s:o,s:s,s:i,s:s,s:i,s:s}", "id",
				   s[i].id ? json_integer(s[i].id) : json_null(), "stage",
				   s[i].stage, "seq", s[i].seq, "name", s[i].name, "kind",
				   s[i].kind, "handler_id",
				   s[i].handler_id ? json_integer(s[i].handler_id) : json_null(),
				   "handler_name", s[i].handler_name, "limit_days", s[i].limit_days,
				   "transfer_desc", s[i].transfer_desc, "transfer_days",
				   s[i].transfer_days, "remarks", s[i].remarks));
	return arr;
}

static json_t *version_row(struct db_res *r)
{
	return json_pack("{s:I,s:s,s:I,s:s}", "version", (json_int_t)db_int(r, 0), "name",
			 db_text(r, 1), "created_at", (json_int_t)db_int(r, 2), "created_by_name",
			 db_text(r, 3));
}

static json_t *handler_row(struct db_res *r)
{
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_int(r, 0), "username",
			 db_text(r, 1), "name", db_text(r, 2));
}

/* Every version (newest first) and the unit's enabled handlers. */
static int lists_load(struct ctx *c, const struct pitem *it, json_t **versions, json_t **handlers)
{
	struct db_val p[] = {DBI(it->id)};
	struct db_val q[] = {DBI(it->unit_id), DBI(ROLE_HANDLER)};
	int rc = ctx_rows(c,
			  "SELECT p.version, p.name, p.created_at, COALESCE(u.name, '') "
			  "FROM processes p LEFT JOIN users u ON u.id = p.created_by "
			  "WHERE p.item_id = ? ORDER BY p.version DESC",
			  p, 1, version_row, versions);
	if (rc < 0)
		return rc;
	/* roles is a bit set: (roles / bit) % 2 tests the bit on both backends */
	if ((rc = ctx_rows(c,
			   "SELECT id, username, name FROM users WHERE unit_id = ? AND disabled = 0 "
			   "AND (roles / ?) % 2 = 1 ORDER BY id",
			   q, 2, handler_row, handlers)) < 0) {
		json_decref(*versions);
		return rc;
	}
	return E_OK;
}

int process_get(struct ctx *c, int64_t item_id, int64_t version, json_t **out)
{
	struct pitem it;
	struct pversion v;
	struct process_step *s;
	size_t n;
	json_t *versions, *handlers;
	int rc;
	if ((rc = item_open(c, item_id, ACCESS_READ, &it)) < 0 ||
	    (rc = version_load(c, &it, version, &v)) < 0 ||
	    (rc = version_steps(c, &it, &v, &s, &n)) < 0 ||
	    (rc = lists_load(c, &it, &versions, &handlers)) < 0)
		return rc;
	/* The item or its handlers may have changed since the version was saved (a new promised
	 * limit, a handler who left): say whether the rules still hold, and which one fails. A
	 * process that does not may not start new cases until it is saved again. */
	const char *problem = NULL;
	if (check_rules(c, &it, s, n) < 0) {
		problem = c->fail_message ? c->fail_message : "流程不符合规则";
		c->fail_field = c->fail_message = NULL;
	}
	*out = json_pack("{s:o,s:o,s:I,s:b,s:b,s:s?,s:s,s:o,s:s,s:i,s:o,s:o,s:o}", "item", item_json(&it),
			 "id", v.id ? json_integer(v.id) : json_null(), "version",
			 (json_int_t)v.version, "default", v.id == 0, "valid", problem == NULL,
			 "problem", problem, "name", v.name, "created_at",
			 v.id ? json_integer(v.created_at) : json_null(), "created_by_name",
			 v.created_by_name, "total_days", steps_total(s, n), "steps",
			 steps_json(s, n), "versions", versions, "handlers", handlers);
	return E_OK;
}

int process_current(struct ctx *c, int64_t item_id, int64_t *version, struct process_step **steps,
		    size_t *n)
{
	struct pitem it;
	struct pversion v;
	int rc;
	if ((rc = item_open(c, item_id, ACCESS_READ, &it)) < 0 ||
	    (rc = version_load(c, &it, 0, &v)) < 0 ||
	    (rc = version_steps(c, &it, &v, steps, n)) < 0)
		return rc;
	*version = v.version;
	if ((rc = check_rules(c, &it, *steps, *n)) != E_INVALID)
		return rc;
	const char *problem = c->fail_message ? c->fail_message : "流程不符合规则";
	return ctx_fail(c, E_STATE, NULL,
			"该事项的办理流程不符合规则（%s），请联系单位管理员修改流程", problem);
}

/* ---- saving ---- */

static int steps_insert(struct ctx *c, int64_t process_id, struct process_step *s, size_t n)
{
	int seq = 0;
	for (size_t i = 0; i < n; i++) {
		seq = i > 0 && s[i].stage == s[i - 1].stage ? seq + 1 : 1;
		struct db_val v[] = {DBI(process_id),	    DBI(s[i].stage),
				     DBI(seq),		    DBT(s[i].name),
				     DBT(s[i].kind),	    s[i].handler_id ? DBI(s[i].handler_id) : DBN,
				     DBI(s[i].limit_days),  DBT(s[i].transfer_desc),
				     DBI(s[i].transfer_days), DBT(s[i].remarks)};
		int rc = ctx_db(c, db_exec(c->db,
					   "INSERT INTO process_steps (process_id, stage, seq, name, "
					   "kind, handler_id, limit_days, transfer_desc, "
					   "transfer_days, remarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					   v, 10, NULL));
		if (rc < 0)
			return rc;
	}
	return E_OK;
}

static int render(struct ctx *c, struct pitem *it, struct pversion *v, const char **svg,
		  size_t *len);

int process_save(struct ctx *c, int64_t item_id, json_t *in, json_t **out)
{
	struct pitem it;
	struct process_step *s;
	size_t n;
	const char *name = NULL;
	int64_t version, id;
	int rc;
	if ((rc = item_open(c, item_id, ACCESS_WRITE, &it)) < 0 ||
	    (rc = field_text(c, in, "name", "流程名称", 0, 1, 64, &name, NULL)) < 0 ||
	    (rc = steps_parse(c, in, &s, &n)) < 0)
		return rc;
	if (n == 0)
		return ctx_fail(c, E_INVALID, "steps", "流程没有环节：至少须有受理、审批、办结环节");
	if ((rc = check_rules(c, &it, s, n)) < 0)
		return rc;
	if (!name)
		name = arena_printf(c->arena, "%s办理流程", it.name);
	struct db_val p[] = {DBI(item_id)};
	if ((rc = ctx_int(c, "SELECT COALESCE(MAX(version), 0) + 1 FROM processes WHERE item_id = ?",
			  p, 1, &version)) < 0)
		return rc;
	struct db_val v[] = {DBI(item_id), DBI(version), DBT(name),
			     c->actor ? DBI(c->actor->id) : DBN, DBI(c->now)};
	rc = ctx_int(c,
		     "INSERT INTO processes (item_id, version, name, created_by, created_at) "
		     "VALUES (?, ?, ?, ?, ?) RETURNING id",
		     v, 5, &id);
	if (rc == E_DUPLICATE)
		return ctx_fail(c, E_DUPLICATE, NULL, "流程刚被他人修改保存，请刷新后重试");
	if (rc < 0 || (rc = steps_insert(c, id, s, n)) < 0 ||
	    (rc = event_append(c, it.center_id, 0, "process.save",
			       json_pack("{s:I,s:I,s:I,s:s,s:i,s:i}", "item_id", (json_int_t)item_id,
					 "process_id", (json_int_t)id, "version",
					 (json_int_t)version, "name", name, "steps", (int)n,
					 "total_days", steps_total(s, n)))) < 0)
		return rc;
	/* Save the flowchart with the version (R2.5): a version never changes, so every later
	 * view reads this picture instead of running Graphviz again. */
	struct pversion pv;
	const char *svg;
	size_t len;
	if ((rc = version_load(c, &it, version, &pv)) < 0 || (rc = render(c, &it, &pv, &svg, &len)) < 0)
		return rc;
	struct db_val u[] = {DBT(svg), DBI(id)};
	if ((rc = ctx_db(c, db_exec(c->db, "UPDATE processes SET svg = ? WHERE id = ?", u, 2, NULL))) < 0)
		return rc;
	return process_get(c, item_id, version, out);
}

/* ---- flowcharts ---- */

static int draw(struct ctx *c, const struct process_step *s, size_t n, const char *title,
		const char **svg, size_t *len)
{
	struct flowchart_step *f = arena_alloc(c->arena, (n + 1) * sizeof(*f));
	for (size_t i = 0; i < n; i++)
		f[i] = (struct flowchart_step){.stage = s[i].stage,
					       .name = s[i].name,
					       .kind = s[i].kind,
					       .handler_name = s[i].handler_name,
					       .limit_days = s[i].limit_days,
					       .transfer_desc = s[i].transfer_desc,
					       .transfer_days = s[i].transfer_days};
	int rc = flowchart_svg(f, n, title, c->arena, svg, len);
	return rc < 0 ? ctx_fail(c, rc, NULL, "流程图生成失败") : E_OK;
}

/* Draw a version of the item (v->id 0: its default process). */
static int render(struct ctx *c, struct pitem *it, struct pversion *v, const char **svg,
		  size_t *len)
{
	struct process_step *s;
	size_t n;
	int rc = version_steps(c, it, v, &s, &n);
	if (rc < 0)
		return rc;
	const char *title =
	    v->id ? arena_printf(c->arena, "%s · 第%lld版 · 承诺时限%d个工作日", it->name,
				 (long long)v->version, it->promised)
		  : arena_printf(c->arena, "%s · 默认流程 · 承诺时限%d个工作日", it->name, it->promised);
	return draw(c, s, n, title, svg, len);
}

int process_svg(struct ctx *c, int64_t item_id, int64_t version, const char **svg, size_t *len)
{
	struct pitem it;
	struct pversion v;
	int rc;
	if ((rc = item_open(c, item_id, ACCESS_READ, &it)) < 0 ||
	    (rc = version_load(c, &it, version, &v)) < 0)
		return rc;
	if (!v.id)
		return render(c, &it, &v, svg, len);
	/* a saved version's flowchart was drawn once, when it was saved (R2.5) */
	struct db_res *r;
	struct db_val p[] = {DBI(v.id)};
	if ((rc = db_query(c->db, &r, "SELECT svg FROM processes WHERE id = ?", p, 1)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		*svg = arena_strdup(c->arena, db_text(r, 0));
		*len = strlen(*svg);
	}
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* The name of a handler of the unit, for a preview; "" when the id is not one. */
static int preview_handler(struct ctx *c, const struct pitem *it, struct process_step *s)
{
	struct db_res *r;
	struct db_val p[] = {DBI(s->handler_id), DBI(it->unit_id)};
	int rc = db_query(c->db, &r, "SELECT name FROM users WHERE id = ? AND unit_id = ?", p, 2);
	if (rc < 0)
		return ctx_db(c, rc);
	s->handler_name = (rc = db_next(r)) > 0 ? arena_strdup(c->arena, db_text(r, 0)) : "（无效）";
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

int process_preview_svg(struct ctx *c, json_t *in, const char **svg, size_t *len)
{
	struct pitem it;
	struct process_step *s;
	size_t n;
	int64_t item_id = 0;
	int rc;
	if ((rc = field_int(c, in, "item_id", "审批事项", 1, 1, INT64_MAX, &item_id, NULL)) < 0 ||
	    (rc = item_open(c, item_id, ACCESS_READ, &it)) < 0 ||
	    (rc = steps_parse(c, in, &s, &n)) < 0)
		return rc;
	/* stable insertion sort by stage: the editor may hold steps in any order */
	for (size_t i = 1; i < n; i++) {
		struct process_step t = s[i];
		size_t j = i;
		for (; j > 0 && s[j - 1].stage > t.stage; j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i].handler_id && (rc = preview_handler(c, &it, &s[i])) < 0)
			return rc;
	return draw(c, s, n,
		    arena_printf(c->arena, "%s · 各环节时限之和%d / 承诺时限%d个工作日", it.name,
				 steps_total(s, n), it.promised),
		    svg, len);
}
