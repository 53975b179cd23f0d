/*
 * case.c - cases from application to pickup, and consultations; see case.h.
 */
#include "domain/case.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ids.h"
#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/card.h"
#include "domain/event.h"
#include "domain/field.h"
#include "domain/flowchart.h"
#include "domain/process.h"
#include "domain/stats.h"

/* ---- the case row that every transition works on ---- */

struct kase {
	int64_t id, center_id, unit_id, item_id;
	const char *no, *state, *kind, *region, *applicant_kind, *applicant_id_no, *contact_id_no;
	int promised_days, warn_days;
	int32_t accepted_day, due_day, paused_since; /* 0 = none */
};

#define KASE_SELECT                                                                                \
	"SELECT k.id, k.center_id, k.unit_id, k.item_id, k.no, k.state, k.item_kind, "             \
	"ce.region_code, k.applicant_kind, k.applicant_id_no, k.contact_id_no, k.promised_days, "  \
	"COALESCE(i.warn_days, ce.warn_days), COALESCE(k.accepted_day, 0), "                       \
	"COALESCE(k.due_day, 0), COALESCE(k.paused_since, 0) "                                     \
	"FROM cases k JOIN centers ce ON ce.id = k.center_id JOIN items i ON i.id = k.item_id "

static int kase_load(struct ctx *c, const char *no, struct kase *k)
{
	struct db_res *r;
	struct db_val p[] = {DBT(no)};
	int rc = db_query(c->db, &r, KASE_SELECT "WHERE k.no = ?", p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) <= 0) {
		db_res_free(r);
		return rc < 0 ? ctx_db(c, rc) : ctx_fail(c, E_NOT_FOUND, NULL, "办件不存在");
	}
	struct arena *a = c->arena;
	*k = (struct kase){
	    .id = db_int(r, 0),
	    .center_id = db_int(r, 1),
	    .unit_id = db_int(r, 2),
	    .item_id = db_int(r, 3),
	    .no = arena_strdup(a, db_text(r, 4)),
	    .state = arena_strdup(a, db_text(r, 5)),
	    .kind = arena_strdup(a, db_text(r, 6)),
	    .region = arena_strdup(a, db_text(r, 7)),
	    .applicant_kind = arena_strdup(a, db_text(r, 8)),
	    .applicant_id_no = arena_strdup(a, db_text(r, 9)),
	    .contact_id_no = arena_strdup(a, db_text(r, 10)),
	    .promised_days = (int)db_int(r, 11),
	    .warn_days = (int)db_int(r, 12),
	    .accepted_day = (int32_t)db_int(r, 13),
	    .due_day = (int32_t)db_int(r, 14),
	    .paused_since = (int32_t)db_int(r, 15),
	};
	db_res_free(r);
	return E_OK;
}

/* Load a case for a change: on PostgreSQL the first UPDATE takes the row lock, so two
 * requests on one case run one after the other (SQLite writers are serialised already). */
static int kase_lock(struct ctx *c, const char *no, struct kase *k)
{
	struct db_val p[] = {DBI(c->now), DBT(no)};
	int rc = db_exec(c->db, "UPDATE cases SET updated_at = ? WHERE no = ?", p, 2, NULL);
	return rc < 0 ? ctx_db(c, rc) : kase_load(c, no, k);
}

static const char *state_name(const char *state)
{
	static const char *const names[][2] = {
	    {"applied", "已申请"},   {"supplement", "补正中"}, {"refused", "不予受理"},
	    {"accepted", "已受理"},  {"in_process", "审批中"}, {"completed", "已办结"},
	    {"picked_up", "已取件"}, {"withdrawn", "已撤回"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i][0], state))
			return names[i][1];
	return state;
}

static int is(const struct kase *k, const char *state)
{
	return !strcmp(k->state, state);
}

/* ---- who may do what ---- */

enum sight { SIGHT_NONE, SIGHT_OVERVIEW, SIGHT_FULL };

static int sight_of(struct ctx *c, const struct kase *k, enum sight *out)
{
	const struct actor *a = c->actor;
	*out = SIGHT_FULL;
	if (!a || (a->roles & ROLE_SYSADMIN))
		return E_OK;
	if (a->roles & ROLE_SUPERVISOR) {
		const char *like = access_region_like(c, a->scope_region);
		if (!strncmp(k->region, like, strlen(like) - 1))
			return E_OK;
	}
	if (a->center_id != k->center_id) {
		*out = SIGHT_NONE;
		return E_OK;
	}
	if ((a->roles & ROLE_CENTER_ADMIN) || a->unit_id == k->unit_id)
		return E_OK;
	int64_t mine = 0;
	struct db_val p[] = {DBI(k->id), DBI(a->id)};
	int rc = ctx_int(c, "SELECT COUNT(*) FROM case_steps WHERE case_id = ? AND handler_id = ?",
			 p, 2, &mine);
	if (!mine)
		*out = SIGHT_OVERVIEW;
	return rc;
}

/* The window work of the case's unit: its clerks and handlers (or the system itself). */
static int window_ok(const struct ctx *c, const struct kase *k)
{
	const struct actor *a = c->actor;
	return !a || (a->unit_id == k->unit_id && (a->roles & (ROLE_CLERK | ROLE_HANDLER)));
}

/* Pickup may also be done at the center's common pickup window. */
static int pickup_ok(const struct ctx *c, const struct kase *k)
{
	const struct actor *a = c->actor;
	return window_ok(c, k) || (a->center_id == k->center_id && (a->roles & ROLE_CLERK));
}

/* ---- steps ---- */

struct step {
	int64_t id, handler_id;
	int stage, limit_days, transfer_days;
	const char *name, *kind, *state, *handler_name;
	int32_t due_day, out_day;
};

