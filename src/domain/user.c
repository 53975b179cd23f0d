/*
 * user.c - accounts; see user.h.
 */
#include "domain/user.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "domain/access.h"
#include "domain/event.h"
#include "domain/org.h"

#define USERNAME_RULE "用户名只能包含字母、数字、下划线、点和减号，长度3到32位"

/* Roles a center admin may grant inside their own center. */
#define CENTER_ROLES (ROLE_CLERK | ROLE_HANDLER | ROLE_UNIT_ADMIN | ROLE_CENTER_ADMIN)
/* Roles that work at a unit's window or desk and so need a unit. */
#define UNIT_ROLES (ROLE_CLERK | ROLE_HANDLER | ROLE_UNIT_ADMIN)

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
	{ROLE_CLERK, "clerk"},		   {ROLE_HANDLER, "handler"},
	{ROLE_UNIT_ADMIN, "unit_admin"},   {ROLE_CENTER_ADMIN, "center_admin"},
	{ROLE_SUPERVISOR, "supervisor"},   {ROLE_SYSADMIN, "sysadmin"},
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

unsigned user_role_bit(const char *name)
{
	for (size_t i = 0; i < NROLES; i++)
		if (!strcmp(role_names[i].name, name))
			return role_names[i].bit;
	return 0;
}

json_t *user_roles_json(unsigned roles)
{
	json_t *a = json_array();
	for (size_t i = 0; i < NROLES; i++)
		if (roles & role_names[i].bit)
			json_array_append_new(a, json_string(role_names[i].name));
	return a;
}

/* ---- password hashing ---- */

static char initial_hash[crypto_pwhash_STRBYTES];
static pthread_once_t initial_once = PTHREAD_ONCE_INIT;

/* argon2id with 19 MiB and 2 passes (OWASP's recommendation): a guess costs an attacker
 * that much, and a server answering several logins at once stays within its memory budget
 * (libsodium's "interactive" 64 MiB per login would take 256 MB for four). The parameters
 * are stored in each hash, so older hashes still verify. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u << 20)

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str_alg(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13) == 0
		       ? E_OK
		       : E_INTERNAL;
}

static void make_initial_hash(void)
{
	if (hash_password(USER_INITIAL_PASSWORD, initial_hash) < 0)
		abort();
}

/* Every account on the initial password shares one hash: the password is public anyway,
 * and creating a province's default users then costs one argon2id run, not hundreds. */
const char *user_initial_hash(void)
{
	pthread_once(&initial_once, make_initial_hash);
	return initial_hash;
}

int user_password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? E_OK : E_BAD_CREDENTIALS;
}

/* 8 to 64 characters with at least one letter and one digit, not the initial password. */
static int password_policy(struct ctx *c, const char *pw)
{
	size_t n = strlen(pw);
	int letter = 0, digit = 0;
	for (const char *p = pw; *p; p++) {
		letter |= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
		digit |= *p >= '0' && *p <= '9';
	}
	if (n < 8 || n > 64 || !letter || !digit || !strcmp(pw, USER_INITIAL_PASSWORD))
		return ctx_fail(c, E_WEAK_PASSWORD, "new_password", NULL);
	return E_OK;
}

/* ---- reading ---- */

#define USER_SELECT                                                                            \
	"SELECT u.id, u.username, u.name, u.roles, u.center_id, ce.name, u.unit_id, un.name, " \
	"u.scope_region, u.in_center, u.disabled, u.must_change, u.phone, u.created_at "       \
	"FROM users u LEFT JOIN centers ce ON ce.id = u.center_id "                            \
	"LEFT JOIN units un ON un.id = u.unit_id "

static json_t *user_row(struct db_res *r)
{
	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:b,s:s,s:I}", "id",
			 (json_int_t)db_int(r, 0), "username", db_text(r, 1), "name", db_text(r, 2),
			 "roles", user_roles_json((unsigned)db_int(r, 3)), "center_id",
			 ctx_int_json(r, 4), "center_name", ctx_text_json(r, 5), "unit_id",
			 ctx_int_json(r, 6), "unit_name", ctx_text_json(r, 7), "scope_region",
			 ctx_text_json(r, 8), "in_center", (int)db_int(r, 9), "disabled",
			 (int)db_int(r, 10), "must_change_password", (int)db_int(r, 11), "phone",
			 db_text(r, 12), "created_at", (json_int_t)db_int(r, 13));
}

/* The user as JSON, without any access check. */
static int user_load(struct ctx *c, int64_t id, json_t **out)
{
	struct db_val p[] = {DBI(id)};
	return ctx_one(c, USER_SELECT "WHERE u.id = ?", p, 1, user_row, E_NOT_FOUND, "用户不存在",
		       out);
}

