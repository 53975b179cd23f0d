/*
 * org.h - the organisation: regions (GB/T 2260), service centers and their units.
 *
 * Reads return JSON objects in the shapes of docs/api.md; writes run inside the caller's
 * write transaction, check the actor's role and scope, and append their event.
 */
#ifndef SHENPI_ORG_H
#define SHENPI_ORG_H

#include <jansson.h>

#include "domain/ctx.h"

/* All regions, or the children of parent (when not NULL/""). */
int org_region_list(struct ctx *c, const char *parent, json_t **out);
int org_region_create(struct ctx *c, json_t *in, json_t **out);
int org_region_update(struct ctx *c, const char *code, json_t *in, json_t **out);

/* Centers the actor may see, optionally only those in region's subtree. */
int org_center_list(struct ctx *c, const char *region, json_t **out);
int org_center_get(struct ctx *c, int64_t id, json_t **out);
int org_center_create(struct ctx *c, json_t *in, json_t **out);
int org_center_update(struct ctx *c, int64_t id, json_t *in, json_t **out);

/* Units the actor may see, optionally of one center. */
int org_unit_list(struct ctx *c, int64_t center_id, json_t **out);
int org_unit_get(struct ctx *c, int64_t id, json_t **out);
/* Creates the unit and its default user (R2.6): {"unit":…, "default_user":…}. */
int org_unit_create(struct ctx *c, json_t *in, json_t **out);
int org_unit_update(struct ctx *c, int64_t id, json_t *in, json_t **out);
/* The center of a unit, or E_NOT_FOUND. */
int org_unit_center(struct ctx *c, int64_t unit_id, int64_t *center_id);

#endif
