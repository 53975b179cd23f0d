/*
 * warning.c - the promised-limit and post-limit warning lists; see warning.h.
 */
#include "domain/warning.h"

#include <stdlib.h>
#include <string.h>

#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/field.h"

#define WARN_MAX_ROWS 5000

/* Columns shared by both lists, from 0: no, item code, item name, unit id, unit name,
 * center name, applicant, urged, warn days, due day; then the list's own. */
#define COMMON                                                                                     \
	"k.no, i.code, i.name, un.id, un.name, ce.name, k.applicant_name, k.urged, "               \
	"COALESCE(i.warn_days, ce.warn_days), "
#define JOINS                                                                                      \
	" JOIN items i ON i.id = k.item_id JOIN units un ON un.id = k.unit_id JOIN centers ce ON " \
	"ce.id = k.center_id "
/* CENTER is "(? = 0 OR k.center_id = ?)" for every center, or "(? <> 0 AND k.center_id = ?)"
 * for one: a plain equality the planner can drive cases_center_state with. */
#define FILTERS(CENTER)                                                                            \
	" AND " CENTER " AND (? = 0 OR k.unit_id = ?) AND ce.region_code LIKE ? "                  \
	"AND (? = '' OR i.code LIKE ? ESCAPE '\\' OR i.name LIKE ? ESCAPE '\\') AND (? = '' OR "   \
	"k.no LIKE ? ESCAPE '\\' OR k.applicant_name LIKE ? ESCAPE '\\') "

int warning_list(struct ctx *c, json_t *q, json_t **out)
{
	const char *kind = *field_query(q, "kind") ? field_query(q, "kind") : "promised";
	const char *want = field_query(q, "light"), *item = field_query(q, "item"),
		   *text = field_query(q, "q");
	int post = !strcmp(kind, "post");
	if (!post && strcmp(kind, "promised"))
		return ctx_fail(c, E_INVALID, "kind",
				"预警类型须为promised（承诺时限）或post（岗位时限）");
	if (*want && strcmp(want, "yellow") && strcmp(want, "red"))
		return ctx_fail(c, E_INVALID, "light", "灯色须为yellow或red");
	struct page pg;
	field_page(field_query(q, "page"), field_query(q, "size"), &pg);
	struct access_scope sc;
	int rc = access_list_scope(c, q, &sc);
	if (rc < 0)
		return rc;
	struct calendar cal;
	if ((rc = calendar_load(c, &cal)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);
	const char *il = *item ? field_like(c, item) : "", *tl = *text ? field_like(c, text) : "";
	struct db_val p[] = {DBI(calendar_add_workdays(&cal, today, CASE_WARN_MAX)),
			     DBI(sc.center),
			     DBI(sc.center),
			     DBI(sc.unit),
			     DBI(sc.unit),
			     DBT(sc.region_like),
			     DBT(item),
			     DBT(il),
			     DBT(il),
			     DBT(text),
			     DBT(tl),
			     DBT(tl)};
	/* One center's lists start from its open cases (cases_center_state), its steps then by
	 * case (case_steps_case_state; CROSS JOIN keeps that order on SQLite): never the whole
	 * province's window (docs/performance.md, "Province scale"). */
#define POST(FROM, CENTER)                                                                         \
	"SELECT " COMMON                                                                           \
	"s.due_day, 0, s.id, s.name, s.kind, s.state, COALESCE(h.name, '') " FROM JOINS            \
	"LEFT JOIN users h ON h.id = s.handler_id WHERE s.case_id = k.id AND s.state "             \
	"IN ('active', 'out') AND s.due_day <= ? AND k.state = 'in_process'" FILTERS(              \
	    CENTER) "ORDER BY s.due_day, s.id"
#define PROMISED(CENTER)                                                                           \
	"SELECT " COMMON "k.due_day, COALESCE(k.paused_since, 0), k.state FROM cases k" JOINS      \
	"WHERE k.state IN ('accepted', 'in_process') AND k.due_day <= ?" FILTERS(                  \
	    CENTER) "ORDER BY k.due_day, k.id"
#define ALL_CENTERS "(? = 0 OR k.center_id = ?)"
#define ONE_CENTER  "(? <> 0 AND k.center_id = ?)"
	static const char *const sql[2][2] = {
	    {PROMISED(ALL_CENTERS), PROMISED(ONE_CENTER)},
	    {POST("FROM case_steps s JOIN cases k ON k.id = s.case_id", ALL_CENTERS),
	     POST("FROM cases k CROSS JOIN case_steps s", ONE_CENTER)}};
	struct db_res *r;
	if ((rc = db_query(c->db, &r, sql[post][sc.center != 0], p, 12)) < 0)
		return ctx_db(c, rc);
	json_t *items = json_array();
	int64_t total = 0, yellow = 0, red = 0;
	while ((rc = db_next(r)) > 0 && total < WARN_MAX_ROWS) {
		int32_t due = (int32_t)db_int(r, 9);
		int left = post ? calendar_workdays_between(&cal, today, due)
				: case_days_left(&cal, today, due, (int32_t)db_int(r, 10));
		const char *light = case_light(left, (int)db_int(r, 8));
		if (!strcmp(light, "green") || (*want && strcmp(want, light)))
			continue;
		*light == 'r' ? red++ : yellow++;
		if (total++ < (pg.page - 1) * pg.size || json_array_size(items) >= (size_t)pg.size)
			continue;
		char day[CALENDAR_DAY_LEN];
		calendar_format_day(due, day);
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:s,s:i,s:s}", "no", db_text(r, 0),
			      "item_code", db_text(r, 1), "item_name", db_text(r, 2), "unit_id",
			      (json_int_t)db_int(r, 3), "unit_name", db_text(r, 4), "center_name",
			      db_text(r, 5), "applicant_name", db_text(r, 6), "urged",
			      (int)db_int(r, 7), "due_day", day, "days_left", left, "light", light);
		if (post)
			json_object_update_new(
			    o, json_pack("{s:I,s:s,s:s,s:s,s:s}", "step_id",
					 (json_int_t)db_int(r, 11), "step_name", db_text(r, 12),
					 "step_kind", db_text(r, 13), "step_state", db_text(r, 14),
					 "handler_name", db_text(r, 15)));
		else
			json_object_set_new(o, "paused", json_boolean(db_int(r, 10) != 0));
		json_array_append_new(items, o);
	}
	db_res_free(r);
	if (rc < 0) {
		json_decref(items);
		return ctx_db(c, rc);
	}
	*out = json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I}", "kind", kind, "items", items, "total",
			 (json_int_t)total, "yellow", (json_int_t)yellow, "red", (json_int_t)red,
			 "page", (json_int_t)pg.page, "size", (json_int_t)pg.size);
	return E_OK;
}
