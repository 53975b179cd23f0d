/*
 * session.c - sessions, API tokens and login throttling; see session.h.
 */
#include "domain/session.h"

#include <string.h>

#include "domain/event.h"
#include "domain/field.h"
#include "domain/user.h"

int64_t session_idle = 2 * 3600;
int64_t session_max = 12 * 3600;

/* seen_at is refreshed at most once a minute (and at least ten times per idle period), so
 * that reads stay reads; a session may end that much before its idle limit. */
static int64_t seen_every(void)
{
	int64_t g = session_idle / 10;
	return g < 1 ? 1 : g > 60 ? 60 : g;
}

/* The count of login_attempt, with its result in n. */
struct attempt {
	struct ctx *c;
	const char *username;
	int64_t n;
};

static int count_attempt(void *arg)
{
	struct attempt *t = arg;
	int64_t old = t->c->now - LOGIN_WINDOW;
	struct db_val p[] = {DBT(t->username), DBI(t->c->now), DBI(old), DBI(old), DBI(t->c->now)};
	return ctx_int(t->c,
		       "INSERT INTO login_failures (username, failures, window_start) "
		       "VALUES (?, 1, ?) ON CONFLICT (username) DO UPDATE SET "
		       "failures = CASE WHEN login_failures.window_start <= ? THEN 1 "
		       "ELSE login_failures.failures + 1 END, "
		       "window_start = CASE WHEN login_failures.window_start <= ? THEN ? "
		       "ELSE login_failures.window_start END RETURNING failures",
		       p, 5, &t->n);
}

/* Count this attempt before the password is checked, in one atomic statement, so that
 * parallel guesses cannot slip past the limit; a successful login deletes the count. It is a
 * write transaction of its own (db_write: on SQLite the writer thread's, as every write of the
 * server is, not one that waits for the write lock beside it). E_THROTTLED once more than
 * LOGIN_MAX_FAILURES attempts fell in the window. */
static int login_attempt(struct ctx *c, const char *username)
{
	struct attempt t = {c, username, 0};
	int result, rc = ctx_db(c, db_write(c->db, count_attempt, &t, &result));
	if (rc < 0 || (rc = result) < 0)
		return rc;
	return t.n > LOGIN_MAX_FAILURES ? E_THROTTLED : E_OK;
}