static int64_t json_id(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* May the actor read (mode READ) or manage (WRITE) the user u? */
static int user_access(struct ctx *c, json_t *u, enum access_mode mode)
{
	const struct actor *a = c->actor;
	int64_t center = json_id(u, "center_id");
	if (!a || actor_has(a, ROLE_SYSADMIN))
		return E_OK;
	if (mode == ACCESS_READ && a->id == json_id(u, "id"))
		return E_OK;
	unsigned roles = 0;
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(u, "roles"), i, v) roles |= user_role_bit(json_string_value(v));
	if (mode == ACCESS_WRITE) {
		if ((a->roles & ROLE_CENTER_ADMIN) && center == a->center_id &&
		    !(roles & ~CENTER_ROLES))
			return E_OK;
		return ctx_fail(c, E_FORBIDDEN, NULL, "无权管理该用户");
	}
	if ((a->roles & (ROLE_CENTER_ADMIN | ROLE_SUPERVISOR)) && center &&
	    access_center(c, center, ACCESS_READ) == E_OK)
		return E_OK;
	if ((a->roles & ROLE_UNIT_ADMIN) && a->unit_id && a->unit_id == json_id(u, "unit_id"))
		return E_OK;
	return ctx_fail(c, E_FORBIDDEN, NULL, "无权查看该用户");
}

int user_get(struct ctx *c, int64_t id, json_t **out)
{
	json_t *u;
	int rc = user_load(c, id, &u);
	if (rc == E_OK && (rc = user_access(c, u, ACCESS_READ)) < 0)
		json_decref(u);
	else if (rc == E_OK)
		*out = u;
	return rc;
}

int user_list(struct ctx *c, const struct user_filter *f, const struct page *pg, json_t **out)
{
	const struct actor *a = c->actor;
	int64_t own = access_own_center(c), own_unit = 0;
	const char *scope = "%";
	if (a && !actor_has(a, ROLE_SYSADMIN)) {
		if (!(a->roles & (ROLE_CENTER_ADMIN | ROLE_UNIT_ADMIN | ROLE_SUPERVISOR)))
			return E_FORBIDDEN;
		if (a->roles & ROLE_SUPERVISOR)
			scope = access_region_like(c, a->scope_region);
		else if (!(a->roles & ROLE_CENTER_ADMIN))
			own_unit = a->unit_id ? a->unit_id : -1;
	}
	const char *q = f->q && *f->q ? field_like(c, f->q) : "";
	struct db_val p[] = {DBI(own),
			     DBI(own),
			     DBI(own_unit),
			     DBI(own_unit),
			     DBT(scope),
			     DBT(scope),
			     DBI(f->center_id),
			     DBI(f->center_id),
			     DBI(f->unit_id),
			     DBI(f->unit_id),
			     DBI(f->role),
			     DBI(f->role),
			     DBT(q),
			     DBT(q),
			     DBT(q)};
	struct ctx_list l = {
	    .select = USER_SELECT,
	    .from = "users u LEFT JOIN centers ce ON ce.id = u.center_id",
	    .where = "WHERE (? = 0 OR u.center_id = ?) AND (? = 0 OR u.unit_id = ?) AND (? = "
		     "'%' OR ce.region_code LIKE ?) AND (? = 0 OR u.center_id = ?) AND (? = 0 OR "
		     "u.unit_id = ?) AND (? = 0 OR (u.roles & ?) <> 0) AND (? = '' OR "
		     "LOWER(u.username) LIKE LOWER(?) ESCAPE '\\' OR LOWER(u.name) LIKE "
		     "LOWER(?) ESCAPE '\\')",
	    .p = p,
	    .n = 15,
	    .order = "u.center_id, u.unit_id, u.id",
	    .row = user_row};
	return ctx_list(c, &l, pg, out);
}

/* ---- writing ---- */

struct user_in {
	const char *name, *phone, *scope;
	unsigned roles;
	int64_t center_id, unit_id;
	int in_center, disabled;
	int has_roles, has_center, has_unit, has_scope, has_disabled;
};

static int parse_roles(struct ctx *c, json_t *in, struct user_in *u)
{
	json_t *roles = json_object_get(in, "roles"), *v;
	size_t i;
	u->has_roles = roles != NULL;
	if (!roles)
		return E_OK;
	if (!json_is_array(roles) || json_array_size(roles) == 0 || json_array_size(roles) > NROLES)
		return ctx_fail(c, E_INVALID, "roles", "请至少选择一个角色");
	u->roles = 0;
	json_array_foreach(roles, i, v)
	{
		unsigned bit = json_is_string(v) ? user_role_bit(json_string_value(v)) : 0;
		if (!bit)
			return ctx_fail(c, E_INVALID, "roles", "未知的角色");
		u->roles |= bit;
	}
	return E_OK;
}

