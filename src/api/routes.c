/*
 * routes.c - every route of the API with the roles it needs, and the one dispatcher that
 * wraps every handler (see api.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "core/err.h"
#include "core/log.h"

enum route_flags {
	R_PUBLIC = 1,	/* no authentication */
	R_WRITE = 2,	/* run in one write transaction, committed only on success */
	R_OWN_TX = 4,	/* the domain call runs its own transaction(s) */
	R_BEFORE_PW = 8, /* allowed while the initial password is still unchanged */
	R_MULTIPART = 16 /* a multipart/form-data body up to API_UPLOAD_MAX, which the handler
			    reads (not the JSON parser) */
};

struct route {
	const char *method, *pattern;
	int (*fn)(struct call *k);
	unsigned roles; /* any of these; 0 = every signed-in user */
	unsigned flags;
};

#define ADMINS (ROLE_SYSADMIN | ROLE_CENTER_ADMIN)
#define WINDOW (ROLE_CLERK | ROLE_HANDLER)

static const struct route routes[] = {
	{"POST", "/api/v1/session", api_session_login, 0, R_PUBLIC | R_OWN_TX},
	{"DELETE", "/api/v1/session", api_session_logout, 0, R_WRITE | R_BEFORE_PW},
	{"GET", "/api/v1/me", api_session_me, 0, R_BEFORE_PW},
	{"POST", "/api/v1/session/password", api_session_password, 0, R_OWN_TX | R_BEFORE_PW},
	{"POST", "/api/v1/tokens", api_tokens_create, 0, R_WRITE},
	{"GET", "/api/v1/tokens", api_tokens_list, 0, 0},
	{"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, 0, R_WRITE},

	{"GET", "/api/v1/regions", api_regions_list, 0, 0},
	{"POST", "/api/v1/regions", api_regions_create, ROLE_SYSADMIN, R_WRITE},
	{"PUT", "/api/v1/regions/{code}", api_regions_update, ROLE_SYSADMIN, R_WRITE},
	{"GET", "/api/v1/centers", api_centers_list, 0, 0},
	{"POST", "/api/v1/centers", api_centers_create, ROLE_SYSADMIN, R_WRITE},
	{"GET", "/api/v1/centers/{id}", api_centers_get, 0, 0},
	{"PUT", "/api/v1/centers/{id}", api_centers_update, ADMINS, R_WRITE},
	{"GET", "/api/v1/units", api_units_list, 0, 0},
	{"POST", "/api/v1/units", api_units_create, ADMINS, R_WRITE},
	{"GET", "/api/v1/units/{id}", api_units_get, 0, 0},
	{"PUT", "/api/v1/units/{id}", api_units_update, ADMINS, R_WRITE},

	{"GET", "/api/v1/users", api_users_list, ADMINS | ROLE_UNIT_ADMIN | ROLE_SUPERVISOR, 0},
	{"POST", "/api/v1/users", api_users_create, ADMINS, R_WRITE},
	{"GET", "/api/v1/users/{id}", api_users_get, ADMINS | ROLE_UNIT_ADMIN | ROLE_SUPERVISOR, 0},
	{"PUT", "/api/v1/users/{id}", api_users_update, ADMINS, R_WRITE},
	{"POST", "/api/v1/users/{id}/reset-password", api_users_reset_password, ADMINS, R_WRITE},

	{"GET", "/api/v1/items", api_items_list, 0, 0},
	{"POST", "/api/v1/items", api_items_create, ADMINS | ROLE_UNIT_ADMIN, R_WRITE},
	{"GET", "/api/v1/items/export.xlsx", api_items_export, 0, 0},
	{"POST", "/api/v1/items/import", api_items_import, ADMINS | ROLE_UNIT_ADMIN, R_WRITE},
	{"GET", "/api/v1/items/{id}", api_items_get, 0, 0},
	{"PUT", "/api/v1/items/{id}", api_items_update, ADMINS | ROLE_UNIT_ADMIN, R_WRITE},
	{"GET", "/api/v1/items/{id}/process", api_process_get, 0, 0},
	{"PUT", "/api/v1/items/{id}/process", api_process_save, ADMINS | ROLE_UNIT_ADMIN, R_WRITE},
	{"GET", "/api/v1/items/{id}/process.svg", api_process_svg, 0, 0},
	{"POST", "/api/v1/process/preview.svg", api_process_preview, ADMINS | ROLE_UNIT_ADMIN, 0},

	{"GET", "/api/v1/calendar", api_calendar_list, 0, 0},
	{"GET", "/api/v1/calendar/due", api_calendar_due, 0, 0},
	{"POST", "/api/v1/calendar/import", api_calendar_import, ROLE_SYSADMIN, R_WRITE},
	{"PUT", "/api/v1/calendar/{day}", api_calendar_set, ROLE_SYSADMIN, R_WRITE},
	{"DELETE", "/api/v1/calendar/{day}", api_calendar_delete, ROLE_SYSADMIN, R_WRITE},

	{"POST", "/api/v1/consultations", api_consultations_create, WINDOW, R_WRITE},
	{"GET", "/api/v1/consultations", api_consultations_list, 0, 0},
	{"GET", "/api/v1/consultations/{id}", api_consultations_get, 0, 0},
	{"POST", "/api/v1/cases", api_cases_create, WINDOW, R_WRITE},
	{"GET", "/api/v1/cases", api_cases_list, 0, 0},
	{"GET", "/api/v1/cases/{no}", api_cases_get, 0, 0},
	{"GET", "/api/v1/cases/{no}/flowchart.svg", api_cases_svg, 0, 0},
	{"POST", "/api/v1/cases/{no}/materials/{material_id}/files", api_files_upload, WINDOW,
	 R_WRITE | R_MULTIPART},
	{"POST", "/api/v1/cases/{no}/signed/{kind}", api_files_upload_signed, WINDOW,
	 R_WRITE | R_MULTIPART},
	{"POST", "/api/v1/consultations/{id}/signed", api_files_upload_consultation, WINDOW,
	 R_WRITE | R_MULTIPART},
	{"GET", "/api/v1/files/{id}", api_files_get, 0, 0},
	{"DELETE", "/api/v1/files/{id}", api_files_delete, WINDOW, R_WRITE},
	{"POST", "/api/v1/cases/{no}/{action}", api_cases_act, 0, R_WRITE},
	{"GET", "/api/v1/public/cases/{no}", api_cases_public, 0, R_PUBLIC},
	{"GET", "/api/v1/cases/{no}/notices/{kind}.pdf", api_notices_case, 0, 0},
	{"GET", "/api/v1/consultations/{id}/notice.pdf", api_notices_consultation, 0, 0},
	{"GET", "/api/v1/notice-templates", api_notice_templates_list, 0, 0},
	{"POST", "/api/v1/notice-templates/preview.pdf", api_notice_templates_preview,
	 ADMINS | ROLE_UNIT_ADMIN, 0},
	{"PUT", "/api/v1/notice-templates/{kind}", api_notice_templates_save, ADMINS | ROLE_UNIT_ADMIN,
	 R_WRITE},
	{"DELETE", "/api/v1/notice-templates/{kind}", api_notice_templates_delete,
	 ADMINS | ROLE_UNIT_ADMIN, R_WRITE},
	{"GET", "/api/v1/stats/mine", api_stats_mine, 0, 0},
	{"GET", "/api/v1/stats/unit", api_stats_unit, 0, 0},
	{"GET", "/api/v1/stats/indicators", api_stats_indicators, 0, 0},
	{"GET", "/api/v1/stats/children", api_stats_children, 0, 0},
	{"GET", "/api/v1/stats/tables/{name}.xlsx", api_stats_table_xlsx, 0, 0},
	{"GET", "/api/v1/stats/tables/{name}", api_stats_table, 0, 0},

	{"GET", "/api/v1/warnings", api_warnings_list, 0, 0},
	{"POST", "/api/v1/urges", api_urges_create, ADMINS | ROLE_SUPERVISOR, R_WRITE},
	{"GET", "/api/v1/urges", api_urges_list, 0, 0},
	{"POST", "/api/v1/urges/{id}/answer", api_urges_answer, 0, R_WRITE},
	{"GET", "/api/v1/cards", api_cards_list, 0, 0},
	{"GET", "/api/v1/cards/{id}", api_cards_get, 0, 0},
	{"POST", "/api/v1/cards/{id}/{decision}", api_cards_decide, ROLE_SYSADMIN | ROLE_SUPERVISOR,
	 R_WRITE},
	{"GET", "/api/v1/followups", api_followups_list, 0, 0},
	{"POST", "/api/v1/followups/{id}/answer", api_followups_answer, 0, R_WRITE},

	{"GET", "/api/v1/events", api_events_list, ROLE_SYSADMIN | ROLE_SUPERVISOR, 0},
	{"GET", "/healthz", api_ops_healthz, 0, R_PUBLIC},
	{"GET", "/metrics", api_ops_metrics, 0, R_PUBLIC},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Does path match pattern? Fills r's params with the {...} segments when r is given. A
 * parameter may be followed by a literal suffix within its segment ("{kind}.pdf"): the
 * parameter is the segment without it, and must not be empty. */
static int match(struct req *r, const char *pattern, const char *path)
{
	int n = 0;
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *close = strchr(pattern, '}'), *next = strchr(close, '/');
			size_t suffix = next ? (size_t)(next - close - 1) : strlen(close + 1);
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len <= suffix || n == HTTP_MAX_PARAMS)
				return 0;
			len -= suffix;
			if (r)
				r->params[n] = arena_strndup(&r->arena, path, len);
			n++;
			pattern = close + 1;
			path += len;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && !*path;
}

static void reply_err(struct req *r, struct ctx *c, int e)
{
	http_reply_error(r, err_status(e), err_code(e),
			 c && c->fail_message ? c->fail_message : err_message(e),
			 c ? c->fail_field : NULL);
}

static int unsafe(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

static int parse_body(struct call *k)
{
	struct req *r = k->r;
	if (!r->body.len) {
		k->in = json_object();
		return E_OK;
	}
	/* Only JSON: a cross-site HTML form can send text/plain that happens to parse as JSON
	 * (login CSRF), but it cannot set this type without the browser asking first. */
	const char *type = http_header(r, "Content-Type");
	if (!type || strncasecmp(type, "application/json", 16))
		return E_MEDIA_TYPE;
	json_error_t je;
	k->in = json_loadb(r->body.buf, r->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!k->in || !json_is_object(k->in)) {
		json_decref(k->in);
		k->in = NULL;
		return E_BAD_JSON;
	}
	return E_OK;
}

/* Authentication, CSRF, the forced password change and the role check. */
static int admit(struct call *k, const struct route *rt)
{
	int rc;
	if (rt->flags & R_PUBLIC)
		return E_OK;
	if ((rc = api_auth(k)) < 0)
		return rc;
	k->ctx.actor = &k->actor;
	k->r->user = k->actor.username;
	if (k->actor.must_change && !(rt->flags & R_BEFORE_PW))
		return E_PASSWORD_CHANGE;
	if (rt->roles && !(k->actor.roles & rt->roles))
		return E_FORBIDDEN;
	return E_OK;
}

/* A write route's handler, run by db_write. */
struct write {
	struct call *k;
	const struct route *rt;
};

static int write_fn(void *arg)
{
	struct write *w = arg;
	return w->rt->fn(w->k);
}

static int run(struct call *k, const struct route *rt)
{
	struct dbc *db = k->ctx.db;
	int rc;
	if ((rc = admit(k, rt)) < 0 ||
	    (unsafe(k->r->method) && !(rt->flags & R_MULTIPART) && (rc = parse_body(k)) < 0))
		return rc;
	if (!k->in)
		k->in = json_object();
	if (rt->flags & (R_OWN_TX | R_PUBLIC))
		return rt->fn(k);
	if (rt->flags & R_WRITE) {
		struct write w = {k, rt};
		int result;
		if ((rc = db_write(db, write_fn, &w, &result)) >= 0 && result < 0)
			return result;
	} else if ((rc = ctx_db(&k->ctx, db_begin_read(db))) < 0) {
		return rc;
	} else if ((rc = rt->fn(k)) < 0) {
		db_rollback(db);
		return rc;
	} else {
		rc = db_commit(db);
	}
	if ((rc = ctx_db(&k->ctx, rc)) < 0 || !k->reply ||
	    (rc = ctx_db(&k->ctx, db_begin_read(db))) < 0)
		return rc;
	rc = k->reply(k);
	db_rollback(db);
	return rc;
}

size_t api_body_max(const char *method, const char *path)
{
	for (size_t i = 0; i < NROUTES; i++)
		if ((routes[i].flags & R_MULTIPART) && !strcmp(routes[i].method, method) &&
		    match(NULL, routes[i].pattern, path))
			return API_UPLOAD_MAX;
	return API_BODY_MAX;
}

void api_handle(struct req *r)
{
	struct app *app = r->app;
	const struct route *rt = NULL;
	for (size_t i = 0; i < NROUTES && !rt; i++)
		if (!strcmp(routes[i].method, r->method) && match(r, routes[i].pattern, r->path))
			rt = &routes[i];
	if (!rt) {
		int path_known = 0;
		for (size_t i = 0; i < NROUTES && !path_known; i++)
			path_known = match(NULL, routes[i].pattern, r->path);
		if (!path_known && strncmp(r->path, "/api/", 5) &&
		    (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")))
			http_reply_file(r, app->web_root, r->path);
		else
			reply_err(r, NULL, path_known ? E_METHOD : E_NO_ROUTE);
		return;
	}
	r->route = rt->pattern;

	struct call k = {.r = r, .app = app, .status = 200};
	k.ctx.db = db_acquire(app->db);
	k.ctx.arena = &r->arena;
	k.ctx.calendars = &app->calendars;
	k.ctx.now = (int64_t)time(NULL);
	k.ctx.ip = http_client_ip(r);
	int rc = run(&k, rt);
	db_release(k.ctx.db);
	json_decref(k.in);
	if (rc < 0) {
		json_decref(k.out);
		reply_err(r, &k.ctx, rc);
	} else if (k.text) {
		http_reply_data(r, k.status, k.text_type, k.text, k.text_len, k.filename);
	} else if (k.out) {
		http_reply_json(r, k.status, k.out);
	} else {
		http_reply_empty(r, 204);
	}
}

int api_id(struct call *k, int i, int64_t *id)
{
	const char *s = k->r->params[i];
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || *end || v <= 0 || strlen(s) > 18)
		return ctx_fail(&k->ctx, E_NOT_FOUND, NULL, NULL);
	*id = v;
	return E_OK;
}

json_t *api_query(struct call *k, const char *const *names)
{
	json_t *q = json_object();
	for (; *names; names++) {
		const char *v = http_query(k->r, *names);
		if (v)
			json_object_set_new(q, *names, json_string(v));
	}
	return q;
}

int64_t api_query_int(struct call *k, const char *name)
{
	const char *s = http_query(k->r, name);
	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return 0;
	return strtoll(s, NULL, 10);
}
