/*
 * warning.c - the promised-limit and post-limit warning lists; see warning.h.
 *
 * Each list is two queries over the same window (open cases or active steps due by
 * case_lit_until) and the same filters: the counts of its lights, grouped by what decides a
 * light (due day, pause, threshold) and lit in C; and the page: one query per state, each read
 * in due-day order from its index (db_query_partial: on PostgreSQL a cursor planned for its
 * first rows), merged here, so that the reading stops once the page is full on both backends
 * (one query with `state IN (…)` made SQLite sort the whole window first, and a UNION ALL of
 * the two made PostgreSQL sort it). docs/performance.md, "Province scale".
 */
#include "domain/warning.h"

#include <string.h>

#include "domain/access.h"
#include "domain/calendar.h"
#include "domain/case.h"
#include "domain/field.h"

/* The filters a request sets, as " AND …" conditions on k (the case), i (its item) and ce
 * (its center), with their parameters after the window's last day: only those set, so that
 * the counts read no more of a case than its index holds. */
struct where {
	const char *sql;
	struct db_val p[8];
	int n;
};

static void where_add(struct ctx *c, struct where *w, const char *cond, int n, struct db_val v)
{
	w->sql = arena_printf(c->arena, "%s AND %s", w->sql, cond);
	while (n--)
		w->p[w->n++] = v;
}

/* Columns of a page row, from 0: no, item code, item name, unit id, unit name, center
 * name, applicant, urged, warn days, due day, pause; then the list's own, last or (steps) at
 * 11 the id that orders the rows of one due day. */
#define COMMON                                                                                     \
	"k.no, i.code, i.name, un.id, un.name, ce.name, k.applicant_name, k.urged, "               \
	"COALESCE(i.warn_days, ce.warn_days), "

/* Whether a's row comes before b's: by due day, then by the id in column idcol. */
static int row_before(struct db_res *a, struct db_res *b, int idcol)
{
	int64_t da = db_int(a, 9), db = db_int(b, 9);
	return da < db || (da == db && db_int(a, idcol) < db_int(b, idcol));
}

