/*
 * demo.h - the accounts every database starts with, and the demo province.
 */
#ifndef SHENPI_DEMO_H
#define SHENPI_DEMO_H

#include <jansson.h>

#include "domain/ctx.h"

/* Make sure the sysadmin `admin` exists (initial password). *out gets the accounts created
 * as [{"username","what"}]. in is unused. Inside the caller's write transaction. */
int demo_admin(struct ctx *c, json_t *in, json_t **out);
/* demo_admin plus the demo province: Sichuan (510000) with two cities and three counties,
 * a service center in each, units with their default users (R2.6), center admins and
 * supervisors, and in each center two handlers, an immediate item and a promised item with
 * a process (a parallel stage and a transfer-out step). Refused when the demo province is
 * already there. */
int demo_load(struct ctx *c, json_t *in, json_t **out);

#endif