int session_login(struct ctx *c, const char *username, const char *password,
		  char token[TOKEN_HEX], char csrf[TOKEN_HEX], json_t **user)
{
	char hash[256] = "", token_hash[TOKEN_HEX];
	int64_t id = 0, center = 0;
	int disabled = 0, rc;
	struct db_res *r;
	if ((rc = login_attempt(c, username)) < 0)
		return rc;
	struct db_val p[] = {DBT(username)};
	if ((rc = db_query(c->db, &r,
			   "SELECT id, password_hash, disabled, COALESCE(center_id, 0) FROM users "
			   "WHERE username = ?",
			   p, 1)) < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		id = db_int(r, 0);
		snprintf(hash, sizeof(hash), "%s", db_text(r, 1));
		disabled = (int)db_int(r, 2);
		center = db_int(r, 3);
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	/* an unknown name costs the same hash as a known one: no account probing by timing */
	if (user_password_verify(id ? hash : user_initial_hash(), password) < 0 || !id)
		return E_BAD_CREDENTIALS; /* the attempt stays counted */
	if (disabled)
		return E_ACCOUNT_DISABLED;

	token_random(token);
	token_random(csrf);
	token_sha256(token, strlen(token), token_hash);
	struct db_val s[] = {DBT(token_hash), DBI(id),	     DBT(csrf),
			     DBI(c->now),     DBI(c->now), DBI(c->now + session_max)};
	struct actor a = {.id = id, .center_id = center};
	const struct actor *saved = c->actor;
	c->actor = &a; /* the event's actor is the user logging in */
	if ((rc = ctx_db(c, db_begin_write(c->db))) < 0)
		goto out;
	/* this name's count goes, and so do the counts whose window has passed: names an
	 * attacker made up do not pile up */
	struct db_val gone[] = {DBT(username), DBI(c->now - LOGIN_WINDOW)};
	if ((rc = ctx_db(c, db_exec(c->db,
				    "DELETE FROM login_failures WHERE username = ? OR window_start <= ?",
				    gone, 2, NULL))) < 0 ||
	    (rc = ctx_db(c, db_exec(c->db,
				    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, "
				    "seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
				    s, 6, NULL))) < 0 ||
	    (rc = event_append(c, center, 0, "session.login",
			       json_pack("{s:s}", "ip", c->ip ? c->ip : ""))) < 0 ||
	    (rc = ctx_db(c, db_commit(c->db))) < 0) {
		db_rollback(c->db);
		goto out;
	}
	rc = user_get(c, id, user);
out:
	c->actor = saved;
	return rc;
}

#define ACTOR_COLS                                                                             \
	"u.id, u.username, u.name, u.roles, COALESCE(u.center_id, 0), COALESCE(u.unit_id, 0), " \
	"COALESCE(u.scope_region, ''), u.must_change, u.disabled "

static void fill_actor(struct ctx *c, struct db_res *r, struct actor *a)
{
	a->id = db_int(r, 0);
	a->username = arena_strdup(c->arena, db_text(r, 1));
	a->name = arena_strdup(c->arena, db_text(r, 2));
	a->roles = (unsigned)db_int(r, 3);
	a->center_id = db_int(r, 4);
	a->unit_id = db_int(r, 5);
	a->scope_region = arena_strdup(c->arena, db_text(r, 6));
	a->must_change = (int)db_int(r, 7);
}

/* How a cookie session and an API token are looked up: the query returns ACTOR_COLS, the
 * CSRF token, the time of last use and the expiry; touch records a use. */
struct secret_kind {
	const char *select, *touch;
	int by_token;
};

static const struct secret_kind cookie_kind = {
	"SELECT " ACTOR_COLS ", s.csrf, s.seen_at, s.expires_at FROM sessions s "
	"JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
	"UPDATE sessions SET seen_at = ? WHERE token_hash = ?", 0};
static const struct secret_kind token_kind = {
	"SELECT " ACTOR_COLS ", '', COALESCE(t.last_used_at, 0), t.expires_at FROM api_tokens t "
	"JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
	"UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", 1};

/* Record a session's or token's use: sql with its time and hash. */
struct touch {
	struct dbc *db;
	const char *sql;
	struct db_val p[2];
};

static int touch(void *arg)
{
	struct touch *t = arg;
	return db_exec(t->db, t->sql, t->p, 2, NULL);
}

static int from_secret(struct ctx *c, const struct secret_kind *k, const char *secret,
		       struct actor *a)
{
	char h[TOKEN_HEX];
	struct db_res *r;
	int64_t used = 0, expires = 0;
	int disabled = 0;
	token_sha256(secret, strlen(secret), h);
	struct db_val p[] = {DBT(h)};
	int rc = db_query(c->db, &r, k->select, p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0) {
		fill_actor(c, r, a);
		disabled = (int)db_int(r, 8);
		a->csrf = arena_strdup(c->arena, db_text(r, 9));
		used = db_int(r, 10);
		expires = db_int(r, 11);
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	/* sessions also end when idle; tokens only at their expiry */
	if (!rc || expires < c->now || (!k->by_token && used + session_idle < c->now))
		return E_SESSION_EXPIRED;
	if (disabled)
		return E_ACCOUNT_DISABLED;
	a->by_token = k->by_token;
	if (!k->by_token)
		memcpy(a->session_hash, h, sizeof(h));
	if (c->now - used >= (k->by_token ? 60 : seen_every())) {
		/* in a write transaction of its own, as login_attempt; on a full or read-only disk
		 * the use goes unrecorded and reads go on */
		struct touch t = {c->db, k->touch, {DBI(c->now), DBT(h)}};
		int result;
		if ((rc = db_write(c->db, touch, &t, &result)) == DB_OK)
			rc = result;
		if (rc < 0 && rc != DB_STORAGE)
			return ctx_db(c, rc);
	}
	return E_OK;
}

int session_from_cookie(struct ctx *c, const char *secret, struct actor *a)
{
	return from_secret(c, &cookie_kind, secret, a);
}

int session_from_token(struct ctx *c, const char *secret, struct actor *a)
{
	return from_secret(c, &token_kind, secret, a);
}

int session_logout(struct ctx *c)
{
	const struct actor *a = c->actor;
	if (a->by_token)
		return E_OK; /* a token is revoked with DELETE /tokens/{id}, not by logging out */
	struct db_val p[] = {DBT(a->session_hash)};
	int rc = ctx_db(c, db_exec(c->db, "DELETE FROM sessions WHERE token_hash = ?", p, 1, NULL));
	if (rc < 0)
		return rc;
	return event_append(c, a->center_id, 0, "session.logout", NULL);
}

static json_t *token_row(struct db_res *r)
{
	return json_pack("{s:I,s:s,s:I,s:I,s:o}", "id", (json_int_t)db_int(r, 0), "name",
			 db_text(r, 1), "created_at", (json_int_t)db_int(r, 2), "expires_at",
			 (json_int_t)db_int(r, 3), "last_used_at", ctx_int_json(r, 4));
}

int session_token_create(struct ctx *c, json_t *in, json_t **out)
{
	const struct actor *a = c->actor;
	const char *name = NULL;
	int64_t days = 90, id;
	char secret[TOKEN_HEX], h[TOKEN_HEX];
	int rc;
	if ((rc = field_text(c, in, "name", "令牌名称", 1, 1, 64, &name, NULL)) < 0 ||
	    (rc = field_int(c, in, "days", "有效天数", 0, 1, 365, &days, NULL)) < 0)
		return rc;
	token_random(secret);
	const char *token = arena_printf(c->arena, TOKEN_PREFIX "%s", secret);
	token_sha256(token, strlen(token), h);
	int64_t expires = c->now + days * 86400;
	struct db_val p[] = {DBT(h), DBI(a->id), DBT(name), DBI(c->now), DBI(expires)};
	if ((rc = ctx_int(c,
			  "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) "
			  "VALUES (?, ?, ?, ?, ?) RETURNING id",
			  p, 5, &id)) < 0 ||
	    (rc = event_append(c, a->center_id, 0, "token.create",
			       json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", name))) < 0)
		return rc;
	*out = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)id, "name", name, "token", token,
			 "expires_at", (json_int_t)expires);
	return E_OK;
}

int session_token_list(struct ctx *c, json_t **out)
{
	struct db_val p[] = {DBI(c->actor->id)};
	json_t *items;
	int rc = ctx_rows(c,
			  "SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens "
			  "WHERE user_id = ? ORDER BY id",
			  p, 1, token_row, &items);
	if (rc == E_OK)
		*out = json_pack("{s:o}", "items", items);
	return rc;
}

int session_token_delete(struct ctx *c, int64_t id)
{
	struct db_val p[] = {DBI(id), DBI(c->actor->id)};
	int64_t n = 0;
	int rc = ctx_db(c, db_exec(c->db, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", p,
				   2, &n));
	if (rc < 0)
		return rc;
	if (!n)
		return ctx_fail(c, E_NOT_FOUND, NULL, "令牌不存在");
	return event_append(c, c->actor->center_id, 0, "token.delete",
			    json_pack("{s:I}", "id", (json_int_t)id));
}
