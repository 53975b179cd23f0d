/*
 * user.h - accounts: roles, the initial password rule (R2.1), argon2id password hashes.
 *
 * New and reset accounts get the initial password 888888 and must change it at their first
 * login before anything else works. Reads and writes check the actor's role and scope:
 * a center admin manages only their own center's users and grants only center roles.
 */
#ifndef SHENPI_USER_H
#define SHENPI_USER_H

#include <jansson.h>

#include "domain/ctx.h"
#include "domain/field.h"

#define USER_INITIAL_PASSWORD "888888"

/* "clerk" -> ROLE_CLERK ...; 0 for an unknown name. */
unsigned user_role_bit(const char *name);
json_t *user_roles_json(unsigned roles);

struct user_filter {
	int64_t center_id, unit_id;
	unsigned role;
	const char *q; /* matches username or name */
};

int user_list(struct ctx *c, const struct user_filter *f, const struct page *pg, json_t **out);
int user_get(struct ctx *c, int64_t id, json_t **out);
/* Inside the caller's write transaction. */
int user_create(struct ctx *c, json_t *in, json_t **out);
int user_update(struct ctx *c, int64_t id, json_t *in, json_t **out);
int user_reset_password(struct ctx *c, int64_t id, json_t **out);

/* These run their own transaction, so that the slow password hash runs outside it.
 * user_change_password: the actor changes their own password and ends their other sessions.
 * user_set_password: the system sets username's password (NULL: back to the initial one). */
int user_change_password(struct ctx *c, const char *old_pw, const char *new_pw, json_t **out);
int user_set_password(struct ctx *c, const char *username, const char *new_pw);

/* The argon2id hash of the initial password, computed once per process. */
const char *user_initial_hash(void);
/* 0 when pw matches the stored hash. Takes tens of milliseconds by design. */
int user_password_verify(const char *hash, const char *pw);

#endif