static int parse_user(struct ctx *c, json_t *in, int create, struct user_in *u)
{
	int rc;
	if ((rc = field_text(c, in, "name", "姓名", create, 1, 64, &u->name, NULL)) < 0 ||
	    (rc = parse_roles(c, in, u)) < 0 ||
	    (rc = field_int(c, in, "center_id", "所属中心", 0, 1, INT64_MAX, &u->center_id,
			    &u->has_center)) < 0 ||
	    (rc = field_int(c, in, "unit_id", "所属单位", 0, 1, INT64_MAX, &u->unit_id,
			    &u->has_unit)) < 0 ||
	    (rc = field_ascii(c, in, "scope_region", "监察范围", 0, 6, 6, FIELD_DIGITS, &u->scope,
			      &u->has_scope)) < 0 ||
	    (rc = field_bool(c, in, "in_center", "在中心办公", &u->in_center, NULL)) < 0 ||
	    (rc = field_bool(c, in, "disabled", "停用", &u->disabled, &u->has_disabled)) < 0 ||
	    (rc = field_ascii(c, in, "phone", "电话", 0, 0, 20, FIELD_PHONE, &u->phone, NULL)) < 0)
		return rc;
	/* an explicit null clears the unit or the scope */
	if (json_is_null(json_object_get(in, "unit_id")))
		u->has_unit = 1, u->unit_id = 0;
	if (json_is_null(json_object_get(in, "scope_region")))
		u->has_scope = 1, u->scope = NULL;
	if (create && !u->has_roles)
		return ctx_fail(c, E_INVALID, "roles", "请至少选择一个角色");
	return E_OK;
}

/* The rules that tie roles to center, unit and scope, and what the actor may grant. */
static int check_user(struct ctx *c, const struct user_in *u)
{
	const struct actor *a = c->actor;
	int rc;
	if ((u->roles & (UNIT_ROLES | ROLE_CENTER_ADMIN)) && !u->center_id)
		return ctx_fail(c, E_INVALID, "center_id", "窗口人员、承办人和管理员须指定所属中心");
	if ((u->roles & UNIT_ROLES) && !u->unit_id)
		return ctx_fail(c, E_INVALID, "unit_id", "窗口人员、承办人和单位管理员须指定所属单位");
	if ((u->roles & ROLE_SUPERVISOR) && !u->scope)
		return ctx_fail(c, E_INVALID, "scope_region", "监察人员须指定监察范围（行政区划）");
	if (a && !actor_has(a, ROLE_SYSADMIN)) {
		if (u->roles & ~CENTER_ROLES)
			return ctx_fail(c, E_FORBIDDEN, "roles",
					"中心管理员只能授予窗口人员、承办人、单位管理员和中心管理员角色");
		if (u->center_id != a->center_id)
			return ctx_fail(c, E_FORBIDDEN, "center_id", "只能管理本中心的用户");
	}
	if (u->center_id && (rc = access_center(c, u->center_id, ACCESS_WRITE)) < 0) {
		if (rc == E_NOT_FOUND)
			return ctx_fail(c, E_INVALID, "center_id", "所属中心不存在");
		return rc;
	}
	if (u->unit_id) {
		int64_t uc = 0;
		if (org_unit_center(c, u->unit_id, &uc) < 0 || uc != u->center_id)
			return ctx_fail(c, E_INVALID, "unit_id", "所属单位不属于所选中心");
	}
	if (u->scope) {
		struct db_val p[] = {DBT(u->scope)};
		int64_t n;
		if ((rc = ctx_int(c, "SELECT COUNT(*) FROM regions WHERE code = ?", p, 1, &n)) < 0)
			return rc;
		if (!n)
			return ctx_fail(c, E_INVALID, "scope_region", "监察范围%s不是已有的行政区划",
					u->scope);
	}
	return E_OK;
}

static struct db_val id_or_null(int64_t id)
{
	return id ? DBI(id) : DBN;
}

