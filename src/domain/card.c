/*
 * card.c - accountability cards and follow-ups; see card.h.
 */
#include "domain/card.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/event.h"
#include "domain/field.h"

#define LATE_NOTICE_DAYS 5 /* 行政许可法 art. 32: the one-time notice within five days */

static const char *const rules[][3] = {
    {"step_overdue", "yellow", "环节超时"},	{"case_overdue", "red", "办件超期"},
    {"transfer_overdue", "yellow", "转外超时"}, {"late_notice", "yellow", "一次性告知超时"},
    {"urge_unanswered", "red", "督办逾期未复"}, {"followup_overdue", "yellow", "差评整改逾期"},
};

static const char *rule_name(const char *rule)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i][0], rule))
			return rules[i][2];
	return rule;
}

/* ---- raising ---- */

/* The columns every rule's query gives, in this order, for the rows it may raise. */
#define RAISE_COLUMNS "key, center_id, unit_id, case_id, step_id, urge_id, followup_id, user_id"

/* Each rule reads the rows of `table` (as `alias`) that fit `where` and are due before today
 * (`due` < ?); `key` is a row's card's key, `columns` the rest of RAISE_COLUMNS. `mark` is
 * the row's column that keeps the value of `value` for which its card exists (migration
 * 017): the rule reads only the rows whose mark does not match, through an index that holds
 * just those, and a sweep then marks the ones whose card exists. A step's center and unit are
 * its case's (migration 012); its case's state is a scalar subquery, which both backends look
 * up by key for each step read: a join made PostgreSQL, which expects several times more
 * overdue steps than there are (state and due day go together), hash all the open cases. */
#define STEP_CASE_OPEN "(SELECT k.state FROM cases k WHERE k.id = s.case_id) = 'in_process'"
static const struct sweep_rule {
	const char *rule, *color, *table, *alias, *key, *columns, *where, *due, *mark, *value;
} sweep_rules[] = {
    {"step_overdue", "yellow", "case_steps", "s", "'step_overdue:' || s.id || ':' || s.started_day",
     "s.center_id, s.unit_id, s.case_id, s.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), "
     "s.handler_id",
     "s.state = 'active' AND " STEP_CASE_OPEN, "due_day", "card_started_day", "started_day"},
    {"transfer_overdue", "yellow", "case_steps", "s",
     "'transfer_overdue:' || s.id || ':' || s.out_day",
     "s.center_id, s.unit_id, s.case_id, s.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), "
     "s.handler_id",
     "s.state = 'out' AND " STEP_CASE_OPEN, "due_day", "card_out_day", "out_day"},
    {"case_overdue", "red", "cases", "k", "'case_overdue:' || k.id || ':' || k.due_day",
     "k.center_id, k.unit_id, k.id, (SELECT s.id FROM case_steps s WHERE s.case_id = k.id AND "
     "s.state = 'active' ORDER BY s.due_day, s.id LIMIT 1), CAST(NULL AS BIGINT), CAST(NULL AS "
     "BIGINT), (SELECT s.handler_id FROM case_steps s WHERE s.case_id = k.id AND s.state = "
     "'active' ORDER BY s.due_day, s.id LIMIT 1)",
     "k.state IN ('accepted', 'in_process') AND k.paused_since IS NULL", "due_day", "card_due_day",
     "due_day"},
    {"urge_unanswered", "red", "urges", "g", "'urge_unanswered:' || g.id",
     "g.center_id, g.unit_id, g.case_id, g.step_id, g.id, CAST(NULL AS BIGINT), g.to_user",
     "g.answered_at IS NULL", "reply_by", "card_reply_by", "reply_by"},
    {"followup_overdue", "yellow", "followups", "f", "'followup_overdue:' || f.id",
     "f.center_id, f.unit_id, f.case_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), f.id, "
     "CAST(NULL AS BIGINT)",
     "f.answered_at IS NULL", "due_day", "card_due_day", "due_day"},
};