/* The item of the current row of a page: due day, days left and light already worked out. */
static json_t *page_row(struct db_res *r, int post, int32_t due, int left, const char *light)
{
	char day[CALENDAR_DAY_LEN];
	calendar_format_day(due, day);
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:b,s:s,s:i,s:s}", "no", db_text(r, 0),
			      "item_code", db_text(r, 1), "item_name", db_text(r, 2), "unit_id",
			      (json_int_t)db_int(r, 3), "unit_name", db_text(r, 4), "center_name",
			      db_text(r, 5), "applicant_name", db_text(r, 6), "urged",
			      (int)db_int(r, 7), "due_day", day, "days_left", left, "light", light);
	if (post)
		json_object_update_new(
		    o, json_pack("{s:I,s:s,s:s,s:s,s:s}", "step_id", (json_int_t)db_int(r, 11),
				 "step_name", db_text(r, 12), "step_kind", db_text(r, 13),
				 "step_state", db_text(r, 14), "handler_name", db_text(r, 15)));
	else
		json_object_set_new(o, "paused", json_boolean(db_int(r, 10) != 0));
	return o;
}

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
	int32_t until;
	if ((rc = calendar_load(c, &cal)) < 0 || (rc = case_lit_until(c, &cal, &until)) < 0)
		return rc;
	int32_t today = calendar_day_of(c->now);

	/* Where the rows come from. Cases: by state and due day (cases_open_due), one center's
	 * by center first (cases_center_state). Steps: active or out, which only cases in
	 * process have; the province's by their own state and due day (case_steps_open, which
	 * holds their case's center, unit and item), one center's through its cases
	 * (case_steps_case_state; CROSS JOIN keeps that order on SQLite). t is the table whose
	 * center, unit and item the filters and joins use. */
	int by_step = post && !sc.center;
	const char *t = by_step ? "s" : "k";
	const char *from = !post     ? "cases k"
			   : by_step ? "case_steps s JOIN cases k ON k.id = s.case_id"
				     : "cases k CROSS JOIN case_steps s";
	const char *link =
	    post && !by_step ? " AND s.case_id = k.id AND k.state = 'in_process'" : "";
	const char *state = post ? "s.state" : "k.state",
		   *due_col = post ? "s.due_day" : "k.due_day";
	static const char *const states[2][2] = {{"accepted", "in_process"}, {"active", "out"}};
	const char *joins = arena_printf(
	    c->arena, " JOIN items i ON i.id = %s.item_id JOIN centers ce ON ce.id = %s.center_id ",
	    t, t);

	struct where w = {.sql = "", .p = {DBI(until)}, .n = 1};
	if (sc.center)
		where_add(c, &w, arena_printf(c->arena, "%s.center_id = ?", t), 1, DBI(sc.center));
	if (sc.unit)
		where_add(c, &w, arena_printf(c->arena, "%s.unit_id = ?", t), 1, DBI(sc.unit));
	if (strcmp(sc.region_like, "%"))
		where_add(c, &w, "ce.region_code LIKE ?", 1, DBT(sc.region_like));
	if (*item)
		where_add(c, &w, "(i.code LIKE ? ESCAPE '\\' OR i.name LIKE ? ESCAPE '\\')", 2,
			  DBT(field_like(c, item)));
	if (*text)
		where_add(c, &w, "(k.no LIKE ? ESCAPE '\\' OR k.applicant_name LIKE ? ESCAPE '\\')",
			  2, DBT(field_like(c, text)));

	/* the lights, counted: the province's steps without their cases unless a filter needs
	 * them */
	const char *sql = arena_printf(
	    c->arena,
	    "SELECT %s, %s, COALESCE(i.warn_days, ce.warn_days), COUNT(*) FROM %s%sWHERE %s IN "
	    "('%s', '%s') AND %s <= ?%s%s GROUP BY 1, 2, 3",
	    due_col, post ? "0" : "COALESCE(k.paused_since, 0)",
	    by_step && !*text ? "case_steps s" : from, joins, state, states[post][0],
	    states[post][1], due_col, link, w.sql);
	int64_t yellow = 0, red = 0;
	if ((rc = case_count_lights(c, &cal, sql, w.p, w.n, &yellow, &red)) < 0)
		return rc;

	/* the page: each state's rows in order, the earlier of the two heads taken first */
	struct db_res *r[2] = {NULL, NULL};
	int more[2] = {0, 0};
	for (int i = 0; i < 2 && rc >= 0; i++) {
		sql = arena_printf(
		    c->arena,
		    "SELECT " COMMON "%s FROM %s%sJOIN units un ON un.id = %s.unit_id %sWHERE %s = "
		    "'%s' AND %s <= ?%s%s ORDER BY %s, %s.id",
		    post ? "s.due_day, 0, s.id, s.name, s.kind, s.state, COALESCE(h.name, '')"
			 : "k.due_day, COALESCE(k.paused_since, 0), k.state, k.id",
		    from, joins, t, post ? "LEFT JOIN users h ON h.id = s.handler_id " : "", state,
		    states[post][i], due_col, link, w.sql, due_col, post ? "s" : "k");
		if ((rc = db_query_partial(c->db, &r[i], sql, w.p, w.n)) >= 0)
			rc = more[i] = db_next(r[i]);
	}
	json_t *items = json_array();
	int64_t skip = (pg.page - 1) * pg.size;
	while (rc >= 0 && (more[0] || more[1]) && json_array_size(items) < (size_t)pg.size) {
		int i = !more[0] || (more[1] && row_before(r[1], r[0], post ? 11 : 12));
		int32_t due = (int32_t)db_int(r[i], 9);
		int left = case_days_left(&cal, today, due, (int32_t)db_int(r[i], 10));
		const char *light = case_light(left, (int)db_int(r[i], 8));
		if (strcmp(light, "green") && (!*want || !strcmp(want, light)) && skip-- <= 0)
			json_array_append_new(items, page_row(r[i], post, due, left, light));
		rc = more[i] = db_next(r[i]);
	}
	db_res_free(r[0]);
	db_res_free(r[1]);
	if (rc < 0) {
		json_decref(items);
		return ctx_db(c, rc);
	}
	int64_t total = !*want ? yellow + red : *want == 'r' ? red : yellow;
	*out = json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I}", "kind", kind, "items", items, "total",
			 (json_int_t)total, "yellow", (json_int_t)yellow, "red", (json_int_t)red,
			 "page", (json_int_t)pg.page, "size", (json_int_t)pg.size);
	return E_OK;
}
