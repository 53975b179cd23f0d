/*
 * urge.c - 督办 / 催办; see urge.h.
 */
#include "domain/urge.h"

#include <string.h>

#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/event.h"
#include "domain/field.h"

static const char *kind_name(const char *kind)
{
	return !strcmp(kind, "supervise") ? "督办" : "催办";
}

/* A center admin of the center, a supervisor whose region covers it, or a sysadmin. */
static int may_urge(struct ctx *c, int64_t center_id)
{
	const struct actor *a = c->actor;
	if (a && !(a->roles & (ROLE_SYSADMIN | ROLE_CENTER_ADMIN | ROLE_SUPERVISOR)))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有中心管理人员和监察人员可以督办催办");
	return access_center(c, center_id, ACCESS_READ);
}

/* The urged case (by number) or unit: its center, unit and, for a case, id and step. */
struct target {
	int64_t center_id, unit_id, case_id, step_id, to_user;
};

static int target_case(struct ctx *c, const char *no, int64_t step_id, struct target *t)
{
	struct db_res *r;
	struct db_val p[] = {DBT(no)};
	int rc = db_query(c->db, &r, "SELECT id, center_id, unit_id, state FROM cases WHERE no = ?",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) <= 0) {
		db_res_free(r);
		return rc < 0 ? ctx_db(c, rc) : ctx_fail(c, E_INVALID, "case_no", "办件不存在");
	}
	t->case_id = db_int(r, 0), t->center_id = db_int(r, 1), t->unit_id = db_int(r, 2);
	const char *state = db_text(r, 3);
	int open = !strcmp(state, "applied") || !strcmp(state, "supplement") ||
		   !strcmp(state, "accepted") || !strcmp(state, "in_process");
	db_res_free(r);
	if ((rc = may_urge(c, t->center_id)) < 0)
		return rc;
	if (!open)
		return ctx_fail(c, E_STATE, "case_no", "办件已办结或已终止，不能督办催办");
	if (!step_id)
		return E_OK;
	struct db_val q[] = {DBI(step_id), DBI(t->case_id)};
	if ((rc = db_query(c->db, &r,
			   "SELECT COALESCE(handler_id, 0) FROM case_steps WHERE id = ? AND "
			   "case_id = ? AND state IN ('active', 'out')",
			   q, 2)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		t->step_id = step_id, t->to_user = db_int(r, 0);
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	return t->step_id ? E_OK
			  : ctx_fail(c, E_INVALID, "step_id", "该环节不是办件当前正在办理的环节");
}

static int target_unit(struct ctx *c, int64_t unit_id, struct target *t)
{
	struct db_val p[] = {DBI(unit_id)};
	int rc = ctx_int(c, "SELECT center_id FROM units WHERE id = ?", p, 1, &t->center_id);
	if (rc < 0)
		return rc;
	if (!t->center_id)
		return ctx_fail(c, E_INVALID, "unit_id", "窗口单位不存在");
	t->unit_id = unit_id;
	return may_urge(c, t->center_id);
}

/* Mark the case urged while any urge of it is unanswered. */
static int case_flag(struct ctx *c, int64_t case_id)
{
	struct db_val p[] = {DBI(case_id), DBI(case_id)};
	int rc = db_exec(c->db,
			 "UPDATE cases SET urged = CASE WHEN EXISTS (SELECT 1 FROM urges WHERE "
			 "case_id = ? AND answered_at IS NULL) THEN 1 ELSE 0 END WHERE id = ?",
			 p, 2, NULL);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

#define URGE_SELECT                                                                                \
	"SELECT g.id, g.kind, k.no, s.name, un.name, g.message, g.reply_by, cb.name, "             \
	"g.created_at, g.answer, ab.name, g.answered_at, g.unit_id, COALESCE(tu.name, ''), "       \
	"ce.name, CASE WHEN g.answered_at IS NULL AND g.reply_by < ? THEN 1 ELSE 0 END "           \
	"FROM urges g JOIN units un ON un.id = g.unit_id JOIN centers ce ON ce.id = "              \
	"g.center_id JOIN users cb ON cb.id = g.created_by LEFT JOIN cases k ON k.id = g.case_id " \
	"LEFT JOIN case_steps s ON s.id = g.step_id LEFT JOIN users ab ON ab.id = g.answered_by "  \
	"LEFT JOIN users tu ON tu.id = g.to_user "

static json_t *urge_row(struct db_res *r)
{
	char day[CALENDAR_DAY_LEN];
	calendar_format_day((int32_t)db_int(r, 6), day);
	int answered = !db_isnull(r, 11);
	return json_pack(
	    "{s:I,s:s,s:s,s:o,s:o,s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o,s:o,s:b,s:s,s:s}", "id",
	    (json_int_t)db_int(r, 0), "kind", db_text(r, 1), "kind_name", kind_name(db_text(r, 1)),
	    "case_no", ctx_text_json(r, 2), "step", ctx_text_json(r, 3), "unit_id",
	    (json_int_t)db_int(r, 12), "unit_name", db_text(r, 4), "center_name", db_text(r, 14),
	    "message", db_text(r, 5), "reply_by", day, "created_by", db_text(r, 7), "created_at",
	    (json_int_t)db_int(r, 8), "answer", answered ? json_string(db_text(r, 9)) : json_null(),
	    "answered_by", answered ? json_string(db_text(r, 10)) : json_null(), "answered_at",
	    answered ? json_integer(db_int(r, 11)) : json_null(), "overdue", (int)db_int(r, 15),
	    "to_user", db_text(r, 13), "state", answered ? "answered" : "open");
}

static int urge_get(struct ctx *c, int64_t id, json_t **out)
{
	struct db_val p[] = {DBI(calendar_day_of(c->now)), DBI(id)};
	return ctx_one(c, URGE_SELECT "WHERE g.id = ?", p, 2, urge_row, E_NOT_FOUND,
		       "督办记录不存在", out);
}

int urge_create(struct ctx *c, json_t *in, json_t **out)
{
	const char *kind, *message, *reply_by, *no = NULL;
	int64_t unit_id = 0, step_id = 0, id;
	int32_t day, today = calendar_day_of(c->now);
	struct target t = {0};
	int rc;
	if ((rc = field_text(c, in, "kind", "督办类型", 1, 1, 16, &kind, NULL)) < 0)
		return rc;
	if (strcmp(kind, "supervise") && strcmp(kind, "hurry"))
		return ctx_fail(c, E_INVALID, "kind",
				"督办类型须为督办（supervise）或催办（hurry）");
	if ((rc = field_text(c, in, "case_no", "办件编号", 0, 1, 40, &no, NULL)) < 0 ||
	    (rc = field_int(c, in, "unit_id", "窗口单位", 0, 1, INT64_MAX, &unit_id, NULL)) < 0 ||
	    (rc = field_int(c, in, "step_id", "环节", 0, 1, INT64_MAX, &step_id, NULL)) < 0 ||
	    (rc = field_lines(c, in, "message", "督办内容", 1, 1, URGE_MAX_TEXT, &message, NULL)) <
		0 ||
	    (rc = field_text(c, in, "reply_by", "答复期限", 1, 10, 10, &reply_by, NULL)) < 0)
		return rc;
	if (calendar_parse_day(reply_by, &day) < 0 || day < today || day > today + 366)
		return ctx_fail(c, E_INVALID, "reply_by",
				"答复期限须为今天起一年内的日期（YYYY-MM-DD）");
	if (!no == !unit_id)
		return ctx_fail(c, E_INVALID, "case_no", "请指定督办的办件或窗口单位（二者选一）");
	if (step_id && !no)
		return ctx_fail(c, E_INVALID, "step_id", "督办环节须同时指定办件");
	if ((rc = no ? target_case(c, no, step_id, &t) : target_unit(c, unit_id, &t)) < 0)
		return rc;
	struct db_val p[] = {DBI(t.center_id),
			     DBI(t.unit_id),
			     t.case_id ? DBI(t.case_id) : DBN,
			     t.step_id ? DBI(t.step_id) : DBN,
			     t.to_user ? DBI(t.to_user) : DBN,
			     DBT(kind),
			     DBT(message),
			     DBI(day),
			     c->actor ? DBI(c->actor->id) : DBN,
			     DBI(c->now)};
	if ((rc = ctx_int(
		 c,
		 "INSERT INTO urges (center_id, unit_id, case_id, step_id, to_user, kind, "
		 "message, reply_by, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
		 "?, ?) RETURNING id",
		 p, 10, &id)) < 0 ||
	    (t.case_id && (rc = case_flag(c, t.case_id)) < 0) ||
	    (rc = event_append(c, t.center_id, t.case_id, "urge.create",
			       json_pack("{s:I,s:s,s:I,s:o,s:s,s:s}", "id", (json_int_t)id, "kind",
					 kind, "unit_id", (json_int_t)t.unit_id, "step_id",
					 t.step_id ? json_integer(t.step_id) : json_null(),
					 "message", message, "reply_by", reply_by))) < 0)
		return rc;
	return urge_get(c, id, out);
}

int urge_answer(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	const char *answer;
	int64_t center = 0, unit = 0, case_id = 0, to_user = 0, answered = 0;
	struct db_res *r;
	struct db_val p[] = {DBI(id)};
	int rc = db_query(c->db, &r,
			  "SELECT center_id, unit_id, COALESCE(case_id, 0), COALESCE(to_user, 0), "
			  "CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END FROM urges WHERE id = ?",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		center = db_int(r, 0), unit = db_int(r, 1), case_id = db_int(r, 2),
		to_user = db_int(r, 3), answered = db_int(r, 4);
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	const struct actor *a = c->actor;
	int mine = !a || (to_user ? a->id == to_user
				  : a->unit_id == unit &&
					(a->roles & (ROLE_CLERK | ROLE_HANDLER | ROLE_UNIT_ADMIN)));
	if (!center || (!mine && access_center(c, center, ACCESS_READ) < 0))
		return ctx_fail(c, E_NOT_FOUND, NULL, "督办记录不存在");
	if (!mine)
		return ctx_fail(c, E_FORBIDDEN, NULL,
				to_user ? "只有被督办环节的承办人可以答复"
					: "只有被督办单位的工作人员可以答复");
	if (answered)
		return ctx_fail(c, E_STATE, NULL, "该督办已答复");
	if ((rc = field_lines(c, in, "answer", "答复内容", 1, 1, URGE_MAX_TEXT, &answer, NULL)) < 0)
		return rc;
	struct db_val u[] = {DBT(answer), a ? DBI(a->id) : DBN, DBI(c->now), DBI(id)};
	if ((rc = db_exec(
		 c->db,
		 "UPDATE urges SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? "
		 "AND answered_at IS NULL",
		 u, 4, NULL)) < 0)
		return ctx_db(c, rc);
	if ((case_id && (rc = case_flag(c, case_id)) < 0) ||
	    (rc = event_append(c, center, case_id, "urge.answer",
			       json_pack("{s:I,s:s}", "id", (json_int_t)id, "answer", answer))) < 0)
		return rc;
	return urge_get(c, id, out);
}

int urge_list(struct ctx *c, json_t *q, json_t **out)
{
	const struct actor *a = c->actor;
	const char *state, *no = field_query(q, "case_no");
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	int mine, rc = field_answer_filter(c, q, &mine, &state);
	if (rc < 0)
		return rc;
	/* mine: to me, or to my unit when no person is named; all: the centers the actor
	 * reads (own center, a supervisor's region, everything for a sysadmin) */
	int64_t own = access_own_center(c);
	const char *scope = a && (a->roles & ROLE_SUPERVISOR) && !(a->roles & ROLE_SYSADMIN)
				? access_region_like(c, a->scope_region)
				: "%";
	struct db_val today[] = {DBI(calendar_day_of(c->now))};
	struct db_val p[] = {DBI(mine),
			     DBI(a ? a->id : 0),
			     DBI(a ? a->unit_id : 0),
			     DBI(mine),
			     DBI(own),
			     DBI(own),
			     DBT(scope),
			     DBT(state),
			     DBT(state),
			     DBT(state),
			     DBT(no),
			     DBT(no)};
	struct ctx_list l = {
	    .select = URGE_SELECT,
	    .sp = today,
	    .sn = 1,
	    .from = "urges g JOIN centers ce ON ce.id = g.center_id LEFT JOIN cases k ON k.id "
		    "= g.case_id",
	    .where = "WHERE ((? = 1 AND (g.to_user = ? OR (g.to_user IS NULL AND g.unit_id = "
		     "?))) OR (? = 0 AND (? = 0 OR g.center_id = ?) AND ce.region_code LIKE ?)) "
		     "AND (? = '' OR (? = 'open' AND g.answered_at IS NULL) OR (? = 'answered' "
		     "AND g.answered_at IS NOT NULL)) AND (? = '' OR k.no = ?)",
	    .p = p,
	    .n = 12,
	    .order = "CASE WHEN g.answered_at IS NULL THEN 0 ELSE 1 END, g.reply_by, g.id DESC",
	    .row = urge_row};
	return ctx_list(c, &l, &pg, out);
}
