/*
 * warning.h - the two warning lists of R3.1 (DESIGN.md section 6): open cases whose promised
 * limit (承诺时限) is near or past, and active steps whose own limit (岗位时限) is near or past,
 * each with its light (yellow: at most the warning threshold of working days left; red:
 * overdue). Both read the indexed deadlines (cases by center, state and due day; steps by
 * state and due day) up to the furthest day any threshold can reach, never every case.
 *
 * Readers: a center's staff see their center (a unit's staff their unit), supervisors the
 * centers of their region, sysadmins all. Shapes in docs/api.md ("Warnings").
 */
#ifndef SHENPI_WARNING_H
#define SHENPI_WARNING_H
#include <jansson.h>
#include "domain/ctx.h"

/* q (strings): kind = promised | post, center_id, unit_id, item (code or name, part of it),
 * q (case number or applicant, part of it), light = yellow | red, page, size. */
int warning_list(struct ctx *c, json_t *q, json_t **out);

#endif