int user_create(struct ctx *c, json_t *in, json_t **out)
{
	struct user_in u = {.phone = ""};
	const char *username = NULL;
	int64_t id;
	int rc;
	if (!actor_has(c->actor, ROLE_SYSADMIN | ROLE_CENTER_ADMIN))
		return E_FORBIDDEN;
	if ((rc = field_ascii(c, in, "username", "用户名", 1, 3, 32, FIELD_USERNAME, &username,
			      NULL)) < 0)
		return ctx_fail(c, rc, "username", USERNAME_RULE);
	if ((rc = parse_user(c, in, 1, &u)) < 0)
		return rc;
	if (!(u.roles & ROLE_SUPERVISOR))
		u.scope = NULL;
	if ((rc = check_user(c, &u)) < 0)
		return rc;
	struct db_val v[] = {DBT(username),	      DBT(u.name),	   DBT(user_initial_hash()),
			     DBI(u.roles),	      id_or_null(u.center_id), id_or_null(u.unit_id),
			     u.scope ? DBT(u.scope) : DBN, DBI(u.in_center),   DBT(u.phone),
			     DBI(c->now)};
	rc = ctx_int(c,
		     "INSERT INTO users (username, name, password_hash, roles, center_id, unit_id, "
		     "scope_region, in_center, must_change, phone, created_at) "
		     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
		     v, 10, &id);
	if (rc == E_DUPLICATE)
		return ctx_fail(c, rc, "username", "用户名“%s”已存在", username);
	if (rc < 0 ||
	    (rc = event_append(c, u.center_id, 0, "user.create",
			       json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)id, "username",
					 username, "name", u.name, "roles",
					 user_roles_json(u.roles)))) < 0)
		return rc;
	return user_load(c, id, out);
}

static int end_sessions(struct ctx *c, int64_t user_id, const char *keep)
{
	struct db_val p[] = {DBI(user_id), DBT(keep ? keep : "")};
	return ctx_db(c, db_exec(c->db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
				 p, 2, NULL));
}

int user_update(struct ctx *c, int64_t id, json_t *in, json_t **out)
{
	struct user_in u = {0};
	json_t *old;
	int rc;
	if (!actor_has(c->actor, ROLE_SYSADMIN | ROLE_CENTER_ADMIN))
		return E_FORBIDDEN;
	if ((rc = user_load(c, id, &old)) < 0)
		return rc;
	rc = user_access(c, old, ACCESS_WRITE);
	/* start from the stored values, then apply what was sent */
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(old, "roles"), i, v) u.roles |= user_role_bit(json_string_value(v));
	int64_t old_center = u.center_id = json_id(old, "center_id");
	u.unit_id = json_id(old, "unit_id");
	json_t *scope = json_object_get(old, "scope_region");
	u.scope = json_is_string(scope) ? arena_strdup(c->arena, json_string_value(scope)) : NULL;
	u.in_center = json_is_true(json_object_get(old, "in_center"));
	json_decref(old);
	if (rc < 0 || (rc = parse_user(c, in, 0, &u)) < 0)
		return rc;
	if (u.has_center && u.center_id != old_center && c->actor &&
	    !actor_has(c->actor, ROLE_SYSADMIN))
		return ctx_fail(c, E_FORBIDDEN, "center_id", "只有系统管理员可以调整用户所属中心");
	if (u.has_disabled && u.disabled && c->actor && c->actor->id == id)
		return ctx_fail(c, E_INVALID, "disabled", "不能停用自己的账号");
	if (!(u.roles & ROLE_SUPERVISOR))
		u.scope = NULL;
	if ((rc = check_user(c, &u)) < 0)
		return rc;
	struct db_val p[] = {u.name ? DBT(u.name) : DBN,
			     DBI(u.roles),
			     id_or_null(u.center_id),
			     id_or_null(u.unit_id),
			     u.scope ? DBT(u.scope) : DBN,
			     DBI(u.in_center),
			     u.phone ? DBT(u.phone) : DBN,
			     u.has_disabled ? DBI(u.disabled) : DBN,
			     DBI(id)};
	if ((rc = ctx_db(c, db_exec(c->db,
				    "UPDATE users SET name = COALESCE(?, name), roles = ?, "
				    "center_id = ?, unit_id = ?, scope_region = ?, in_center = ?, "
				    "phone = COALESCE(?, phone), disabled = COALESCE(?, disabled) "
				    "WHERE id = ?",
				    p, 9, NULL))) < 0)
		return rc;
	if (u.has_disabled && u.disabled && (rc = end_sessions(c, id, NULL)) < 0)
		return rc;
	if ((rc = event_append(c, u.center_id, 0, "user.update",
			       json_pack("{s:I,s:o}", "id", (json_int_t)id, "changes",
					 field_pick(in, "name", "roles", "center_id", "unit_id",
						    "scope_region", "in_center", "phone",
						    "disabled", NULL)))) < 0)
		return rc;
	return user_load(c, id, out);
}

