/*
 * org.c - regions, centers and units.
 */
#include "api/api.h"
#include "domain/org.h"

int api_regions_list(struct call *k)
{
	return org_region_list(&k->ctx, http_query(k->r, "parent"), &k->out);
}

int api_regions_create(struct call *k)
{
	k->status = 201;
	return org_region_create(&k->ctx, k->in, &k->out);
}

int api_regions_update(struct call *k)
{
	return org_region_update(&k->ctx, k->r->params[0], k->in, &k->out);
}

int api_centers_list(struct call *k)
{
	return org_center_list(&k->ctx, http_query(k->r, "region"), &k->out);
}

int api_centers_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : org_center_get(&k->ctx, id, &k->out);
}

int api_centers_create(struct call *k)
{
	k->status = 201;
	return org_center_create(&k->ctx, k->in, &k->out);
}

int api_centers_update(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : org_center_update(&k->ctx, id, k->in, &k->out);
}

int api_units_list(struct call *k)
{
	return org_unit_list(&k->ctx, api_query_int(k, "center_id"), &k->out);
}

int api_units_get(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : org_unit_get(&k->ctx, id, &k->out);
}

int api_units_create(struct call *k)
{
	k->status = 201;
	return org_unit_create(&k->ctx, k->in, &k->out);
}

int api_units_update(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : org_unit_update(&k->ctx, id, k->in, &k->out);
}
