/*
 * catalog.h - the catalog of approval items (审批事项) with their work guide and required
 * materials (应交材料); DESIGN.md section 4.
 *
 * Everybody reads the items of the centers in their scope (access.h). An item is written by
 * a sysadmin, the center admin of its center, or the unit admin of its unit. Writes run in
 * the caller's write transaction, validate the whole item after the change (promised days
 * never above statutory days, authorized only when entered, ...), and append one event.
 * Items are never deleted: they are disabled ("disabled":true through catalog_update).
 */
#ifndef SHENPI_CATALOG_H
#define SHENPI_CATALOG_H

#include <jansson.h>

#include "domain/access.h"
#include "domain/ctx.h"
#include "domain/field.h"

#define CATALOG_MAX_DAYS      365
#define CATALOG_MAX_MATERIALS 50

struct catalog_filter {
	int64_t center_id, unit_id;
	const char *kind;     /* "immediate" / "promised"; NULL or "" = both */
	const char *q;	      /* matches code or name */
	int include_disabled; /* disabled items are left out unless set */
};

/* A page of items (without materials) in the actor's scope. */
int catalog_list(struct ctx *c, const struct catalog_filter *f, const struct page *pg,
		 json_t **out);
/* One item with its "materials" array. */
int catalog_get(struct ctx *c, int64_t id, json_t **out);
/* May the actor read the item (ACCESS_READ: its center is in their scope) or change what
 * hangs on it (ACCESS_WRITE: a sysadmin, the center admin of its center, the unit admin of
 * its unit)? 0, E_NOT_FOUND or E_FORBIDDEN; *center_id (may be NULL) gets its center. */
int catalog_access(struct ctx *c, int64_t id, enum access_mode mode, int64_t *center_id);
/* in: the Item fields of docs/api.md; unit_id, code, name, kind, statutory_days required. */
int catalog_create(struct ctx *c, json_t *in, json_t **out);
/* Changes the fields given; "materials", when given, replaces the whole list. The unit of
 * an item never changes. */
int catalog_update(struct ctx *c, int64_t id, json_t *in, json_t **out);

#endif
