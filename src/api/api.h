/*
 * api.h - the JSON API: the route table, authentication, and thin handlers that parse,
 * call the domain and hand back a result.
 *
 * A handler gets a `struct call` whose ctx is ready (connection, actor, time), whose `in`
 * is the parsed JSON body (an empty object when there is none), and returns 0 after setting
 * `out` (and `status` when not 200), or a negative enum err. The dispatcher in routes.c does
 * the rest once, for every route: matching, authentication, CSRF, the forced password change,
 * the role check, the transaction (committed only on success), and the reply.
 */
#ifndef SHENPI_API_H
#define SHENPI_API_H

#include <jansson.h>

#include "db/db.h"
#include "domain/attach.h"
#include "domain/calendar.h"
#include "domain/ctx.h"
#include "http/http.h"

/* Caps of request bodies: JSON, and a multipart upload (a file and the form around it). */
#define API_BODY_MAX   (1 << 20)
#define API_UPLOAD_MAX (ATTACH_MAX + (256 << 10))

struct app {
	struct db *db;
	const char *web_root;	/* web/dist, or NULL */
	int secure_cookie;	/* add Secure to the session cookie (behind TLS) */
	const char *public_url; /* where the public progress page is, for notices' QR codes */
	struct calendar_cache calendars; /* the working-day calendar its requests share */
};

struct call {
	struct req *r;
	struct app *app;
	struct ctx ctx;
	struct actor actor;
	json_t *in;
	json_t *out;	  /* reply body; NULL with status 204 */
	int status;	  /* default 200 */
	const char *text; /* bytes to reply instead of JSON (with text_type) */
	size_t text_len;
	const char *text_type;
	const char *filename; /* with text: a download of this (UTF-8) name */
	/* a write whose reply shows what it wrote: the read that makes the reply, run once the
	 * write has committed (after the write lock, not under it) in a read transaction */
	int (*reply)(struct call *k);
	const char *reply_key; /* what reply reads (a case number) */
};

#define SESSION_COOKIE "shenpi_session"

/* The request handler given to http_serve. */
void api_handle(struct req *r);
/* The body cap given to http_serve: API_UPLOAD_MAX for the multipart routes, API_BODY_MAX
 * for every other request. */
size_t api_body_max(const char *method, const char *path);

/* Authenticate the request into k->actor: 0, or E_UNAUTHENTICATED / E_SESSION_EXPIRED /
 * E_ACCOUNT_DISABLED / E_CSRF. */
int api_auth(struct call *k);

/* Path parameter i as a positive id, or E_NOT_FOUND. */
int api_id(struct call *k, int i, int64_t *id);
/* The named query parameters (a NULL-terminated list) as a JSON object of strings, the
 * absent left out. */
json_t *api_query(struct call *k, const char *const *names);
/* A query parameter as a non-negative integer (0 when absent or malformed). */
int64_t api_query_int(struct call *k, const char *name);

/* The background sweep of accountability cards (sweep.c): one run now on connection db,
 * after any run of another process (*raised gets the number of cards raised), or a thread
 * that every `seconds` until stopped runs the sweep if this server is the sweeper, or tries
 * to become it; api_sweep_metrics appends the shenpi_sweeper gauge for /metrics. */
int api_sweep_once(struct dbc *db, int64_t *raised);
int api_sweep_start(struct db *db, int seconds);
void api_sweep_stop(void);
void api_sweep_metrics(struct buf *out);

/* handlers, one file per resource group */
int api_session_login(struct call *k);
int api_session_logout(struct call *k);
int api_session_me(struct call *k);
int api_session_password(struct call *k);
int api_tokens_create(struct call *k);
int api_tokens_list(struct call *k);
int api_tokens_delete(struct call *k);

int api_regions_list(struct call *k);
int api_regions_create(struct call *k);
int api_regions_update(struct call *k);
int api_centers_list(struct call *k);
int api_centers_get(struct call *k);
int api_centers_create(struct call *k);
int api_centers_update(struct call *k);
int api_units_list(struct call *k);
int api_units_get(struct call *k);
int api_units_create(struct call *k);
int api_units_update(struct call *k);

int api_users_list(struct call *k);
int api_users_get(struct call *k);
int api_users_create(struct call *k);
int api_users_update(struct call *k);
int api_users_reset_password(struct call *k);

int api_items_list(struct call *k);
int api_items_get(struct call *k);
int api_items_create(struct call *k);
int api_items_update(struct call *k);
int api_items_export(struct call *k);
int api_items_import(struct call *k);
int api_process_get(struct call *k);
int api_process_save(struct call *k);
int api_process_svg(struct call *k);
int api_process_preview(struct call *k);

int api_calendar_list(struct call *k);
int api_calendar_due(struct call *k);
int api_calendar_set(struct call *k);
int api_calendar_delete(struct call *k);
int api_calendar_import(struct call *k);

int api_consultations_create(struct call *k);
int api_consultations_list(struct call *k);
int api_consultations_get(struct call *k);
int api_cases_create(struct call *k);
int api_cases_list(struct call *k);
int api_cases_get(struct call *k);
int api_cases_act(struct call *k);
int api_cases_svg(struct call *k);
int api_cases_public(struct call *k);

int api_notices_case(struct call *k);
int api_notices_consultation(struct call *k);
int api_notice_templates_list(struct call *k);
int api_notice_templates_save(struct call *k);
int api_notice_templates_delete(struct call *k);
int api_notice_templates_preview(struct call *k);
int api_stats_mine(struct call *k);
int api_stats_unit(struct call *k);
int api_files_upload(struct call *k);
int api_files_upload_signed(struct call *k);
int api_files_upload_consultation(struct call *k);
int api_files_get(struct call *k);
int api_files_delete(struct call *k);

int api_stats_indicators(struct call *k);
int api_stats_children(struct call *k);
int api_stats_table(struct call *k);
int api_stats_table_xlsx(struct call *k);

int api_warnings_list(struct call *k);
int api_urges_create(struct call *k);
int api_urges_list(struct call *k);
int api_urges_answer(struct call *k);
int api_cards_list(struct call *k);
int api_cards_get(struct call *k);
int api_cards_decide(struct call *k);
int api_followups_list(struct call *k);
int api_followups_answer(struct call *k);
int api_events_list(struct call *k);
int api_ops_healthz(struct call *k);
int api_ops_metrics(struct call *k);

#endif