/* Whether a row's card exists (its key is `key`): a scalar subquery, looked up by key for each
 * row. PostgreSQL would turn [NOT] EXISTS into a join and, expecting from the sweep's indexes
 * as many rows as are due in the whole table (the statistics know nothing of the marks), hash
 * every card first as soon as a single row comes. */
static const char *card_of(struct ctx *c, const char *key)
{
	return arena_printf(c->arena, "(SELECT d.id FROM cards d WHERE d.key = %s)", key);
}

/* Insert the cards `select` gives (with `p`) that do not exist yet, each with its event. A row
 * whose card exists is dropped by its key before anything else is computed for it (the step
 * of an overdue case, the insert's own conflict check). */
static int raise(struct ctx *c, const char *rule, const char *color, const char *select,
		 const struct db_val *p, int n, int64_t *raised)
{
	const char *sql = arena_printf(
	    c->arena,
	    "INSERT INTO cards (" RAISE_COLUMNS ", rule, color, raised_at) SELECT t.*, '%s', '%s', "
	    "%lld FROM (%s) t WHERE %s IS NULL ON CONFLICT (key) DO NOTHING RETURNING id, "
	    "center_id, COALESCE(case_id, 0)",
	    rule, color, (long long)c->now, select, card_of(c, "t.key"));
	struct db_res *r;
	int rc = db_query(c->db, &r, sql, p, n);
	if (rc < 0)
		return ctx_db(c, rc);
	/* collect first: events are appended once the statement is done */
	struct buf evs = BUF_INIT((size_t)-1);
	while ((rc = db_next(r)) > 0) {
		struct event_new e = {
		    .center_id = db_int(r, 1),
		    .case_id = db_int(r, 2),
		    .type = "card.raise",
		    .payload = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_int(r, 0), "rule",
					 rule, "color", color),
		};
		buf_add(&evs, &e, sizeof(e));
	}
	db_res_free(r);
	struct event_new *ev = (struct event_new *)evs.buf;
	size_t nev = evs.len / sizeof(*ev);
	if (rc < 0) {
		for (size_t i = 0; i < nev; i++)
			json_decref(ev[i].payload);
		buf_release(&evs);
		return ctx_db(c, rc);
	}
	rc = event_append_all(c, ev, nev);
	buf_release(&evs);
	if (rc < 0)
		return rc;
	*raised += (int64_t)nev;
	return E_OK;
}

/* Raise the cards of rule `s` that are due before `today`, then mark the rows it read whose
 * card exists (raised now or before), so that the next sweeps skip them. Both statements run
 * only when there is a row to read: the probe is a MIN, which PostgreSQL reads in order from
 * the rule's index when it can (a step's: one state) and from its range otherwise, never by
 * a table scan (which it chose for a LIMIT 1, expecting many rows). Read in order, it is a
 * plain index scan, which flags for the next scans the index entries the marks left behind
 * (the rows' old versions, until a VACUUM): a bitmap scan, which PostgreSQL may choose for
 * the statements, would read their table pages again at each sweep. */
static int sweep(struct ctx *c, const struct sweep_rule *s, int64_t today, int64_t *raised)
{
	const char *a = s->alias;
	const char *rows =
	    arena_printf(c->arena, "%s AND %s.%s < ? AND (%s.%s IS NULL OR %s.%s <> %s.%s)",
			 s->where, a, s->due, a, s->mark, a, s->mark, a, s->value);
	struct db_val p[] = {DBI(today), DBI(today)};
	int64_t first = 0;
	int rc =
	    ctx_int(c,
		    arena_printf(c->arena, "SELECT COALESCE(MIN(%s.%s), ?) FROM %s %s WHERE %s", a,
				 s->due, s->table, a, rows),
		    p, 2, &first);
	if (rc < 0 || first >= today)
		return rc;
	if ((rc = raise(c, s->rule, s->color,
			arena_printf(c->arena, "SELECT %s AS key, %s FROM %s %s WHERE %s", s->key,
				     s->columns, s->table, a, rows),
			p, 1, raised)) < 0)
		return rc;
	const char *mark =
	    arena_printf(c->arena, "UPDATE %s AS %s SET %s = %s.%s WHERE %s AND %s IS NOT NULL",
			 s->table, a, s->mark, a, s->value, rows, card_of(c, s->key));
	return ctx_db(c, db_exec(c->db, mark, p, 1, NULL));
}