static int steps_load(struct ctx *c, int64_t case_id, struct step **out, size_t *n)
{
	struct db_res *r;
	struct db_val p[] = {DBI(case_id)};
	int rc = db_query(c->db, &r,
			  "SELECT s.id, COALESCE(s.handler_id, 0), s.stage, s.limit_days, "
			  "s.transfer_days, s.name, s.kind, s.state, COALESCE(u.name, ''), "
			  "COALESCE(s.due_day, 0), COALESCE(s.out_day, 0) FROM case_steps s "
			  "LEFT JOIN users u ON u.id = s.handler_id WHERE s.case_id = ? "
			  "ORDER BY s.stage, s.seq",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	struct step *s = arena_alloc(c->arena, sizeof(*s) * PROCESS_MAX_STEPS);
	*n = 0;
	while ((rc = db_next(r)) > 0 && *n < PROCESS_MAX_STEPS) {
		struct arena *a = c->arena;
		s[(*n)++] = (struct step){
		    .id = db_int(r, 0),
		    .handler_id = db_int(r, 1),
		    .stage = (int)db_int(r, 2),
		    .limit_days = (int)db_int(r, 3),
		    .transfer_days = (int)db_int(r, 4),
		    .name = arena_strdup(a, db_text(r, 5)),
		    .kind = arena_strdup(a, db_text(r, 6)),
		    .state = arena_strdup(a, db_text(r, 7)),
		    .handler_name = arena_strdup(a, db_text(r, 8)),
		    .due_day = (int32_t)db_int(r, 9),
		    .out_day = (int32_t)db_int(r, 10),
		};
	}
	db_res_free(r);
	*out = s;
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

static int step_mine(const struct ctx *c, const struct kase *k, const struct step *s)
{
	return s->handler_id ? !c->actor || c->actor->id == s->handler_id : window_ok(c, k);
}

/* What each step action works on: the kinds (a space-separated list) and the state. */
struct step_rule {
	const char *action, *kinds, *state, *verb;
};
static const struct step_rule step_rules[] = {
    {"submit", "approve", "active", "提交"},
    {"return", "approve complete", "active", "退回"},
    {"transfer-out", "transfer_out", "active", "转外"},
    {"transfer-back", "transfer_out", "out", "转外返回"},
    {"complete", "complete", "active", "办结"},
};

static int kind_in(const char *kind, const char *kinds)
{
	size_t n = strlen(kind);
	for (const char *p = kinds; (p = strstr(p, kind)); p += n)
		if ((p == kinds || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static const struct step_rule *rule_of(const char *action)
{
	for (size_t i = 0; i < sizeof(step_rules) / sizeof(step_rules[0]); i++)
		if (!strcmp(step_rules[i].action, action))
			return &step_rules[i];
	return NULL;
}

static int step_fits(const struct step_rule *ru, const struct step *s)
{
	return kind_in(s->kind, ru->kinds) && !strcmp(s->state, ru->state);
}

/* The one step of the case the actor does `action` on: in {"step_id"} or the only one that
 * fits. */
static int step_pick(struct ctx *c, const struct kase *k, struct step *s, size_t n, json_t *in,
		     const char *action, struct step **out)
{
	const struct step_rule *ru = rule_of(action);
	int64_t want = 0;
	int rc, found = 0, others = 0;
	if ((rc = field_int(c, in, "step_id", "环节", 0, 1, INT64_MAX, &want, NULL)) < 0)
		return rc;
	if (!is(k, "in_process"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能%s", state_name(k->state), ru->verb);
	for (size_t i = 0; i < n; i++) {
		if ((want && s[i].id != want) || !step_fits(ru, &s[i]))
			continue;
		if (!step_mine(c, k, &s[i])) {
			others++;
			continue;
		}
		found++;
		*out = &s[i];
	}
	if (found == 1)
		return E_OK;
	if (found > 1)
		return ctx_fail(c, E_INVALID, "step_id", "有多个环节可%s，请指定环节", ru->verb);
	if (others)
		return ctx_fail(c, E_FORBIDDEN, NULL, "您不是该环节的承办人，不能%s", ru->verb);
	return ctx_fail(c, E_STATE, NULL, "办件当前没有可%s的环节", ru->verb);
}

/* Start every step of `stage`: active from today, due after its own limit. */
static int stage_start(struct ctx *c, const struct calendar *cal, struct step *s, size_t n,
		       int stage)
{
	int32_t today = calendar_day_of(c->now);
	for (size_t i = 0; i < n; i++) {
		if (s[i].stage != stage)
			continue;
		int days = strcmp(s[i].kind, "transfer_out") ? s[i].limit_days : s[i].transfer_days;
		s[i].state = "active";
		s[i].due_day = calendar_add_workdays(cal, today, days);
		struct db_val p[] = {DBI(c->now), DBI(today), DBI(s[i].due_day), DBI(s[i].id)};
		int rc =
		    db_exec(c->db,
			    "UPDATE case_steps SET state = 'active', started_at = ?, "
			    "started_day = ?, due_day = ?, out_day = NULL, finished_at = NULL, "
			    "finished_by = NULL, opinion = '' WHERE id = ?",
			    p, 4, NULL);
		if (rc < 0)
			return ctx_db(c, rc);
	}
	return E_OK;
}

/* Finish step s (from state `from`) with an opinion; when its stage is then done, start the
 * next one. Refuses a step that something else finished first (a double submit). */
static int step_finish(struct ctx *c, const struct calendar *cal, struct step *all, size_t n,
		       struct step *s, const char *from, const char *opinion)
{
	int64_t changed = 0;
	struct db_val p[] = {DBI(c->now), c->actor ? DBI(c->actor->id) : DBN, DBT(opinion),
			     DBI(s->id), DBT(from)};
	int rc = db_exec(c->db,
			 "UPDATE case_steps SET state = 'done', finished_at = ?, finished_by = ?, "
			 "opinion = ? WHERE id = ? AND state = ?",
			 p, 5, &changed);
	if (rc < 0)
		return ctx_db(c, rc);
	if (changed != 1)
		return ctx_fail(c, E_STATE, NULL, "该环节已办理，请勿重复提交");
	s->state = "done";
	for (size_t i = 0; i < n; i++)
		if (all[i].stage == s->stage && strcmp(all[i].state, "done"))
			return E_OK;
	return stage_start(c, cal, all, n, s->stage + 1);
}

/* ---- deadlines and warning lights ---- */

int case_days_left(const struct calendar *cal, int32_t today, int32_t due, int32_t paused_since)
{
	int left = calendar_workdays_between(cal, today, due);
	if (paused_since && paused_since < today)
		left += calendar_workdays_between(cal, paused_since, today);
	return left;
}

const char *case_light(int left, int warn)
{
	return left < 0 ? "red" : left <= warn ? "yellow" : "green";
}

int case_lit_until(struct ctx *c, const struct calendar *cal, int32_t *day)
{
	int64_t warn = 0;
	int rc = ctx_int(c,
			 "SELECT MAX(w) FROM (SELECT MAX(warn_days) AS w FROM centers UNION ALL "
			 "SELECT MAX(warn_days) FROM items) t",
			 NULL, 0, &warn);
	if (rc < 0)
		return rc;
	*day = calendar_add_workdays(cal, calendar_day_of(c->now), (int)warn);
	return E_OK;
}

int case_count_lights(struct ctx *c, const struct calendar *cal, const char *sql,
		      const struct db_val *p, int n, int64_t *yellow, int64_t *red)
{
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	int32_t today = calendar_day_of(c->now);
	while ((rc = db_next(r)) > 0) {
		const char *light = case_light(
		    case_days_left(cal, today, (int32_t)db_int(r, 0), (int32_t)db_int(r, 1)),
		    (int)db_int(r, 2));
		if (*light == 'r')
			*red += db_int(r, 3);
		else if (*light == 'y')
			*yellow += db_int(r, 3);
	}
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

static int open_state(const char *state)
{
	return !strcmp(state, "accepted") || !strcmp(state, "in_process");
}

/* Recompute the case deadline from its transfer-outs (those out count to today). */
static int deadline_update(struct ctx *c, const struct calendar *cal, struct kase *k)
{
	struct db_res *r;
	struct db_val p[] = {DBI(k->id)};
	int rc =
	    db_query(c->db, &r,
		     "SELECT out_day, COALESCE(CASE WHEN state = 'done' THEN "
		     "(finished_at + 28800) / 86400 END, -1) FROM case_steps WHERE case_id = ? "
		     "AND kind = 'transfer_out' AND out_day IS NOT NULL",
		     p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	struct calendar_pause pauses[PROCESS_MAX_STEPS];
	size_t np = 0;
	int32_t today = calendar_day_of(c->now), still_out = 0;
	while ((rc = db_next(r)) > 0 && np < PROCESS_MAX_STEPS) {
		int32_t from = (int32_t)db_int(r, 0), to = (int32_t)db_int(r, 1);
		if (to < 0) {
			to = today;
			if (!still_out || from < still_out)
				still_out = from;
		}
		pauses[np++] = (struct calendar_pause){from, to};
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	/* only finished transfer-outs extend the stored deadline; one still out is counted by
	 * case_days_left() as it goes */
	size_t done = 0;
	for (size_t i = 0; i < np; i++)
		if (!(still_out && pauses[i].from >= still_out && pauses[i].to == today))
			pauses[done++] = pauses[i];
	k->due_day = calendar_deadline(cal, k->accepted_day, k->promised_days, pauses, done);
	k->paused_since = still_out;
	int paused = calendar_paused_workdays(cal, k->accepted_day, pauses, done);
	struct db_val q[] = {DBI(k->due_day), still_out ? DBI(still_out) : DBN, DBI(paused),
			     DBI(k->id)};
	rc = db_exec(c->db,
		     "UPDATE cases SET due_day = ?, paused_since = ?, paused_days = ? WHERE id = ?",
		     q, 4, NULL);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* ---- events ---- */

static int case_event(struct ctx *c, const struct kase *k, const char *action, json_t *payload)
{
	json_object_set_new(payload, "no", json_string(k->no));
	return event_append(c, k->center_id, k->id, arena_printf(c->arena, "case.%s", action),
			    payload);
}

#define SET_MAX 6 /* the most columns a transition sets beside the state */

/* Move the case to `state` and set the columns of `set` ("col = ?, ..." or "") to the n
 * values p, in the one UPDATE of its row (and of the indexes that hold the state). */
static int set_state(struct ctx *c, struct kase *k, const char *state, const char *set,
		     const struct db_val *p, int n)
{
	struct db_val q[SET_MAX + 3];
	for (int i = 0; i < n; i++)
		q[i] = p[i];
	q[n] = DBT(state);
	q[n + 1] = DBI(c->now);
	q[n + 2] = DBI(k->id);
	int rc = db_exec(c->db,
			 arena_printf(c->arena,
				      "UPDATE cases SET %s%sstate = ?, updated_at = ? WHERE id = ?",
				      set, *set ? ", " : ""),
			 q, n + 3, NULL);
	k->state = state;
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

/* ---- numbers ---- */

/* The next serial of `kind` for the center today, gapless: the counter row is bumped in the
 * caller's transaction. */
static int serial_next(struct ctx *c, int64_t center_id, const char *kind, int32_t day,
		       int64_t *out)
{
	struct db_val p[] = {DBI(center_id), DBT(kind), DBI(day)};
	int rc = db_exec(c->db,
			 "INSERT INTO serials (center_id, kind, day, last) VALUES (?, ?, ?, 1) "
			 "ON CONFLICT (center_id, kind, day) DO UPDATE SET last = serials.last + 1",
			 p, 3, NULL);
	if (rc < 0)
		return ctx_db(c, rc);
	return ctx_int(c, "SELECT last FROM serials WHERE center_id = ? AND kind = ? AND day = ?",
		       p, 3, out);
}

static const char *number(struct ctx *c, const char *prefix, const char *region, int32_t day,
			  int digits, int64_t serial)
{
	int y, m, d;
	calendar_day_ymd(day, &y, &m, &d);
	return arena_printf(c->arena, "%s%s-%04d%02d%02d-%0*lld", prefix, region, y, m, d, digits,
			    (long long)serial);
}

/* ---- reading input ---- */

/* An identity number: a GB 11643 ID card or (orgs) a GB 32100 credit code, normalised. */
static int id_field(struct ctx *c, json_t *in, const char *key, const char *field,
		    const char *label, int credit, const char **out)
{
	const char *s = NULL, *why = NULL;
	int rc = field_text(c, in, key, label, 1, 1, 18, &s, NULL);
	if (rc < 0) {
		c->fail_field = field;
		return rc;
	}
	char *norm = arena_alloc(c->arena, 19);
	rc = credit ? ids_check_credit_code(s, norm, &why) : ids_check_id_card(s, norm, &why);
	if (rc < 0)
		return ctx_fail(c, E_INVALID, field, "%s：%s", label, why);
	*out = norm;
	return E_OK;
}

/* id_field for "id_no" of `in`, which may be left out or empty unless required. */
static int optional_id(struct ctx *c, json_t *in, const char *field, const char *label, int credit,
		       int required, const char **out)
{
	json_t *v = json_object_get(in, "id_no");
	*out = "";
	if (!required && (!v || (json_is_string(v) && !*json_string_value(v))))
		return E_OK;
	return id_field(c, in, "id_no", field, label, credit, out);
}

static json_t *object_field(json_t *in, const char *key)
{
	json_t *o = json_object_get(in, key);
	return json_is_object(o) ? o : NULL;
}

/* Prefix the failing field of a nested object with its parent: "applicant.name". */
static int nested(struct ctx *c, const char *parent, int rc)
{
	if (rc < 0 && c->fail_field && !strchr(c->fail_field, '.'))
		c->fail_field = arena_printf(c->arena, "%s.%s", parent, c->fail_field);
	return rc;
}

struct applicant {
	const char *kind, *name, *id_no, *phone, *address;
	const char *contact_name, *contact_id_no, *contact_phone;
};

static int applicant_parse(struct ctx *c, json_t *in, int contact_needed, struct applicant *ap)
{
	json_t *a = object_field(in, "applicant"), *ct = object_field(in, "contact");
	int rc;
	*ap = (struct applicant){.phone = "",
				 .address = "",
				 .contact_name = "",
				 .contact_id_no = "",
				 .contact_phone = ""};
	if (!a)
		return ctx_fail(c, E_INVALID, "applicant", "请填写申请人信息");
	if ((rc = field_text(c, a, "kind", "申请人类型", 1, 1, 10, &ap->kind, NULL)) < 0)
		return nested(c, "applicant", rc);
	int org = !strcmp(ap->kind, "org");
	if (!org && strcmp(ap->kind, "person"))
		return ctx_fail(c, E_INVALID, "applicant.kind", "申请人类型须为个人或单位");
	if ((rc = field_text(c, a, "name", org ? "单位名称" : "申请人姓名", 1, 1, CASE_MAX_NAME,
			     &ap->name, NULL)) < 0 ||
	    (rc = field_ascii(c, a, "phone", "联系电话", contact_needed && !org, 0, 20, FIELD_PHONE,
			      &ap->phone, NULL)) < 0 ||
	    (rc = field_text(c, a, "address", "地址", 0, 0, 200, &ap->address, NULL)) < 0)
		return nested(c, "applicant", rc);
	if ((rc = optional_id(c, a, "applicant.id_no", org ? "统一社会信用代码" : "身份证号", org,
			      contact_needed, &ap->id_no)) < 0 ||
	    !contact_needed || (!org && !ct))
		return rc;
	/* an organisation acts through its contact person (经办人); a person may name one */
	if (!ct)
		return ctx_fail(c, E_INVALID, "contact", "单位申请须填写经办人信息");
	if ((rc = field_text(c, ct, "name", "经办人姓名", org, org, CASE_MAX_NAME,
			     &ap->contact_name, NULL)) < 0 ||
	    (rc = field_ascii(c, ct, "phone", "经办人电话", org, org, 20, FIELD_PHONE,
			      &ap->contact_phone, NULL)) < 0)
		return nested(c, "contact", rc);
	return optional_id(c, ct, "contact.id_no", "经办人身份证号", 0, org, &ap->contact_id_no);
}

/* The investment-project data of an investment item (项目名称 … 建设内容). */
static int project_parse(struct ctx *c, json_t *in, int investment, const char **out)
{
	json_t *p = object_field(in, "project");
	*out = "";
	if (!investment)
		return E_OK;
	if (!p)
		return ctx_fail(c, E_INVALID, "project", "投资项目须填写项目信息");
	static const struct {
		const char *key, *label;
		int required;
		size_t max;
	} f[] = {{"name", "项目名称", 1, 100},
		 {"code", "项目代码", 0, 40},
		 {"amount", "总投资（万元）", 1, 20},
		 {"location", "建设地点", 1, 200},
		 {"content", "建设内容", 0, 2000}};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const char *v = "";
		int rc = field_text(c, p, f[i].key, f[i].label, f[i].required, f[i].required,
				    f[i].max, &v, NULL);
		if (rc < 0) {
			json_decref(o);
			return nested(c, "project", rc);
		}
		json_object_set_new(o, f[i].key, json_string(v));
	}
	const char *amount = json_string_value(json_object_get(o, "amount"));
	char *end;
	double v = strtod(amount, &end);
	if (*end || !(v > 0) || v > 1e10) {
		json_decref(o);
		return ctx_fail(c, E_INVALID, "project.amount", "总投资须为正数（万元）");
	}
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	*out = arena_strdup(c->arena, text);
	free(text);
	return E_OK;
}

/* Tick the checklist: in {"materials":[{"id","present"}]} of the case's own material ids. */
static int materials_tick(struct ctx *c, const struct kase *k, json_t *in)
{
	json_t *arr = json_object_get(in, "materials"), *m;
	size_t i;
	if (!arr)
		return E_OK;
	if (!json_is_array(arr) || json_array_size(arr) > 100)
		return ctx_fail(c, E_INVALID, "materials", "材料清单格式不正确");
	json_array_foreach(arr, i, m)
	{
		int64_t id = 0;
		int present = 0, rc;
		if (!json_is_object(m) ||
		    (rc = field_int(c, m, "id", "材料", 1, 1, INT64_MAX, &id, NULL)) < 0 ||
		    (rc = field_bool(c, m, "present", "是否已交", &present, NULL)) < 0)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "materials[%zu]", i),
					"材料清单第%zu项格式不正确", i + 1);
		int64_t changed = 0;
		struct db_val p[] = {DBI(present), DBI(id), DBI(k->id)};
		if ((rc = db_exec(
			 c->db,
			 "UPDATE case_materials SET present = ? WHERE id = ? AND case_id = ?", p, 3,
			 &changed)) < 0)
			return ctx_db(c, rc);
		if (!changed)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "materials[%zu]", i),
					"材料清单第%zu项不属于本办件", i + 1);
	}
	return E_OK;
}

/* The names of the required materials not yet present, "、"-joined ("" when none). */
static int missing_names(struct ctx *c, int64_t case_id, json_t **list, const char **joined)
{
	struct db_res *r;
	struct db_val p[] = {DBI(case_id)};
	int rc = db_query(c->db, &r,
			  "SELECT name FROM case_materials WHERE case_id = ? AND required = 1 AND "
			  "present = 0 ORDER BY seq",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	*list = json_array();
	const char *s = "";
	while ((rc = db_next(r)) > 0) {
		json_array_append_new(*list, json_string(db_text(r, 0)));
		s = *s ? arena_printf(c->arena, "%s、%s", s, db_text(r, 0))
		       : arena_strdup(c->arena, db_text(r, 0));
	}
	db_res_free(r);
	*joined = s;
	if (rc < 0) {
		json_decref(*list);
		return ctx_db(c, rc);
	}
	return E_OK;
}

static int text_field(struct ctx *c, json_t *in, const char *key, const char *label,
		      const char **out)
{
	return field_lines(c, in, key, label, 1, 1, CASE_MAX_TEXT, out, NULL);
}

/* ---- applying ---- */

struct item_info {
	int64_t id, center_id, unit_id;
	const char *kind, *region;
	int statutory, promised, investment, disabled;
};

static int item_info_load(struct ctx *c, json_t *in, struct item_info *it)
{
	int64_t id = 0;
	int rc = field_int(c, in, "item_id", "审批事项", 1, 1, INT64_MAX, &id, NULL);
	if (rc < 0)
		return rc;
	struct db_res *r;
	struct db_val p[] = {DBI(id)};
	if ((rc = db_query(
		 c->db, &r,
		 "SELECT i.id, i.center_id, i.unit_id, i.kind, ce.region_code, "
		 "i.statutory_days, i.promised_days, i.investment, i.disabled FROM items i "
		 "JOIN centers ce ON ce.id = i.center_id WHERE i.id = ?",
		 p, 1)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) <= 0) {
		db_res_free(r);
		return rc < 0 ? ctx_db(c, rc) : ctx_fail(c, E_INVALID, "item_id", "审批事项不存在");
	}
	*it = (struct item_info){
	    .id = db_int(r, 0),
	    .center_id = db_int(r, 1),
	    .unit_id = db_int(r, 2),
	    .kind = arena_strdup(c->arena, db_text(r, 3)),
	    .region = arena_strdup(c->arena, db_text(r, 4)),
	    .statutory = (int)db_int(r, 5),
	    .promised = (int)db_int(r, 6),
	    .investment = (int)db_int(r, 7),
	    .disabled = (int)db_int(r, 8),
	};
	db_res_free(r);
	if (it->disabled)
		return ctx_fail(c, E_INVALID, "item_id", "该审批事项已停用");
	return E_OK;
}

static int no_supervisor(struct ctx *c)
{
	const struct actor *a = c->actor;
	if (a && !(a->roles & (ROLE_CLERK | ROLE_HANDLER)) && (a->roles & ROLE_SUPERVISOR))
		return ctx_fail(c, E_FORBIDDEN, NULL, "监察人员只能查看和督办，不能办理办件");
	return E_OK;
}

int case_apply(struct ctx *c, json_t *in, struct case_brief *out)
{
	struct item_info it;
	struct applicant ap;
	const char *project, *summary = "";
	int rc;
	if ((rc = no_supervisor(c)) < 0 || (rc = item_info_load(c, in, &it)) < 0)
		return rc;
	struct kase k = {.unit_id = it.unit_id, .center_id = it.center_id};
	if (!window_ok(c, &k))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有该事项所属单位的窗口人员可以受理申请");
	if ((rc = applicant_parse(c, in, 1, &ap)) < 0 ||
	    (rc = project_parse(c, in, it.investment, &project)) < 0 ||
	    (rc = field_lines(c, in, "summary", "申请说明", 0, 0, CASE_MAX_TEXT, &summary, NULL)) <
		0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	int64_t serial;
	if ((rc = serial_next(c, it.center_id, "case", today, &serial)) < 0)
		return rc;
	k.no = number(c, "", it.region, today, 6, serial);
	struct db_val p[] = {DBT(k.no),
			     DBI(it.center_id),
			     DBI(it.unit_id),
			     DBI(it.id),
			     DBT(it.kind),
			     DBI(it.statutory),
			     DBI(it.promised),
			     DBT(ap.kind),
			     DBT(ap.name),
			     DBT(ap.id_no),
			     DBT(ap.phone),
			     DBT(ap.address),
			     DBT(ap.contact_name),
			     DBT(ap.contact_id_no),
			     DBT(ap.contact_phone),
			     DBT(project),
			     DBT(summary),
			     c->actor ? DBI(c->actor->id) : DBN,
			     DBI(c->now),
			     DBI(today),
			     DBI(c->now)};
	if ((rc = db_exec(
		 c->db,
		 "INSERT INTO cases (no, center_id, unit_id, item_id, item_kind, "
		 "statutory_days, promised_days, state, applicant_kind, applicant_name, "
		 "applicant_id_no, applicant_phone, applicant_address, contact_name, "
		 "contact_id_no, contact_phone, project, summary, created_by, created_at, "
		 "applied_day, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?, "
		 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 p, (int)(sizeof(p) / sizeof(p[0])), NULL)) < 0)
		return ctx_db(c, rc);
	struct db_val q[] = {DBT(k.no)};
	if ((rc = ctx_int(c, "SELECT id FROM cases WHERE no = ?", q, 1, &k.id)) < 0)
		return rc;
	struct db_val m[] = {DBI(k.id), DBI(it.id)};
	if ((rc = db_exec(c->db,
			  "INSERT INTO case_materials (case_id, seq, name, form, copies, required) "
			  "SELECT ?, seq, name, form, copies, required FROM item_materials "
			  "WHERE item_id = ?",
			  m, 2, NULL)) < 0)
		return ctx_db(c, rc);
	/* the checklist refers to the item's materials by their ids: map them to the case's */
	json_t *ticks = json_object_get(in, "materials"), *t;
	size_t i;
	if (ticks && !json_is_array(ticks))
		return ctx_fail(c, E_INVALID, "materials", "材料清单格式不正确");
	json_array_foreach(ticks, i, t)
	{
		int64_t mid = 0;
		int present = 0;
		if (i >= 100 || !json_is_object(t) ||
		    field_int(c, t, "id", "材料", 1, 1, INT64_MAX, &mid, NULL) < 0 ||
		    field_bool(c, t, "present", "是否已交", &present, NULL) < 0)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "materials[%zu]", i),
					"材料清单第%zu项格式不正确", i + 1);
		int64_t changed = 0;
		struct db_val u[] = {DBI(present), DBI(k.id), DBI(mid), DBI(it.id)};
		if ((rc = db_exec(
			 c->db,
			 "UPDATE case_materials SET present = ? WHERE case_id = ? AND seq = "
			 "(SELECT seq FROM item_materials WHERE id = ? AND item_id = ?)",
			 u, 4, &changed)) < 0)
			return ctx_db(c, rc);
		if (!changed)
			return ctx_fail(c, E_INVALID, arena_printf(c->arena, "materials[%zu]", i),
					"材料清单第%zu项不是该事项的材料", i + 1);
	}
	if ((rc = stats_on_case(c, k.id, "apply")) < 0)
		return rc;
	json_t *ev = json_pack("{s:I,s:s,s:s}", "item_id", (json_int_t)it.id, "applicant", ap.name,
			       "kind", ap.kind);
	if ((rc = event_append(c, it.center_id, k.id, "case.apply",
			       (json_object_set_new(ev, "no", json_string(k.no)), ev))) < 0)
		return rc;
	*out = (struct case_brief){.no = arena_strdup(c->arena, k.no), .state = "applied"};
	return E_OK;
}

/* ---- transitions ---- */

static int act_materials(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	(void)ev;
	if (!is(k, "applied") && !is(k, "supplement"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，材料清单不能再修改",
				state_name(k->state));
	return materials_tick(c, k, in);
}

static int act_accept(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	json_t *missing;
	const char *names;
	int rc;
	if (!is(k, "applied"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能受理", state_name(k->state));
	if ((rc = materials_tick(c, k, in)) < 0 ||
	    (rc = missing_names(c, k->id, &missing, &names)) < 0)
		return rc;
	json_decref(missing);
	if (*names)
		return ctx_fail(c, E_STATE, "materials",
				"必交材料未齐全（%s），不能受理；请出具一次性告知通知书", names);
	struct calendar cal;
	if ((rc = calendar_load(c, &cal)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	k->accepted_day = today;
	int64_t version = 0;
	struct process_step *ps = NULL;
	size_t np = 0;
	if (!strcmp(k->kind, "promised") &&
	    (rc = process_current(c, k->item_id, &version, &ps, &np)) < 0)
		return rc;
	for (size_t i = 0; i < np; i++) {
		struct db_val p[] = {DBI(k->id),
				     DBI(k->center_id),
				     DBI(k->unit_id),
				     DBI(k->item_id),
				     DBI(ps[i].stage),
				     DBI(ps[i].seq),
				     DBT(ps[i].name),
				     DBT(ps[i].kind),
				     ps[i].handler_id ? DBI(ps[i].handler_id) : DBN,
				     DBI(ps[i].limit_days),
				     DBT(ps[i].transfer_desc),
				     DBI(ps[i].transfer_days)};
		if ((rc = db_exec(
			 c->db,
			 "INSERT INTO case_steps (case_id, center_id, unit_id, item_id, stage, "
			 "seq, name, kind, handler_id, limit_days, transfer_desc, "
			 "transfer_days, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			 "'waiting')",
			 p, 12, NULL)) < 0)
			return ctx_db(c, rc);
	}
	k->due_day = calendar_add_workdays(&cal, today, k->promised_days);
	const char *state = strcmp(k->kind, "promised") ? "accepted" : "in_process";
	struct db_val p[] = {c->actor ? DBI(c->actor->id) : DBN, DBI(c->now), DBI(today),
			     DBI(k->due_day), DBI(version)};
	if ((rc = set_state(c, k, state,
			    "accepted_by = ?, accepted_at = ?, accepted_day = ?, due_day = ?, "
			    "process_version = ?",
			    p, 5)) < 0)
		return rc;
	json_object_set_new(ev, "due_day", json_integer(k->due_day));
	if (strcmp(k->kind, "promised"))
		return E_OK;
	/* the accept step is done by the acceptance itself */
	struct step *s;
	size_t n;
	if ((rc = steps_load(c, k->id, &s, &n)) < 0 || (rc = stage_start(c, &cal, s, n, 1)) < 0)
		return rc;
	return step_finish(c, &cal, s, n, &s[0], "active", "受理");
}

static int act_refuse(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	const char *reason;
	int rc;
	if (!is(k, "applied"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能不予受理", state_name(k->state));
	if ((rc = text_field(c, in, "reason", "不予受理理由", &reason)) < 0)
		return rc;
	struct db_val p[] = {DBT(reason), DBI(c->now)};
	json_object_set_new(ev, "reason", json_string(reason));
	return set_state(c, k, "refused", "decision_note = ?, decided_at = ?", p, 2);
}

static int act_supplement(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	const char *note = "", *names;
	json_t *missing;
	int rc;
	if (!is(k, "applied"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能一次性告知", state_name(k->state));
	if ((rc = materials_tick(c, k, in)) < 0 ||
	    (rc = field_lines(c, in, "note", "告知说明", 0, 0, CASE_MAX_TEXT, &note, NULL)) < 0 ||
	    (rc = missing_names(c, k->id, &missing, &names)) < 0)
		return rc;
	if (!*names) {
		json_decref(missing);
		return ctx_fail(c, E_STATE, "materials",
				"必交材料已齐全，无需一次性告知，请直接受理");
	}
	json_object_set_new(ev, "missing", missing);
	struct db_val p[] = {DBT(note), DBI(c->now)};
	if ((rc = set_state(c, k, "supplement", "decision_note = ?, decided_at = ?", p, 2)) < 0)
		return rc;
	return card_late_notice(c, k->id);
}

static int act_resupply(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	(void)ev;
	int rc;
	if (!is(k, "supplement"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，无需补正材料", state_name(k->state));
	return (rc = materials_tick(c, k, in)) < 0 ? rc : set_state(c, k, "applied", "", NULL, 0);
}

static int act_withdraw(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	const char *reason;
	int rc;
	if (!is(k, "applied") && !is(k, "supplement") && !open_state(k->state))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能撤回", state_name(k->state));
	if ((rc = text_field(c, in, "reason", "撤回原因", &reason)) < 0)
		return rc;
	struct db_val p[] = {DBT(reason), DBI(c->now)}, q[] = {DBI(k->id)};
	if ((rc = db_exec(c->db,
			  "UPDATE case_steps SET state = 'waiting' WHERE case_id = ? AND state <> "
			  "'done'",
			  q, 1, NULL)) < 0)
		return ctx_db(c, rc);
	json_object_set_new(ev, "reason", json_string(reason));
	return set_state(c, k, "withdrawn",
			 "decision_note = ?, decided_at = ?, paused_since = NULL", p, 2);
}

/* The step actions share their start: the steps, the calendar and the one step. */
static int step_begin(struct ctx *c, struct kase *k, json_t *in, const char *action,
		      struct calendar *cal, struct step **all, size_t *n, struct step **s,
		      json_t *ev)
{
	int rc;
	if ((rc = steps_load(c, k->id, all, n)) < 0 ||
	    (rc = step_pick(c, k, *all, *n, in, action, s)) < 0 || (rc = calendar_load(c, cal)) < 0)
		return rc;
	json_object_set_new(ev, "step_id", json_integer((*s)->id));
	json_object_set_new(ev, "step", json_string((*s)->name));
	return E_OK;
}

static int act_submit(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	struct calendar cal;
	struct step *all, *s;
	size_t n;
	const char *opinion;
	int rc;
	if ((rc = step_begin(c, k, in, "submit", &cal, &all, &n, &s, ev)) < 0 ||
	    (rc = text_field(c, in, "opinion", "拟办意见", &opinion)) < 0)
		return rc;
	json_object_set_new(ev, "opinion", json_string(opinion));
	return step_finish(c, &cal, all, n, s, "active", opinion);
}

static int act_return(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	struct calendar cal;
	struct step *all, *s;
	size_t n;
	const char *reason;
	int rc;
	if ((rc = step_begin(c, k, in, "return", &cal, &all, &n, &s, ev)) < 0 ||
	    (rc = text_field(c, in, "reason", "退回理由", &reason)) < 0)
		return rc;
	if (s->stage <= 2)
		return ctx_fail(c, E_STATE, NULL, "「%s」是受理后的第一个环节，不能退回", s->name);
	for (size_t i = 0; i < n; i++)
		if (all[i].stage == s->stage && !strcmp(all[i].state, "out"))
			return ctx_fail(c, E_STATE, NULL, "「%s」转外尚未返回，不能退回",
					all[i].name);
	struct db_val p[] = {DBI(k->id), DBI(s->stage)};
	if ((rc = db_exec(
		 c->db,
		 "UPDATE case_steps SET state = 'waiting', started_at = NULL, "
		 "started_day = NULL, due_day = NULL, finished_at = NULL, finished_by = NULL, "
		 "opinion = '' WHERE case_id = ? AND stage = ?",
		 p, 2, NULL)) < 0)
		return ctx_db(c, rc);
	json_object_set_new(ev, "reason", json_string(reason));
	return stage_start(c, &cal, all, n, s->stage - 1);
}

static int act_transfer_out(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	struct calendar cal;
	struct step *all, *s;
	size_t n;
	const char *note;
	int rc;
	if ((rc = step_begin(c, k, in, "transfer-out", &cal, &all, &n, &s, ev)) < 0 ||
	    (rc = text_field(c, in, "note", "转外说明", &note)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	int64_t changed = 0;
	struct db_val p[] = {DBI(today), DBI(calendar_add_workdays(&cal, today, s->transfer_days)),
			     DBT(note), DBI(s->id)};
	if ((rc = db_exec(c->db,
			  "UPDATE case_steps SET state = 'out', out_day = ?, due_day = ?, "
			  "opinion = ? WHERE id = ? AND state = 'active'",
			  p, 4, &changed)) < 0)
		return ctx_db(c, rc);
	if (changed != 1)
		return ctx_fail(c, E_STATE, NULL, "该环节已转外，请勿重复提交");
	json_object_set_new(ev, "note", json_string(note));
	return deadline_update(c, &cal, k);
}

static int act_transfer_back(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	struct calendar cal;
	struct step *all, *s;
	size_t n;
	const char *opinion;
	int rc;
	if ((rc = step_begin(c, k, in, "transfer-back", &cal, &all, &n, &s, ev)) < 0 ||
	    (rc = text_field(c, in, "opinion", "转外结果", &opinion)) < 0)
		return rc;
	json_object_set_new(ev, "opinion", json_string(opinion));
	if ((rc = step_finish(c, &cal, all, n, s, "out", opinion)) < 0 ||
	    (rc = deadline_update(c, &cal, k)) < 0)
		return rc;
	json_object_set_new(ev, "due_day", json_integer(k->due_day));
	return E_OK;
}

static int act_complete(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	struct calendar cal;
	struct step *all = NULL, *s = NULL;
	size_t n = 0;
	const char *opinion, *doc_no;
	int permitted = 0, has_permitted = 0, rc;
	if (is(k, "accepted")) {
		if (!window_ok(c, k))
			return ctx_fail(c, E_FORBIDDEN, NULL,
					"只有该事项所属单位的窗口人员可以办结");
	} else if ((rc = step_begin(c, k, in, "complete", &cal, &all, &n, &s, ev)) < 0) {
		return rc;
	}
	if ((rc = text_field(c, in, "opinion", "办结意见", &opinion)) < 0 ||
	    (rc = field_text(c, in, "doc_no", "批文号", 1, 1, CASE_MAX_NAME, &doc_no, NULL)) < 0 ||
	    (rc = field_bool(c, in, "permitted", "是否许可", &permitted, &has_permitted)) < 0)
		return rc;
	if (!has_permitted)
		return ctx_fail(c, E_INVALID, "permitted", "请选择是否许可");
	if (s && (rc = step_finish(c, &cal, all, n, s, "active", opinion)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	struct db_val p[] = {c->actor ? DBI(c->actor->id) : DBN,
			     DBI(c->now),
			     DBI(today),
			     DBI(permitted),
			     DBT(doc_no),
			     DBT(opinion)};
	json_object_set_new(ev, "permitted", json_boolean(permitted));
	json_object_set_new(ev, "doc_no", json_string(doc_no));
	json_object_set_new(ev, "on_time", json_boolean(today <= k->due_day));
	return set_state(c, k, "completed",
			 "completed_by = ?, completed_at = ?, completed_day = ?, permitted = ?, "
			 "doc_no = ?, opinion = ?",
			 p, 6);
}

static const char *const rating_names[] = {"",	       "非常不满意", "不满意",
					   "基本满意", "满意",	     "非常满意"};

static int act_pickup(struct ctx *c, struct kase *k, json_t *in, json_t *ev)
{
	int no_card = 0, rc;
	int64_t rating = 0;
	const char *comment = "", *id_no = "";
	if (!is(k, "completed"))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能取件", state_name(k->state));
	if (!pickup_ok(c, k))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有本中心的窗口人员可以办理取件");
	if ((rc = field_bool(c, in, "no_id_card", "无身份证", &no_card, NULL)) < 0)
		return rc;
	if (!no_card) {
		const char *expect =
		    strcmp(k->applicant_kind, "org") ? k->applicant_id_no : k->contact_id_no;
		if ((rc = id_field(c, in, "id_no", "id_no", "身份证号", 0, &id_no)) < 0)
			return rc;
		if (strcmp(id_no, expect))
			return ctx_fail(c, E_INVALID, "id_no", "身份证与%s不符，请核对取件人身份",
					strcmp(k->applicant_kind, "org") ? "申请人" : "经办人");
	}
	if (!json_is_integer(json_object_get(in, "rating")) ||
	    (rc = field_int(c, in, "rating", "满意度评价", 1, 1, 5, &rating, NULL)) < 0)
		return ctx_fail(
		    c, E_INVALID, "rating",
		    "请选择满意度评价：非常满意5、满意4、基本满意3、不满意2、非常不满意1");
	if ((rc = field_lines(c, in, "comment", "评价意见", 0, 0, CASE_MAX_TEXT, &comment, NULL)) <
	    0)
		return rc;
	struct db_val p[] = {c->actor ? DBI(c->actor->id) : DBN, DBI(c->now), DBI(no_card),
			     DBI(rating), DBT(comment)};
	if ((rc = set_state(c, k, "picked_up",
			    "picked_up_by = ?, picked_up_at = ?, no_id_card = ?, rating = ?, "
			    "rating_comment = ?",
			    p, 5)) < 0)
		return rc;
	json_object_set_new(ev, "rating", json_integer(rating));
	json_object_set_new(ev, "no_id_card", json_boolean(no_card));
	/* 差评: a follow-up is due */
	return rating <= 2 ? followup_open(c, k->id) : E_OK;
}

struct action {
	const char *name;
	int (*fn)(struct ctx *c, struct kase *k, json_t *in, json_t *ev);
	int window; /* the case's window staff only (the step actions check their step) */
};
static const struct action actions[] = {
    {"materials", act_materials, 1},
    {"accept", act_accept, 1},
    {"refuse", act_refuse, 1},
    {"supplement", act_supplement, 1},
    {"resupply", act_resupply, 1},
    {"withdraw", act_withdraw, 1},
    {"submit", act_submit, 0},
    {"return", act_return, 0},
    {"transfer-out", act_transfer_out, 0},
    {"transfer-back", act_transfer_back, 0},
    {"complete", act_complete, 0},
    {"pickup", act_pickup, 0},
};

int case_act(struct ctx *c, const char *no, const char *name, json_t *in, struct case_brief *out)
{
	const struct action *act = NULL;
	struct kase k;
	enum sight sight;
	int rc;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]) && !act; i++)
		if (!strcmp(actions[i].name, name))
			act = &actions[i];
	if (!act)
		return ctx_fail(c, E_NOT_FOUND, NULL, "没有这项办件操作");
	if ((rc = kase_lock(c, no, &k)) < 0 || (rc = sight_of(c, &k, &sight)) < 0)
		return rc;
	if (sight == SIGHT_NONE)
		return ctx_fail(c, E_NOT_FOUND, NULL, "办件不存在");
	if ((rc = no_supervisor(c)) < 0)
		return rc;
	if (act->window && !window_ok(c, &k))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有该事项所属单位的窗口人员可以办理");
	json_t *ev = json_object();
	if ((rc = act->fn(c, &k, in, ev)) < 0) {
		json_decref(ev);
		return rc;
	}
	if ((rc = stats_on_case(c, k.id, name)) < 0 || (rc = case_event(c, &k, name, ev)) < 0)
		return rc;
	*out = (struct case_brief){.no = k.no, .state = k.state, .due_day = k.due_day};
	return E_OK;
}

/* ---- reading ---- */

static json_t *day_json(struct db_res *r, int col)
{
	if (db_isnull(r, col))
		return json_null();
	char s[CALENDAR_DAY_LEN];
	calendar_format_day((int32_t)db_int(r, col), s);
	return json_string(s);
}

static json_t *day_string(int32_t day)
{
	char s[CALENDAR_DAY_LEN];
	if (!day)
		return json_null();
	calendar_format_day(day, s);
	return json_string(s);
}

static json_t *int_or_null(struct db_res *r, int col)
{
	return db_isnull(r, col) ? json_null() : json_integer(db_int(r, col));
}

static json_t *text_or_null(struct db_res *r, int col)
{
	return db_isnull(r, col) ? json_null() : json_string(db_text(r, col));
}

#define CASE_DETAIL                                                                                \
	"SELECT k.id, k.no, k.old_no, k.state, ce.id, ce.name, ce.region_code, ce.address, "       \
	"ce.phone, un.id, un.name, i.id, i.code, i.name, k.item_kind, k.statutory_days, "          \
	"k.promised_days, i.investment, k.applicant_kind, k.applicant_name, k.applicant_id_no, "   \
	"k.applicant_phone, k.applicant_address, k.contact_name, k.contact_id_no, "                \
	"k.contact_phone, k.project, k.summary, k.created_at, k.applied_day, k.accepted_at, "      \
	"k.accepted_day, k.due_day, k.paused_since, k.paused_days, k.decision_note, "              \
	"k.completed_at, k.permitted, k.doc_no, k.opinion, k.picked_up_at, k.no_id_card, "         \
	"k.rating, k.rating_comment, k.urged, cb.name, ab.name, co.name, pb.name, "                \
	"COALESCE(i.warn_days, ce.warn_days), k.completed_day, k.process_version "                 \
	"FROM cases k JOIN centers ce ON ce.id = k.center_id JOIN units un ON un.id = k.unit_id "  \
	"JOIN items i ON i.id = k.item_id LEFT JOIN users cb ON cb.id = k.created_by "             \
	"LEFT JOIN users ab ON ab.id = k.accepted_by LEFT JOIN users co ON co.id = "               \
	"k.completed_by "                                                                          \
	"LEFT JOIN users pb ON pb.id = k.picked_up_by WHERE k.id = ?"

static json_t *detail_row(struct db_res *r)
{
	const char *state = db_text(r, 3);
	json_t *o =
	    json_pack("{s:I,s:s,s:o,s:s,s:s,s:{s:I,s:s,s:s,s:s,s:s},s:{s:I,s:s},"
		      "s:{s:I,s:s,s:s,s:s,s:I,s:I,s:b}}",
		      "id", (json_int_t)db_int(r, 0), "no", db_text(r, 1), "old_no",
		      text_or_null(r, 2), "state", state, "state_name", state_name(state), "center",
		      "id", (json_int_t)db_int(r, 4), "name", db_text(r, 5), "region_code",
		      db_text(r, 6), "address", db_text(r, 7), "phone", db_text(r, 8), "unit", "id",
		      (json_int_t)db_int(r, 9), "name", db_text(r, 10), "item", "id",
		      (json_int_t)db_int(r, 11), "code", db_text(r, 12), "name", db_text(r, 13),
		      "kind", db_text(r, 14), "statutory_days", (json_int_t)db_int(r, 15),
		      "promised_days", (json_int_t)db_int(r, 16), "investment", (int)db_int(r, 17));
	json_t *project = *db_text(r, 26) ? json_loads(db_text(r, 26), 0, NULL) : NULL;
	json_object_update_new(
	    o, json_pack("{s:{s:s,s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s},s:o,s:s}", "applicant", "kind",
			 db_text(r, 18), "name", db_text(r, 19), "id_no", db_text(r, 20), "phone",
			 db_text(r, 21), "address", db_text(r, 22), "contact", "name",
			 db_text(r, 23), "id_no", db_text(r, 24), "phone", db_text(r, 25),
			 "project", project ? project : json_null(), "summary", db_text(r, 27)));
	json_object_update_new(
	    o, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:s?,s:s?,s:I,s:o}", "applied_at",
			 (json_int_t)db_int(r, 28), "applied_day", day_json(r, 29), "accepted_at",
			 int_or_null(r, 30), "accepted_day", day_json(r, 31), "due_day",
			 day_json(r, 32), "completed_at", int_or_null(r, 36), "paused_days",
			 (json_int_t)db_int(r, 34), "picked_up_at", int_or_null(r, 40),
			 "completed_day", day_json(r, 50), "created_by", db_text(r, 45),
			 "accepted_by", db_isnull(r, 46) ? NULL : db_text(r, 46), "warn_days",
			 (json_int_t)db_int(r, 49), "urged", json_boolean(db_int(r, 44))));
	json_object_set_new(o, "paused", json_boolean(!db_isnull(r, 33)));
	json_object_set_new(o, "process_version", json_integer(db_int(r, 51)));
	json_object_set_new(o, "refuse_reason",
			    !strcmp(state, "refused") ? json_string(db_text(r, 35)) : json_null());
	json_object_set_new(o, "supplement_note",
			    !strcmp(state, "supplement") ? json_string(db_text(r, 35))
							 : json_null());
	json_object_set_new(o, "withdraw_reason",
			    !strcmp(state, "withdrawn") ? json_string(db_text(r, 35))
							: json_null());
	json_object_set_new(
	    o, "completion",
	    db_isnull(r, 36) ? json_null()
			     : json_pack("{s:b,s:s,s:s,s:s,s:I}", "permitted", (int)db_int(r, 37),
					 "doc_no", db_text(r, 38), "opinion", db_text(r, 39), "by",
					 db_text(r, 47), "at", (json_int_t)db_int(r, 36)));
	int rating = (int)db_int(r, 42);
	json_object_set_new(
	    o, "pickup",
	    db_isnull(r, 40)
		? json_null()
		: json_pack("{s:b,s:b,s:i,s:s,s:s,s:s,s:I}", "no_id_card", (int)db_int(r, 41),
			    "id_checked", !db_int(r, 41), "rating", rating, "rating_name",
			    rating_names[rating >= 1 && rating <= 5 ? rating : 0], "comment",
			    db_text(r, 43), "by", db_text(r, 48), "at", (json_int_t)db_int(r, 40)));
	return o;
}

static json_t *material_row(struct db_res *r)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:I,s:b,s:b,s:s,s:[]}", "id", (json_int_t)db_int(r, 0),
			 "seq", (json_int_t)db_int(r, 1), "name", db_text(r, 2), "form",
			 db_text(r, 3), "copies", (json_int_t)db_int(r, 4), "required",
			 (int)db_int(r, 5), "present", (int)db_int(r, 6), "note", db_text(r, 7),
			 "files");
}

static json_t *file_row(struct db_res *r)
{
	return json_pack("{s:I,s:o,s:o,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)db_int(r, 0),
			 "material_id", int_or_null(r, 1), "notice_kind", text_or_null(r, 2),
			 "name", db_text(r, 3), "size", (json_int_t)db_int(r, 4), "mime",
			 db_text(r, 5), "sha256", db_text(r, 6), "uploaded_at",
			 (json_int_t)db_int(r, 7));
}

#define FILE_SELECT                                                                                \
	"SELECT f.id, f.material_id, f.notice_kind, f.name, a.size, a.mime, f.sha256, "            \
	"f.uploaded_at FROM case_files f JOIN attachments a ON a.sha256 = f.sha256 "

/* Materials with their files, and the signed notices. */
static int materials_json(struct ctx *c, int64_t case_id, json_t *o)
{
	json_t *mats = NULL, *files = NULL, *f, *m;
	size_t i, j;
	struct db_val p[] = {DBI(case_id)};
	int rc = ctx_rows(c,
			  "SELECT id, seq, name, form, copies, required, present, note "
			  "FROM case_materials WHERE case_id = ? ORDER BY seq",
			  p, 1, material_row, &mats);
	if (rc < 0 || (rc = ctx_rows(c, FILE_SELECT "WHERE f.case_id = ? ORDER BY f.id", p, 1,
				     file_row, &files)) < 0) {
		json_decref(mats);
		return rc;
	}
	json_t *signed_ = json_array(), *missing = json_array();
	json_array_foreach(files, i, f)
	{
		json_int_t mid = json_integer_value(json_object_get(f, "material_id"));
		json_t *home = signed_;
		json_array_foreach(mats, j, m) if (json_integer_value(json_object_get(m, "id")) ==
						   mid) home = json_object_get(m, "files");
		json_array_append(home, f);
	}
	json_array_foreach(mats, j, m) if (json_is_true(json_object_get(m, "required")) &&
					   !json_is_true(json_object_get(m, "present")))
	    json_array_append(missing, json_object_get(m, "name"));
	json_decref(files);
	json_object_set_new(o, "materials", mats);
	json_object_set_new(o, "missing", missing);
	json_object_set_new(o, "signed", signed_);
	return E_OK;
}

static json_t *step_row(struct db_res *r)
{
	return json_pack(
	    "{s:I,s:I,s:I,s:s,s:s,s:o,s:I,s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:s}", "id",
	    (json_int_t)db_int(r, 0), "stage", (json_int_t)db_int(r, 1), "seq",
	    (json_int_t)db_int(r, 2), "name", db_text(r, 3), "kind", db_text(r, 4), "handler",
	    db_isnull(r, 5)
		? json_null()
		: json_pack("{s:I,s:s}", "id", (json_int_t)db_int(r, 5), "name", db_text(r, 6)),
	    "limit_days", (json_int_t)db_int(r, 7), "transfer_desc", db_text(r, 8), "transfer_days",
	    (json_int_t)db_int(r, 9), "state", db_text(r, 10), "started_at", int_or_null(r, 11),
	    "due_day", day_json(r, 12), "out_day", day_json(r, 13), "finished_at",
	    int_or_null(r, 14), "finished_by", text_or_null(r, 15), "opinion", db_text(r, 16));
}

static const char *event_text(const char *type)
{
	static const char *const texts[][2] = {
	    {"case.apply", "申请登记"},
	    {"case.materials", "核对材料"},
	    {"case.accept", "受理"},
	    {"case.refuse", "不予受理"},
	    {"case.supplement", "一次性告知"},
	    {"case.resupply", "补正材料"},
	    {"case.withdraw", "撤回"},
	    {"case.submit", "提交"},
	    {"case.return", "退回"},
	    {"case.transfer-out", "转外"},
	    {"case.transfer-back", "转外返回"},
	    {"case.complete", "办结"},
	    {"case.pickup", "取件"},
	    {"urge.create", "督办催办"},
	    {"urge.answer", "答复督办"},
	    {"card.raise", "自动问责"},
	    {"followup.answer", "差评整改答复"},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(texts[i][0], type))
			return texts[i][1];
	return type;
}

static json_t *history_row(struct db_res *r)
{
	json_t *payload = json_loads(db_text(r, 4), 0, NULL);
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:o}", "seq", (json_int_t)db_int(r, 0), "at",
			 (json_int_t)db_int(r, 1), "type", db_text(r, 2), "text",
			 event_text(db_text(r, 2)), "actor", db_text(r, 3), "payload",
			 payload ? payload : json_object());
}

/* The lights of the case and its steps, and what the actor may do now. */
static void lights_and_actions(struct ctx *c, const struct calendar *cal, const struct kase *k,
			       struct step *s, size_t n, json_t *o)
{
	int32_t today = calendar_day_of(c->now);
	if (open_state(k->state) && k->due_day) {
		int left = case_days_left(cal, today, k->due_day, k->paused_since);
		json_object_set_new(o, "light", json_string(case_light(left, k->warn_days)));
		json_object_set_new(o, "days_left", json_integer(left));
	} else {
		json_object_set_new(o, "light", json_string("none"));
		json_object_set_new(o, "days_left", json_null());
	}
	json_t *steps = json_object_get(o, "steps"), *st;
	size_t i;
	json_array_foreach(steps, i, st)
	{
		const char *state = json_string_value(json_object_get(st, "state"));
		const char *light = "none";
		if (i < n && open_state(k->state) && s[i].due_day &&
		    (!strcmp(state, "active") || !strcmp(state, "out")))
			light = case_light(calendar_workdays_between(cal, today, s[i].due_day),
					   k->warn_days);
		json_object_set_new(st, "light", json_string(light));
	}
	json_t *acts = json_array(), *more = NULL;
	int window =
	    window_ok(c, k) && !(c->actor && !(c->actor->roles & (ROLE_CLERK | ROLE_HANDLER)));
	if (window && is(k, "applied"))
		more = json_pack("[s,s,s,s,s]", "materials", "accept", "refuse", "supplement",
				 "withdraw");
	else if (window && is(k, "supplement"))
		more = json_pack("[s,s]", "resupply", "withdraw");
	else if (window && is(k, "accepted"))
		more = json_pack("[s,s]", "complete", "withdraw");
	if (more) {
		json_array_extend(acts, more);
		json_decref(more);
	}
	for (size_t r = 0; is(k, "in_process") && r < sizeof(step_rules) / sizeof(step_rules[0]);
	     r++) {
		for (i = 0; i < n; i++) {
			if (step_fits(&step_rules[r], &s[i]) && step_mine(c, k, &s[i]) &&
			    (strcmp(step_rules[r].action, "return") || s[i].stage > 2)) {
				json_array_append_new(acts, json_string(step_rules[r].action));
				break;
			}
		}
	}
	if (window && is(k, "in_process"))
		json_array_append_new(acts, json_string("withdraw"));
	if (is(k, "completed") && pickup_ok(c, k) &&
	    (!c->actor || (c->actor->roles & (ROLE_CLERK | ROLE_HANDLER))))
		json_array_append_new(acts, json_string("pickup"));
	json_object_set_new(o, "actions", acts);
}

json_t *case_brief_json(const struct case_brief *b)
{
	return json_pack("{s:s,s:s,s:s,s:o}", "no", b->no, "state", b->state, "state_name",
			 state_name(b->state), "due_day", day_string(b->due_day));
}

static json_t *overview(const struct kase *k, struct ctx *c)
{
	json_t *o = NULL;
	struct db_val p[] = {DBI(k->id)};
	struct db_res *r;
	if (db_query(c->db, &r,
		     "SELECT i.name, un.name, k.applied_day FROM cases k JOIN items i ON "
		     "i.id = k.item_id JOIN units un ON un.id = k.unit_id WHERE k.id = ?",
		     p, 1) < 0)
		return NULL;
	if (db_next(r) > 0)
		o = json_pack("{s:s,s:s,s:s,s:{s:s},s:{s:s},s:o,s:o,s:b}", "no", k->no, "state",
			      k->state, "state_name", state_name(k->state), "item", "name",
			      db_text(r, 0), "unit", "name", db_text(r, 1), "applied_day",
			      day_json(r, 2), "due_day", day_string(k->due_day), "overview", 1);
	db_res_free(r);
	return o;
}

int case_get(struct ctx *c, const char *no, json_t **out)
{
	struct kase k;
	enum sight sight;
	struct calendar cal;
	struct step *s;
	size_t n;
	json_t *o = NULL, *steps = NULL, *history = NULL;
	int rc;
	if ((rc = kase_load(c, no, &k)) < 0 || (rc = sight_of(c, &k, &sight)) < 0)
		return rc;
	if (sight == SIGHT_NONE)
		return ctx_fail(c, E_NOT_FOUND, NULL, "办件不存在");
	if (sight == SIGHT_OVERVIEW) {
		*out = overview(&k, c);
		return *out ? E_OK : ctx_fail(c, E_INTERNAL, NULL, NULL);
	}
	struct db_val p[] = {DBI(k.id)};
	if ((rc = ctx_one(c, CASE_DETAIL, p, 1, detail_row, E_NOT_FOUND, "办件不存在", &o)) < 0)
		return rc;
	if ((rc = materials_json(c, k.id, o)) < 0 ||
	    (rc = ctx_rows(
		 c,
		 "SELECT s.id, s.stage, s.seq, s.name, s.kind, s.handler_id, u.name, "
		 "s.limit_days, s.transfer_desc, s.transfer_days, s.state, s.started_at, "
		 "s.due_day, s.out_day, s.finished_at, f.name, s.opinion FROM case_steps s "
		 "LEFT JOIN users u ON u.id = s.handler_id LEFT JOIN users f ON "
		 "f.id = s.finished_by WHERE s.case_id = ? ORDER BY s.stage, s.seq",
		 p, 1, step_row, &steps)) < 0 ||
	    (rc = ctx_rows(c,
			   "SELECT e.seq, e.at, e.type, COALESCE(u.name, '系统'), e.payload FROM "
			   "events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.case_id = ? "
			   "ORDER BY e.seq",
			   p, 1, history_row, &history)) < 0 ||
	    (rc = steps_load(c, k.id, &s, &n)) < 0 || (rc = calendar_load(c, &cal)) < 0) {
		json_decref(o);
		json_decref(steps);
		json_decref(history);
		return rc;
	}
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "history", history);
	json_object_set_new(o, "overview", json_false());
	lights_and_actions(c, &cal, &k, s, n, o);
	*out = o;
	return E_OK;
}

int case_access(struct ctx *c, const char *no, int write, int64_t *case_id, int64_t *center_id)
{
	struct kase k;
	enum sight sight;
	int rc;
	if ((rc = kase_load(c, no, &k)) < 0 || (rc = sight_of(c, &k, &sight)) < 0)
		return rc;
	if (sight == SIGHT_NONE)
		return ctx_fail(c, E_NOT_FOUND, NULL, "办件不存在");
	*case_id = k.id;
	*center_id = k.center_id;
	if (sight == SIGHT_OVERVIEW)
		return ctx_fail(c, E_FORBIDDEN, NULL, "无权查看该办件的详细信息");
	if (write &&
	    (!window_ok(c, &k) || !c->actor || !(c->actor->roles & (ROLE_CLERK | ROLE_HANDLER))))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有该事项所属单位的窗口人员可以上传材料");
	if (write && (is(&k, "refused") || is(&k, "withdrawn") || is(&k, "picked_up")))
		return ctx_fail(c, E_STATE, NULL, "办件%s，不能再上传文件", state_name(k.state));
	return E_OK;
}

int case_svg(struct ctx *c, const char *no, const char **svg, size_t *len)
{
	json_t *o = NULL, *st;
	size_t i;
	int rc;
	if ((rc = case_get(c, no, &o)) < 0)
		return rc;
	if (json_is_true(json_object_get(o, "overview"))) {
		json_decref(o);
		return ctx_fail(c, E_FORBIDDEN, NULL, "无权查看该办件的详细信息");
	}
	json_t *steps = json_object_get(o, "steps");
	if (!json_array_size(steps)) {
		json_decref(o);
		return ctx_fail(c, E_STATE, NULL, "即办件或尚未受理的办件没有办理流程");
	}
	struct flowchart_step *fs = arena_alloc(c->arena, sizeof(*fs) * json_array_size(steps));
	json_array_foreach(steps, i, st)
	{
		const char *state = json_string_value(json_object_get(st, "state"));
		const char *light = json_string_value(json_object_get(st, "light"));
		json_t *h = json_object_get(st, "handler");
		fs[i] = (struct flowchart_step){
		    .stage = (int)json_integer_value(json_object_get(st, "stage")),
		    .name = arena_strdup(c->arena, json_string_value(json_object_get(st, "name"))),
		    .kind = arena_strdup(c->arena, json_string_value(json_object_get(st, "kind"))),
		    .handler_name =
			json_is_object(h)
			    ? arena_strdup(c->arena, json_string_value(json_object_get(h, "name")))
			    : "",
		    .limit_days = (int)json_integer_value(json_object_get(st, "limit_days")),
		    .transfer_desc = arena_strdup(
			c->arena, json_string_value(json_object_get(st, "transfer_desc"))),
		    .transfer_days = (int)json_integer_value(json_object_get(st, "transfer_days")),
		    .light = !strcmp(state, "done")	? FLOWCHART_GREY
			     : !strcmp(light, "red")	? FLOWCHART_RED
			     : !strcmp(light, "yellow") ? FLOWCHART_YELLOW
			     : !strcmp(light, "green")	? FLOWCHART_GREEN
							: FLOWCHART_NONE,
		};
	}
	/* a saved process version was drawn when it was saved: light that drawing */
	int64_t version = json_integer_value(json_object_get(o, "process_version"));
	int64_t item = json_integer_value(json_object_get(json_object_get(o, "item"), "id"));
	const char *title =
	    arena_printf(c->arena, "%s %s", no,
			 json_string_value(json_object_get(json_object_get(o, "item"), "name")));
	size_t n = i;
	json_decref(o);
	const char *base;
	size_t blen;
	if (!version)
		return flowchart_svg(fs, n, title, c->arena, svg, len);
	if ((rc = process_svg(c, item, version, &base, &blen)) < 0)
		return rc;
	return flowchart_light(fs, n, base, blen, c->arena, svg, len);
}

/* ---- search ---- */

#define LIST_MAX_PARAMS 16

/* A WHERE being built: its text and parameters (made of this file's fixed pieces only, so
 * the caps are never reached in practice; `bad` records if they were). */
struct where {
	struct buf sql;
	struct db_val p[LIST_MAX_PARAMS];
	int n, bad;
};

static void sql_add(struct where *w, const char *text)
{
	w->bad |= buf_addstr(&w->sql, text) < 0;
}

static void where_bind(struct where *w, struct db_val v)
{
	if (w->n < LIST_MAX_PARAMS)
		w->p[w->n++] = v;
	else
		w->bad = 1;
}

static void where_add(struct where *w, const char *cond, struct db_val v)
{
	sql_add(w, " AND ");
	sql_add(w, cond);
	where_bind(w, v);
}

/* 0 no, 1 state, 2 item, 3 unit, 4 applicant, 5 applied_day, 6 due_day, 7 urged,
 * 8 paused_since, 9 warn_days, 10 my step's due, 11 my step's name, 12 unit_id, 13 center_id,
 * 14 has_any_step_handler_me; its parameters: me, me, my unit, me */
#define CASE_LIST_SELECT                                                                           \
	"SELECT k.no, k.state, i.name, un.name, k.applicant_name, k.applied_day, k.due_day, "      \
	"k.urged, COALESCE(k.paused_since, 0), COALESCE(i.warn_days, ce.warn_days), "              \
	"COALESCE((SELECT MIN(s.due_day) FROM case_steps s WHERE s.case_id = k.id AND "            \
	"s.handler_id = ? AND s.state IN ('active', 'out')), 0), (SELECT MIN(s.name) FROM "        \
	"case_steps s WHERE s.case_id = k.id AND s.state IN ('active', 'out') AND (s.handler_id "  \
	"= ? OR (s.handler_id IS NULL AND k.unit_id = ?))), k.unit_id, k.center_id, (SELECT "      \
	"COUNT(*) FROM case_steps s WHERE s.case_id = k.id AND s.handler_id = ?) FROM cases k "    \
	"JOIN items i ON i.id = k.item_id JOIN units un ON un.id = k.unit_id JOIN centers ce ON "  \
	"ce.id = k.center_id "

static json_t *list_row(struct db_res *r)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:o}", "no", db_text(r, 0), "state",
		      db_text(r, 1), "state_name", state_name(db_text(r, 1)), "item_name",
		      db_text(r, 2), "unit_name", db_text(r, 3), "applicant_name", db_text(r, 4),
		      "applied_day", day_json(r, 5), "due_day", day_json(r, 6), "urged",
		      (int)db_int(r, 7), "step_name", text_or_null(r, 11));
	/* the raw numbers the lights are computed from; removed before replying */
	json_object_set_new(o, "_",
			    json_pack("[I,I,I,I,I,I,I]", (json_int_t)db_int(r, 6),
				      (json_int_t)db_int(r, 8), (json_int_t)db_int(r, 9),
				      (json_int_t)db_int(r, 10), (json_int_t)db_int(r, 12),
				      (json_int_t)db_int(r, 13), (json_int_t)db_int(r, 14)));
	return o;
}

int case_list(struct ctx *c, json_t *q, json_t **out)
{
	const struct actor *a = c->actor;
	const char *view = *field_query(q, "view") ? field_query(q, "view") : "all";
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	struct where w = {.sql = BUF_INIT(8192)};
	int64_t me = a ? a->id : 0;
	struct db_val sp[] = {DBI(me), DBI(me), DBI(a ? a->unit_id : 0), DBI(me)};
	sql_add(&w, "WHERE 1 = 1");
	int rc = E_OK;
	if (!strcmp(view, "mine")) {
		sql_add(&w,
			" AND (k.id IN (SELECT case_id FROM case_steps WHERE handler_id = ? AND "
			"state IN ('active', 'out')) OR (k.unit_id = ? AND (k.state IN "
			"('applied', 'supplement', 'accepted', 'completed') OR (k.state = "
			"'in_process' AND EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = "
			"k.id AND s.handler_id IS NULL AND s.state IN ('active', 'out'))))))");
		where_bind(&w, DBI(me));
		where_bind(&w, DBI(a && (a->roles & (ROLE_CLERK | ROLE_HANDLER)) ? a->unit_id : 0));
	} else if (!strcmp(view, "unit")) {
		where_add(&w, "k.unit_id = ?", DBI(a ? a->unit_id : 0));
	} else if (strcmp(view, "all")) {
		rc = ctx_fail(c, E_INVALID, "view", "视图须为mine、unit或all");
	}
	/* scope: a center's own staff see their center; supervisors their region */
	if (a && !(a->roles & ROLE_SYSADMIN)) {
		if (a->roles & ROLE_SUPERVISOR) {
			where_add(&w, "(k.center_id = ? OR ce.region_code LIKE ?)",
				  DBI(a->center_id));
			where_bind(&w, DBT(access_region_like(c, a->scope_region)));
		} else {
			where_add(&w, "k.center_id = ?", DBI(a->center_id));
		}
	}
	const char *s;
	if (*(s = field_query(q, "no"))) {
		where_add(&w, "(k.no = ? OR k.old_no = ?)", DBT(s));
		where_bind(&w, DBT(s));
	}
	if (*(s = field_query(q, "q")))
		where_add(&w, "k.applicant_name LIKE ? ESCAPE '\\'", DBT(field_like(c, s)));
	if (*(s = field_query(q, "state")))
		where_add(&w, "k.state = ?", DBT(s));
	int64_t v;
	if ((v = strtoll(field_query(q, "item_id"), NULL, 10)) > 0)
		where_add(&w, "k.item_id = ?", DBI(v));
	if ((v = strtoll(field_query(q, "unit_id"), NULL, 10)) > 0)
		where_add(&w, "k.unit_id = ?", DBI(v));
	int32_t day;
	if (rc == E_OK && *(s = field_query(q, "from"))) {
		if (calendar_parse_day(s, &day) < 0)
			rc = ctx_fail(c, E_INVALID, "from", "开始日期格式须为YYYY-MM-DD");
		else
			where_add(&w, "k.applied_day >= ?", DBI(day));
	}
	if (rc == E_OK && *(s = field_query(q, "to"))) {
		if (calendar_parse_day(s, &day) < 0)
			rc = ctx_fail(c, E_INVALID, "to", "结束日期格式须为YYYY-MM-DD");
		else
			where_add(&w, "k.applied_day <= ?", DBI(day));
	}
	struct ctx_list l = {.select = CASE_LIST_SELECT,
			     .sp = sp,
			     .sn = 4,
			     .from = "cases k JOIN centers ce ON ce.id = k.center_id",
			     .where = w.sql.buf,
			     .p = w.p,
			     .n = w.n,
			     .order = !strcmp(view, "mine") ? "COALESCE(k.due_day, 999999), k.id"
							    : "k.id DESC",
			     .row = list_row};
	if (rc == E_OK && w.bad)
		rc = ctx_fail(c, E_INVALID, NULL, "查询条件过长");
	if (rc == E_OK)
		rc = ctx_list(c, &l, &pg, out);
	buf_release(&w.sql);
	struct calendar cal;
	if (rc < 0)
		return rc;
	if ((rc = calendar_load(c, &cal)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_t *items = json_object_get(*out, "items");
	int32_t today = calendar_day_of(c->now);
	json_t *row;
	size_t i;
	json_array_foreach(items, i, row)
	{
		json_t *raw = json_object_get(row, "_");
		int32_t due = (int32_t)json_integer_value(json_array_get(raw, 0));
		int32_t paused = (int32_t)json_integer_value(json_array_get(raw, 1));
		int warn = (int)json_integer_value(json_array_get(raw, 2));
		int32_t my_due = (int32_t)json_integer_value(json_array_get(raw, 3));
		int64_t unit = json_integer_value(json_array_get(raw, 4));
		int64_t center = json_integer_value(json_array_get(raw, 5));
		int handles = json_integer_value(json_array_get(raw, 6)) > 0;
		const char *state = json_string_value(json_object_get(row, "state"));
		int open = open_state(state) && due;
		int left = open ? case_days_left(&cal, today, due, paused) : 0;
		json_object_set_new(row, "light",
				    json_string(open ? case_light(left, warn) : "none"));
		json_object_set_new(row, "days_left", open ? json_integer(left) : json_null());
		json_object_set_new(
		    row, "step_light",
		    json_string(
			open && my_due
			    ? case_light(calendar_workdays_between(&cal, today, my_due), warn)
			    : "none"));
		int full = !a || (a->roles & (ROLE_SYSADMIN | ROLE_SUPERVISOR)) ||
			   ((a->roles & ROLE_CENTER_ADMIN) && a->center_id == center) ||
			   a->unit_id == unit || handles;
		json_object_set_new(row, "overview", json_boolean(!full));
		if (!full)
			json_object_set_new(row, "applicant_name", json_string(""));
		json_object_del(row, "_");
	}
	return E_OK;
}

/* ---- the public lookup ---- */

static json_t *public_step_row(struct db_res *r)
{
	return json_pack("{s:s,s:s,s:o}", "name", db_text(r, 0), "state", db_text(r, 1),
			 "finished_day",
			 db_isnull(r, 2) ? json_null() : day_string(calendar_day_of(db_int(r, 2))));
}

static json_t *public_row(struct db_res *r)
{
	const char *state = db_text(r, 1);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "no", db_text(r, 0), "state",
			 state, "state_name", state_name(state), "item_name", db_text(r, 2),
			 "unit_name", db_text(r, 3), "center_name", db_text(r, 4), "applied_day",
			 day_json(r, 5), "accepted_day", day_json(r, 6), "due_day", day_json(r, 7),
			 "completed_day", day_json(r, 8));
}

int case_public(struct ctx *c, const char *no, const char *name, const char *phone, json_t **out)
{
	if (!no || strlen(no) > 40 || ((!name || !*name) && (!phone || !*phone)) ||
	    (name && strlen(name) > 300) || (phone && strlen(phone) > 40))
		return ctx_fail(c, E_INVALID, NULL, "请输入办件编号和申请人姓名或联系电话");
	struct db_val p[] = {DBT(no), DBT(name && *name ? name : NULL),
			     DBT(phone && *phone ? phone : NULL)};
	json_t *o = NULL, *steps = NULL;
	int rc =
	    ctx_one(c,
		    "SELECT k.no, k.state, i.name, un.name, ce.name, k.applied_day, "
		    "k.accepted_day, k.due_day, k.completed_day FROM cases k JOIN items i "
		    "ON i.id = k.item_id JOIN units un ON un.id = k.unit_id JOIN centers ce ON "
		    "ce.id = k.center_id WHERE k.no = ? AND (k.applicant_name = ? OR "
		    "k.applicant_phone = ? OR k.contact_phone = ?)",
		    (struct db_val[]){p[0], p[1], p[2], p[2]}, 4, public_row, E_NOT_FOUND,
		    "未找到该办件，请核对办件编号和申请人姓名或联系电话", &o);
	if (rc < 0)
		return rc;
	if ((rc =
		 ctx_rows(c,
			  "SELECT s.name, s.state, s.finished_at FROM case_steps s JOIN cases k ON "
			  "k.id = s.case_id WHERE k.no = ? ORDER BY s.stage, s.seq",
			  p, 1, public_step_row, &steps)) < 0) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "steps", steps);
	*out = o;
	return E_OK;
}

/* ---- statistics of a person or a unit (R1.8) ---- */

#define CASE_STATS_MAX_DAYS 3661 /* ten years */

/* Run one row of counts and pair them with their labels. */
static int counts(struct ctx *c, const char *sql, const struct db_val *p, int n,
		  const char *const *labels, json_t *items)
{
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		for (int i = 0; labels[2 * i]; i++)
			json_array_append_new(
			    items, json_pack("{s:s,s:s,s:I}", "key", labels[2 * i], "label",
					     labels[2 * i + 1], "value", (json_int_t)db_int(r, i)));
	db_res_free(r);
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

static const char *const person_labels[] = {"applied",	  "登记申请",	  "accepted",	"受理",
					    "steps_done", "办理审批环节", "steps_late", "超时环节",
					    "completed",  "办结",	  "picked_up",	"办理取件",
					    "pending",	  "当前待办",	  NULL};

static const char *const unit_labels[] = {"applied",
					  "申请",
					  "accepted",
					  "受理",
					  "refused",
					  "不予受理",
					  "supplement",
					  "补正中",
					  "in_process",
					  "在办",
					  "completed",
					  "办结",
					  "permitted",
					  "许可",
					  "denied",
					  "不予许可",
					  "on_time",
					  "按时办结",
					  "late",
					  "超时办结",
					  "overdue_open",
					  "在办超期",
					  "rated",
					  "评价",
					  "satisfied",
					  "满意（含基本满意）",
					  "bad",
					  "差评",
					  NULL};

int case_stats(struct ctx *c, int64_t unit_id, const char *from, const char *to, json_t **out)
{
	int32_t lo, hi;
	int rc;
	if ((rc = calendar_period(c, from, to, CASE_STATS_MAX_DAYS, &lo, &hi)) < 0)
		return rc;
	json_t *items = json_array();
	if (!unit_id) {
		int64_t me = c->actor ? c->actor->id : 0;
		int64_t t0 = calendar_day_start(lo), t1 = calendar_day_end(hi);
		struct db_val p[] = {DBI(me), DBI(lo), DBI(hi), DBI(me), DBI(lo), DBI(hi), DBI(me),
				     DBI(t0), DBI(t1), DBI(me), DBI(t0), DBI(t1), DBI(me), DBI(lo),
				     DBI(hi), DBI(me), DBI(t0), DBI(t1), DBI(me)};
		rc = counts(
		    c,
		    "SELECT (SELECT COUNT(*) FROM cases WHERE created_by = ? AND "
		    "applied_day BETWEEN ? AND ?), (SELECT COUNT(*) FROM cases WHERE "
		    "accepted_by = ? AND accepted_day BETWEEN ? AND ?), (SELECT COUNT(*) FROM "
		    "case_steps WHERE finished_by = ? AND kind <> 'accept' AND finished_at >= ? "
		    "AND finished_at < ?), (SELECT COUNT(*) FROM case_steps WHERE "
		    "finished_by = ? AND kind <> 'accept' AND finished_at >= ? AND "
		    "finished_at < ? AND (finished_at + 28800) / 86400 > due_day), "
		    "(SELECT COUNT(*) FROM cases WHERE completed_by = ? AND completed_day "
		    "BETWEEN ? AND ?), (SELECT COUNT(*) FROM cases WHERE picked_up_by = ? AND "
		    "picked_up_at >= ? AND picked_up_at < ?), (SELECT COUNT(*) FROM case_steps "
		    "WHERE handler_id = ? AND state IN ('active', 'out'))",
		    p, 19, person_labels, items);
	} else {
		struct db_res *r;
		struct db_val u[] = {DBI(unit_id)};
		if ((rc = db_query(c->db, &r, "SELECT center_id FROM units WHERE id = ?", u, 1)) <
		    0)
			return json_decref(items), ctx_db(c, rc);
		int64_t center = (rc = db_next(r)) > 0 ? db_int(r, 0) : 0;
		db_res_free(r);
		const struct actor *a = c->actor;
		if (!center)
			rc = ctx_fail(c, E_NOT_FOUND, "unit_id", "窗口单位不存在");
		else if ((rc = access_center(c, center, ACCESS_READ)) == E_OK && a &&
			 !(a->roles & (ROLE_SYSADMIN | ROLE_SUPERVISOR | ROLE_CENTER_ADMIN)) &&
			 a->unit_id != unit_id)
			rc = ctx_fail(c, E_FORBIDDEN, NULL, "只能查看本单位的统计");
		if (rc < 0)
			return json_decref(items), rc;
		struct db_val p[] = {DBI(calendar_day_of(c->now)), DBI(unit_id), DBI(lo), DBI(hi)};
		rc = counts(
		    c,
		    "SELECT COUNT(*), SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 "
		    "END), SUM(CASE WHEN state = 'refused' THEN 1 ELSE 0 END), SUM(CASE WHEN "
		    "state = 'supplement' THEN 1 ELSE 0 END), SUM(CASE WHEN state IN "
		    "('accepted', 'in_process') THEN 1 ELSE 0 END), SUM(CASE WHEN "
		    "completed_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN permitted = 1 "
		    "THEN 1 ELSE 0 END), SUM(CASE WHEN permitted = 0 THEN 1 ELSE 0 END), "
		    "SUM(CASE WHEN completed_day <= due_day THEN 1 ELSE 0 END), SUM(CASE WHEN "
		    "completed_day > due_day THEN 1 ELSE 0 END), SUM(CASE WHEN state IN "
		    "('accepted', 'in_process') AND paused_since IS NULL AND due_day < ? THEN 1 "
		    "ELSE 0 END), SUM(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END), "
		    "SUM(CASE WHEN rating >= 3 THEN 1 ELSE 0 END), SUM(CASE WHEN rating <= 2 "
		    "THEN 1 ELSE 0 END) FROM cases WHERE unit_id = ? AND applied_day BETWEEN "
		    "? AND ?",
		    p, 4, unit_labels, items);
	}
	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	*out =
	    json_pack("{s:o,s:o,s:o,s:o}", "unit_id", unit_id ? json_integer(unit_id) : json_null(),
		      "from", day_string(lo), "to", day_string(hi), "items", items);
	return E_OK;
}

/* ---- consultations ---- */

#define CONSULT_SELECT                                                                             \
	"SELECT q.id, q.no, q.applicant_kind, q.applicant_name, q.applicant_id_no, "               \
	"q.applicant_phone, q.question, q.answer, q.created_at, u.name, i.id, i.code, i.name, "    \
	"i.kind, i.promised_days, un.id, un.name, ce.id, ce.name, ce.address, ce.phone, "          \
	"ce.region_code FROM consultations q JOIN users u ON u.id = q.created_by JOIN items i ON " \
	"i.id = q.item_id JOIN units un ON un.id = q.unit_id JOIN centers ce ON ce.id = "          \
	"q.center_id "

static json_t *consult_row(struct db_res *r)
{
	return json_pack(
	    "{s:I,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:s,s:I,s:s,s:{s:I,s:s,s:s,s:s,s:I},"
	    "s:{s:I,s:s},s:{s:I,s:s,s:s,s:s,s:s}}",
	    "id", (json_int_t)db_int(r, 0), "no", db_text(r, 1), "applicant", "kind", db_text(r, 2),
	    "name", db_text(r, 3), "id_no", db_text(r, 4), "phone", db_text(r, 5), "question",
	    db_text(r, 6), "answer", db_text(r, 7), "created_at", (json_int_t)db_int(r, 8),
	    "created_by", db_text(r, 9), "item", "id", (json_int_t)db_int(r, 10), "code",
	    db_text(r, 11), "name", db_text(r, 12), "kind", db_text(r, 13), "promised_days",
	    (json_int_t)db_int(r, 14), "unit", "id", (json_int_t)db_int(r, 15), "name",
	    db_text(r, 16), "center", "id", (json_int_t)db_int(r, 17), "name", db_text(r, 18),
	    "address", db_text(r, 19), "phone", db_text(r, 20), "region_code", db_text(r, 21));
}

int consultation_create(struct ctx *c, json_t *in, json_t **out)
{
	struct item_info it;
	struct applicant ap;
	const char *question, *answer;
	int rc;
	if ((rc = no_supervisor(c)) < 0 || (rc = item_info_load(c, in, &it)) < 0)
		return rc;
	const struct actor *a = c->actor;
	if (a && (a->center_id != it.center_id || !(a->roles & (ROLE_CLERK | ROLE_HANDLER))))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有本中心的窗口人员可以登记咨询");
	if ((rc = applicant_parse(c, in, 0, &ap)) < 0 ||
	    (rc = text_field(c, in, "question", "咨询内容", &question)) < 0 ||
	    (rc = text_field(c, in, "answer", "答复内容", &answer)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	int64_t serial, id;
	if ((rc = serial_next(c, it.center_id, "consult", today, &serial)) < 0)
		return rc;
	const char *no = number(c, "ZX", it.region, today, 4, serial);
	struct db_val p[] = {DBT(no),	    DBI(it.center_id), DBI(it.unit_id),	     DBI(it.id),
			     DBT(ap.kind),  DBT(ap.name),      DBT(ap.id_no),	     DBT(ap.phone),
			     DBT(question), DBT(answer),       a ? DBI(a->id) : DBN, DBI(c->now)};
	if ((rc = db_exec(
		 c->db,
		 "INSERT INTO consultations (no, center_id, unit_id, item_id, applicant_kind, "
		 "applicant_name, applicant_id_no, applicant_phone, question, answer, "
		 "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 p, 12, NULL)) < 0)
		return ctx_db(c, rc);
	if ((rc = ctx_int(c, "SELECT id FROM consultations WHERE no = ?", p, 1, &id)) < 0 ||
	    (rc = event_append(c, it.center_id, 0, "consultation.create",
			       json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "no", no, "item_id",
					 (json_int_t)it.id))) < 0)
		return rc;
	return out ? consultation_get(c, id, out) : E_OK;
}

int consultation_access(struct ctx *c, int64_t id, int write, int64_t *center_id)
{
	struct db_val p[] = {DBI(id)};
	int rc = ctx_int(c, "SELECT center_id FROM consultations WHERE id = ?", p, 1, center_id);
	if (rc < 0)
		return rc;
	if (!*center_id || access_center(c, *center_id, ACCESS_READ) < 0)
		return ctx_fail(c, E_NOT_FOUND, NULL, "咨询记录不存在");
	const struct actor *a = c->actor;
	if (write && a && (a->center_id != *center_id || !(a->roles & (ROLE_CLERK | ROLE_HANDLER))))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有本中心的窗口人员可以上传咨询回执");
	return E_OK;
}

int consultation_get(struct ctx *c, int64_t id, json_t **out)
{
	int64_t center;
	json_t *files = NULL;
	struct db_val p[] = {DBI(id)};
	int rc;
	if ((rc = consultation_access(c, id, 0, &center)) < 0 ||
	    (rc = ctx_one(c, CONSULT_SELECT "WHERE q.id = ?", p, 1, consult_row, E_NOT_FOUND,
			  "咨询记录不存在", out)) < 0)
		return rc;
	if ((rc = ctx_rows(c, FILE_SELECT "WHERE f.consultation_id = ? ORDER BY f.id", p, 1,
			   file_row, &files)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "files", files);
	return E_OK;
}

int consultation_list(struct ctx *c, json_t *q, json_t **out)
{
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	const struct actor *a = c->actor;
	const char *s = field_query(q, "q");
	int64_t center = access_own_center(c);
	const char *like = *s ? field_like(c, s) : NULL;
	const char *scope = a && (a->roles & ROLE_SUPERVISOR) && !center
				? access_region_like(c, a->scope_region)
				: NULL;
	struct db_val p[] = {DBI(center), DBI(center), DBT(scope), DBT(scope),
			     DBT(like),	  DBT(like),   DBT(like)};
	struct ctx_list l = {.select = CONSULT_SELECT,
			     .from = "consultations q JOIN centers ce ON ce.id = q.center_id",
			     .where =
				 "WHERE (? = 0 OR q.center_id = ?) AND (CAST(? AS TEXT) IS NULL "
				 "OR ce.region_code LIKE ?) AND (CAST(? AS TEXT) IS NULL OR "
				 "q.applicant_name LIKE ? ESCAPE '\\' OR q.question LIKE ? "
				 "ESCAPE '\\')",
			     .p = p,
			     .n = 7,
			     .order = "q.id DESC",
			     .row = consult_row};
	return ctx_list(c, &l, &pg, out);
}