/* Store a new hash for user id with its event; keep_session (may be NULL) survives, every
 * other session and every API token of the user ends (a token made with a stolen password
 * must not outlive it). Inside the caller's write transaction. */
static int write_password(struct ctx *c, int64_t id, int64_t center, const char *hash,
			  int must_change, const char *keep_session)
{
	struct db_val p[] = {DBT(hash), DBI(must_change), DBI(id)};
	int rc;
	if ((rc = ctx_db(c, db_exec(c->db,
				    "UPDATE users SET password_hash = ?, must_change = ? WHERE id = ?",
				    p, 3, NULL))) < 0 ||
	    (rc = end_sessions(c, id, keep_session)) < 0 ||
	    (rc = ctx_db(c, db_exec(c->db, "DELETE FROM api_tokens WHERE user_id = ?", p + 2, 1,
				    NULL))) < 0)
		return rc;
	return event_append(c, center, 0, must_change ? "user.password_reset" : "user.password",
			    json_pack("{s:I}", "id", (json_int_t)id));
}

/* write_password in a transaction of its own. */
static int store_password(struct ctx *c, int64_t id, int64_t center, const char *hash,
			  int must_change, const char *keep_session)
{
	int rc = ctx_db(c, db_begin_write(c->db));
	if (rc < 0)
		return rc;
	if ((rc = write_password(c, id, center, hash, must_change, keep_session)) < 0 ||
	    (rc = ctx_db(c, db_commit(c->db))) < 0) {
		db_rollback(c->db);
		return rc;
	}
	return E_OK;
}

int user_reset_password(struct ctx *c, int64_t id, json_t **out)
{
	json_t *u;
	int rc;
	if (!actor_has(c->actor, ROLE_SYSADMIN | ROLE_CENTER_ADMIN))
		return E_FORBIDDEN;
	if ((rc = user_load(c, id, &u)) < 0)
		return rc;
	int64_t center = json_id(u, "center_id");
	rc = user_access(c, u, ACCESS_WRITE);
	json_decref(u);
	if (rc < 0 || (rc = write_password(c, id, center, user_initial_hash(), 1, NULL)) < 0)
		return rc;
	return user_load(c, id, out);
}

int user_change_password(struct ctx *c, const char *old_pw, const char *new_pw, json_t **out)
{
	const struct actor *a = c->actor;
	char hash[crypto_pwhash_STRBYTES];
	struct db_res *r;
	struct db_val p[] = {DBI(a->id)};
	int rc = db_query(c->db, &r, "SELECT password_hash FROM users WHERE id = ?", p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		snprintf(hash, sizeof(hash), "%s", db_text(r, 0));
	db_res_free(r);
	if (rc <= 0)
		return rc < 0 ? ctx_db(c, rc) : E_NOT_FOUND;
	if (user_password_verify(hash, old_pw) < 0)
		return ctx_fail(c, E_BAD_OLD_PASSWORD, "old_password", NULL);
	if ((rc = password_policy(c, new_pw)) < 0)
		return rc;
	if (!strcmp(old_pw, new_pw))
		return ctx_fail(c, E_WEAK_PASSWORD, "new_password", "新密码不能与原密码相同");
	if ((rc = hash_password(new_pw, hash)) < 0 ||
	    (rc = store_password(c, a->id, a->center_id, hash, 0, a->session_hash)) < 0)
		return rc;
	return user_load(c, a->id, out);
}

int user_set_password(struct ctx *c, const char *username, const char *new_pw)
{
	char hash[crypto_pwhash_STRBYTES];
	int64_t id = 0, center = 0;
	struct db_res *r;
	struct db_val p[] = {DBT(username)};
	int rc = db_query(c->db, &r, "SELECT id, COALESCE(center_id, 0) FROM users WHERE username = ?",
			  p, 1);
	if (rc < 0)
		return ctx_db(c, rc);
	if ((rc = db_next(r)) > 0)
		id = db_int(r, 0), center = db_int(r, 1);
	db_res_free(r);
	if (rc <= 0)
		return rc < 0 ? ctx_db(c, rc) : ctx_fail(c, E_NOT_FOUND, NULL, "用户%s不存在", username);
	if (new_pw) {
		if ((rc = password_policy(c, new_pw)) < 0 || (rc = hash_password(new_pw, hash)) < 0)
			return rc;
	} else {
		snprintf(hash, sizeof(hash), "%s", user_initial_hash());
	}
	return store_password(c, id, center, hash, new_pw == NULL, NULL);
}
