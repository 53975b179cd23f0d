/*
 * access.h - who may see and change which center's data (DESIGN.md section 3).
 *
 * A sysadmin reaches everything; a supervisor reads the centers of their region and every
 * region below it; everybody else reads only their own center, and only a center admin (or
 * a sysadmin) changes it. Every domain call checks through here before it touches data.
 */
#ifndef SHENPI_ACCESS_H
#define SHENPI_ACCESS_H

#include <jansson.h>

#include "domain/ctx.h"

/* SQL condition "column is in the actor's region subtree", taking one parameter: bind
 * access_region_like(c, region). */
#define ACCESS_REGION_SUBTREE(col) "(" col " LIKE ?)"
const char *access_region_like(struct ctx *c, const char *region);

enum access_mode { ACCESS_READ, ACCESS_WRITE };

/* 0 when the actor may read / write the center's data, else E_FORBIDDEN (E_NOT_FOUND when
 * the center does not exist). */
int access_center(struct ctx *c, int64_t center_id, enum access_mode mode);

/* The center an actor is confined to, or 0 when they reach more than one center (sysadmin,
 * supervisor, system). */
int64_t access_own_center(const struct ctx *c);

/* What a list of a center's records may show the actor, from the query's center_id, unit_id
 * and region (a region code: its centers and those of the regions below; absent = any):
 * sysadmins everything, supervisors the centers of their region, everyone else their own
 * center, and a unit's staff (no admin or supervisor role) their own unit. Asking for a
 * center, unit or region outside that is E_FORBIDDEN. center/unit 0 = any (unit -1: none);
 * region_like is a LIKE pattern for the center's region code ("%" = any). */
struct access_scope {
	int64_t center, unit;
	const char *region_like;
};
int access_list_scope(struct ctx *c, json_t *q, struct access_scope *out);

#endif