int card_sweep(struct ctx *c, int64_t *raised)
{
	*raised = 0;
	for (size_t i = 0; i < sizeof(sweep_rules) / sizeof(sweep_rules[0]); i++) {
		int rc = sweep(c, &sweep_rules[i], calendar_day_of(c->now), raised);
		if (rc < 0)
			return rc;
	}
	return E_OK;
}

int card_late_notice(struct ctx *c, int64_t case_id)
{
	struct calendar cal;
	int64_t applied = 0;
	struct db_val p[] = {DBI(case_id)};
	int rc;
	if ((rc = calendar_load(c, &cal)) < 0 ||
	    (rc = ctx_int(c, "SELECT applied_day FROM cases WHERE id = ?", p, 1, &applied)) < 0)
		return rc;
	if (calendar_workdays_between(&cal, (int32_t)applied, calendar_day_of(c->now)) <=
	    LATE_NOTICE_DAYS)
		return E_OK;
	int64_t raised = 0;
	struct db_val q[] = {c->actor ? DBI(c->actor->id) : DBN, DBI(case_id)};
	return raise(
	    c, "late_notice", "yellow",
	    "SELECT 'late_notice:' || k.id AS key, k.center_id, k.unit_id, k.id, CAST(NULL AS "
	    "BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(? AS BIGINT) FROM "
	    "cases k WHERE k.id = ?",
	    q, 2, &raised);
}

/* ---- reading and deciding ---- */

#define CARD_SELECT                                                                                \
	"SELECT d.id, d.color, d.rule, k.no, s.name, d.center_id, ce.name, d.unit_id, un.name, "   \
	"d.user_id, u.name, d.raised_at, d.state, d.note, db.name, d.decided_at, "                 \
	"COALESCE(d.case_id, 0), COALESCE(d.urge_id, 0) FROM cards d JOIN centers ce ON ce.id = "  \
	"d.center_id JOIN units un ON un.id = d.unit_id LEFT JOIN cases k ON k.id = d.case_id "    \
	"LEFT JOIN case_steps s ON s.id = d.step_id LEFT JOIN users u ON u.id = d.user_id LEFT "   \
	"JOIN users db ON db.id = d.decided_by "

static json_t *card_row(struct db_res *r)
{
	const char *state = db_text(r, 12);
	return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:I,s:s,s:I,s:s,s:o,s:o,s:I,s:s,s:s,s:s,s:o,"
			 "s:o}",
			 "id", (json_int_t)db_int(r, 0), "color", db_text(r, 1), "rule",
			 db_text(r, 2), "rule_name", rule_name(db_text(r, 2)), "case_no",
			 ctx_text_json(r, 3), "step_name", ctx_text_json(r, 4), "center_id",
			 (json_int_t)db_int(r, 5), "center_name", db_text(r, 6), "unit_id",
			 (json_int_t)db_int(r, 7), "unit_name", db_text(r, 8), "user_id",
			 ctx_int_json(r, 9), "user_name", ctx_text_json(r, 10), "raised_at",
			 (json_int_t)db_int(r, 11), "state", state, "state_name",
			 !strcmp(state, "open")	       ? "待确认"
			 : !strcmp(state, "confirmed") ? "已确认"
						       : "已纠错",
			 "note", db_text(r, 13), "decided_by", ctx_text_json(r, 14), "decided_at",
			 ctx_int_json(r, 15));
}

