/*
 * ctx.h - what every domain call receives: the connection, an arena, the acting user and
 * the time, plus room for one failure's details.
 *
 * Domain functions return 0 or a negative enum err. Where the code alone does not tell the
 * user what to fix, they record the field and a precise Chinese message with ctx_fail(),
 * which the API edge puts into the error reply.
 */
#ifndef SHENPI_CTX_H
#define SHENPI_CTX_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

/* Roles are a bit set, stored as an integer in users.roles. */
enum role {
	ROLE_CLERK = 1 << 0,	    /* 窗口人员 */
	ROLE_HANDLER = 1 << 1,	    /* 承办人 */
	ROLE_UNIT_ADMIN = 1 << 2,   /* 单位管理员 */
	ROLE_CENTER_ADMIN = 1 << 3, /* 中心管理员 */
	ROLE_SUPERVISOR = 1 << 4,   /* 监察人员 */
	ROLE_SYSADMIN = 1 << 5,	    /* 系统管理员 */
	ROLE_ALL_ = (1 << 6) - 1
};

/* The authenticated user a request acts for. */
struct actor {
	int64_t id;
	const char *username, *name;
	unsigned roles;
	int64_t center_id, unit_id; /* 0 when none */
	const char *scope_region;   /* supervisors; "" otherwise */
	int must_change;
	int by_token;		    /* authenticated with an API token, not a cookie */
	char session_hash[65];	    /* the session's token hash ("" for tokens) */
	const char *csrf;	    /* the session's CSRF token */
};

struct ctx {
	struct dbc *db;
	struct arena *arena;
	const struct actor *actor; /* NULL: the system itself (CLI, init) */
	int64_t now;		   /* Unix seconds */
	const char *ip;		   /* client address, for throttling and events; may be "" */
	/* the working-day calendar, read once per request by calendar_load(), from the server's
	 * cache when there is one */
	struct calendar *calendar;
	struct calendar_cache *calendars;
	/* details of the last failure */
	const char *fail_field;
	const char *fail_message;
};

/* Record a failure's field and message (printf-style, may be NULL) and return code. */
int ctx_fail(struct ctx *c, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Map a db_err to an enum err, logging unexpected ones with the connection's message. */
int ctx_db(struct ctx *c, int db_rc);

static inline int actor_has(const struct actor *a, unsigned roles)
{
	return !a || (a->roles & roles) != 0;
}


#include <jansson.h>

/* Run a query and turn each row into JSON with row(); *out gets the array. */
typedef json_t *(*ctx_row_fn)(struct db_res *r);
int ctx_rows(struct ctx *c, const char *sql, const struct db_val *p, int n, ctx_row_fn row,
	     json_t **out);
/* The first row as JSON, or `missing` (with message) when there is none. */
int ctx_one(struct ctx *c, const char *sql, const struct db_val *p, int n, ctx_row_fn row,
	    int missing, const char *message, json_t **out);
/* The integer in the first column of the first row (0 when there is no row). */
int ctx_int(struct ctx *c, const char *sql, const struct db_val *p, int n, int64_t *out);
/* A nullable integer or text column as JSON (null for NULL). */
json_t *ctx_int_json(struct db_res *r, int col);
json_t *ctx_text_json(struct db_res *r, int col);

/* One page of a list: its number (from 1) and size (field_page() reads them from a query). */
struct page {
	int64_t page, size;
};

/* A paged list: the rows of `select` (up to its WHERE; its own parameters `sp`) filtered by
 * `where` (parameters `p`) in `order`, counted as `SELECT COUNT(*) FROM <from> <where>`:
 * `from` is only the tables the WHERE needs, not those the row's columns join. */
struct ctx_list {
	const char *select;
	const struct db_val *sp;
	int sn;
	const char *from, *where;
	const struct db_val *p;
	int n;
	const char *order; /* after ORDER BY, unique so that pages do not overlap */
	ctx_row_fn row;
};
/* One page of the list as {"items":[row…],"total","page","size"}. */
int ctx_list(struct ctx *c, const struct ctx_list *l, const struct page *pg, json_t **out);

#endif