int card_list(struct ctx *c, json_t *q, json_t **out)
{
	const char *state = field_query(q, "state"), *color = field_query(q, "color");
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	if (*state && strcmp(state, "open") && strcmp(state, "confirmed") &&
	    strcmp(state, "dismissed"))
		return ctx_fail(c, E_INVALID, "state", "状态须为open、confirmed或dismissed");
	if (*color && strcmp(color, "yellow") && strcmp(color, "red"))
		return ctx_fail(c, E_INVALID, "color", "颜色须为yellow或red");
	int64_t user = strtoll(field_query(q, "user_id"), NULL, 10);
	struct access_scope sc;
	int rc = access_list_scope(c, q, &sc);
	if (rc < 0)
		return rc;
	struct db_val p[] = {DBI(sc.center), DBI(sc.center), DBI(sc.unit),	  DBI(sc.unit),
			     DBI(user),	     DBI(user),	     DBT(sc.region_like), DBT(state),
			     DBT(state),     DBT(color),     DBT(color)};
	struct ctx_list l = {
	    .select = CARD_SELECT,
	    .from = "cards d JOIN centers ce ON ce.id = d.center_id",
	    .where = "WHERE (? = 0 OR d.center_id = ?) AND (? = 0 OR d.unit_id = ?) AND (? = 0 "
		     "OR d.user_id = ?) AND ce.region_code LIKE ? AND (? = '' OR d.state = ?) AND "
		     "(? = '' OR d.color = ?)",
	    .p = p,
	    .n = 11,
	    .order = "d.raised_at DESC, d.id DESC",
	    .row = card_row};
	int64_t total, red = 0;
	if ((rc = ctx_list(c, &l, &pg, out)) < 0)
		return rc;
	if ((rc = ctx_int(c,
			  arena_printf(c->arena, "SELECT COUNT(*) FROM %s %s AND d.color = 'red'",
				       l.from, l.where),
			  p, 11, &red)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	total = json_integer_value(json_object_get(*out, "total"));
	json_object_set_new(*out, "red", json_integer(red));
	json_object_set_new(*out, "yellow", json_integer(total - red));
	return E_OK;
}

static json_t *evidence_row(struct db_res *r)
{
	json_t *payload = json_loads(db_text(r, 4), 0, NULL);
	return json_pack("{s:I,s:I,s:s,s:s,s:o}", "seq", (json_int_t)db_int(r, 0), "at",
			 (json_int_t)db_int(r, 1), "type", db_text(r, 2), "actor", db_text(r, 3),
			 "payload", payload ? payload : json_object());
}

/* The card if the actor may read it: its center in their scope (a unit's staff: their unit). */
static int card_load(struct ctx *c, int64_t id, json_t **out)
{
	struct db_val p[] = {DBI(id)};
	int rc = ctx_one(c, CARD_SELECT "WHERE d.id = ?", p, 1, card_row, E_NOT_FOUND,
			 "问责记录不存在", out);
	if (rc < 0)
		return rc;
	const struct actor *a = c->actor;
	int64_t unit = json_integer_value(json_object_get(*out, "unit_id"));
	if (access_center(c, json_integer_value(json_object_get(*out, "center_id")), ACCESS_READ) <
		0 ||
	    (a && !(a->roles & (ROLE_SYSADMIN | ROLE_SUPERVISOR | ROLE_CENTER_ADMIN)) &&
	     a->unit_id != unit)) {
		json_decref(*out);
		*out = NULL;
		return ctx_fail(c, E_NOT_FOUND, NULL, "问责记录不存在");
	}
	return E_OK;
}

int card_get(struct ctx *c, int64_t id, json_t **out)
{
	json_t *evidence = NULL;
	int rc = card_load(c, id, out);
	if (rc < 0)
		return rc;
	struct db_val p[] = {DBI(id)};
	if ((rc = ctx_rows(c,
			   "SELECT e.seq, e.at, e.type, COALESCE(u.name, '系统'), e.payload FROM "
			   "events e LEFT JOIN users u ON u.id = e.actor_id JOIN cards d ON "
			   "d.case_id = e.case_id WHERE d.id = ? ORDER BY e.seq",
			   p, 1, evidence_row, &evidence)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "evidence", evidence);
	return E_OK;
}

int card_decide(struct ctx *c, int64_t id, const char *decision, json_t *in, json_t **out)
{
	const struct actor *a = c->actor;
	const char *note;
	json_t *card = NULL;
	int confirm = !strcmp(decision, "confirm"), rc;
	if (!confirm && strcmp(decision, "dismiss"))
		return ctx_fail(c, E_NOT_FOUND, NULL, "没有这项操作");
	if (a && !(a->roles & (ROLE_SYSADMIN | ROLE_SUPERVISOR)))
		return ctx_fail(c, E_FORBIDDEN, NULL, "只有监察人员可以确认或纠错问责记录");
	if ((rc = card_load(c, id, &card)) < 0)
		return rc;
	int open = !strcmp(json_string_value(json_object_get(card, "state")), "open");
	int64_t center = json_integer_value(json_object_get(card, "center_id"));
	json_decref(card);
	if (!open)
		return ctx_fail(c, E_STATE, NULL, "该问责记录已处理");
	if ((rc = field_lines(c, in, "note", confirm ? "确认意见" : "纠错说明", 1, 1, 1000, &note,
			      NULL)) < 0)
		return rc;
	struct db_val p[] = {DBT(confirm ? "confirmed" : "dismissed"), DBT(note),
			     a ? DBI(a->id) : DBN, DBI(c->now), DBI(id)};
	if ((rc = ctx_db(c, db_exec(c->db,
				    "UPDATE cards SET state = ?, note = ?, decided_by = ?, "
				    "decided_at = ? WHERE id = ? AND state = 'open'",
				    p, 5, NULL))) < 0 ||
	    (rc = event_append(c, center, 0, confirm ? "card.confirm" : "card.dismiss",
			       json_pack("{s:I,s:s}", "id", (json_int_t)id, "note", note))) < 0)
		return rc;
	return card_get(c, id, out);
}

/* ---- follow-ups of bad ratings ---- */

int followup_open(struct ctx *c, int64_t case_id)
{
	struct calendar cal;
	int64_t days = 0;
	struct db_val p[] = {DBI(case_id)};
	int rc;
	if ((rc = calendar_load(c, &cal)) < 0 ||
	    (rc = ctx_int(c,
			  "SELECT ce.followup_days FROM cases k JOIN centers ce ON ce.id = "
			  "k.center_id WHERE k.id = ?",
			  p, 1, &days)) < 0)
		return rc;
	int32_t due = calendar_add_workdays(&cal, calendar_day_of(c->now), (int)days);
	struct db_val q[] = {DBI(due), DBI(c->now), DBI(case_id)};
	return ctx_db(c, db_exec(c->db,
				 "INSERT INTO followups (case_id, center_id, unit_id, due_day, "
				 "created_at) SELECT id, center_id, unit_id, ?, ? FROM cases WHERE "
				 "id = ?",
				 q, 3, NULL));
}

#define FOLLOWUP_SELECT                                                                            \
	"SELECT f.id, k.no, k.rating, k.rating_comment, un.name, f.due_day, f.answer, u.name, "    \
	"f.answered_at, CASE WHEN f.answered_at IS NULL AND f.due_day < ? THEN 1 ELSE 0 END, "     \
	"f.unit_id FROM followups f JOIN cases k ON k.id = f.case_id JOIN units un ON un.id = "    \
	"f.unit_id JOIN centers ce ON ce.id = f.center_id LEFT JOIN users u ON u.id = "            \
	"f.answered_by "

static json_t *followup_row(struct db_res *r)
{
	static const char *const names[] = {"",		"非常不满意", "不满意",
					    "基本满意", "满意",	      "非常满意"};
	char day[CALENDAR_DAY_LEN];
	int rating = (int)db_int(r, 2);
	calendar_format_day((int32_t)db_int(r, 5), day);
	int answered = !db_isnull(r, 8);
	return json_pack("{s:I,s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:b,s:s,s:I}", "id",
			 (json_int_t)db_int(r, 0), "case_no", db_text(r, 1), "rating", rating,
			 "rating_name", names[rating >= 1 && rating <= 5 ? rating : 0], "comment",
			 db_text(r, 3), "unit_name", db_text(r, 4), "due_day", day, "answer",
			 ctx_text_json(r, 6), "answered_by", ctx_text_json(r, 7), "answered_at",
			 ctx_int_json(r, 8), "overdue", (int)db_int(r, 9), "state",
			 answered ? "answered" : "open", "unit_id", (json_int_t)db_int(r, 10));
}

int followup_list(struct ctx *c, json_t *q, json_t **out)
{
	const struct actor *a = c->actor;
	const char *state;
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	int mine, rc;
	struct access_scope sc;
	if ((rc = field_answer_filter(c, q, &mine, &state)) < 0 ||
	    (rc = access_list_scope(c, q, &sc)) < 0)
		return rc;
	if (mine) /* to my unit */
		sc.unit = a && a->unit_id ? a->unit_id : -1;
	struct db_val today[] = {DBI(calendar_day_of(c->now))};
	struct db_val p[] = {DBI(sc.center),	  DBI(sc.center), DBI(sc.unit), DBI(sc.unit),
			     DBT(sc.region_like), DBT(state),	  DBT(state),	DBT(state)};
	struct ctx_list l = {
	    .select = FOLLOWUP_SELECT,
	    .sp = today,
	    .sn = 1,
	    .from = "followups f JOIN centers ce ON ce.id = f.center_id",
	    .where = "WHERE (? = 0 OR f.center_id = ?) AND (? = 0 OR f.unit_id = ?) AND "
		     "ce.region_code LIKE ? AND (? = '' OR (? = 'open' AND f.answered_at IS "
		     "NULL) OR (? = 'answered' AND f.answered_at IS NOT NULL))",
	    .p = p,
	    .n = 8,
	    .order = "CASE WHEN f.answered_at IS NULL THEN 0 ELSE 1 END, f.due_day, f.id",
	    .row = followup_row};
	return ctx_list(c, &l, &pg, out);
}

int followup_answer(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	const struct actor *a = c->actor;
	const char *answer;
	json_t *f = NULL;
	struct db_val p[] = {DBI(calendar_day_of(c->now)), DBI(id)};
	int rc = ctx_one(c, FOLLOWUP_SELECT "WHERE f.id = ?", p, 2, followup_row, E_NOT_FOUND,
			 "整改记录不存在", &f);
	if (rc < 0)
		return rc;
	int64_t unit = json_integer_value(json_object_get(f, "unit_id"));
	int open = !strcmp(json_string_value(json_object_get(f, "state")), "open");
	json_decref(f);
	if (a &&
	    (a->unit_id != unit || !(a->roles & (ROLE_CLERK | ROLE_HANDLER | ROLE_UNIT_ADMIN))))
		return ctx_fail(c, E_NOT_FOUND, NULL, "整改记录不存在");
	if (!open)
		return ctx_fail(c, E_STATE, NULL, "该差评已答复");
	if ((rc = field_lines(c, in, "answer", "整改说明", 1, 1, 1000, &answer, NULL)) < 0)
		return rc;
	int64_t center = 0, case_id = 0;
	struct db_val u[] = {DBT(answer), a ? DBI(a->id) : DBN, DBI(c->now), DBI(id)};
	struct db_val q[] = {DBI(id)};
	if ((rc = ctx_db(
		 c, db_exec(c->db,
			    "UPDATE followups SET answer = ?, answered_by = ?, answered_at = ? "
			    "WHERE id = ? AND answered_at IS NULL",
			    u, 4, NULL))) < 0 ||
	    (rc = ctx_int(c, "SELECT center_id FROM followups WHERE id = ?", q, 1, &center)) < 0 ||
	    (rc = ctx_int(c, "SELECT case_id FROM followups WHERE id = ?", q, 1, &case_id)) < 0 ||
	    (rc = event_append(c, center, case_id, "followup.answer",
			       json_pack("{s:I,s:s}", "id", (json_int_t)id, "answer", answer))) < 0)
		return rc;
	return ctx_one(c, FOLLOWUP_SELECT "WHERE f.id = ?", p, 2, followup_row, E_NOT_FOUND,
		       "整改记录不存在", out);
}
