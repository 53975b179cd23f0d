/*
 * files.c - uploading, downloading and deleting the files of cases and consultations.
 *
 * Uploads are multipart/form-data with the file in the field "file" (the routes carry
 * R_MULTIPART: a larger body cap, no JSON parser); the domain (domain/attach.h) checks
 * access, size and type and stores the content.
 */
#include <string.h>

#include "api/api.h"
#include "core/multipart.h"
#include "domain/attach.h"

/* The part "file" of the request's multipart body. */
static int file_part_or_fail(struct call *k, struct multipart_part *out)
{
	struct multipart m;
	const char *why;
	int rc = multipart_parse(&m, k->ctx.arena, http_header(k->r, "Content-Type"),
				 k->r->body.buf, k->r->body.len, &why);
	if (rc < 0)
		return ctx_fail(&k->ctx, rc, "file", "%s", why);
	const struct multipart_part *p = multipart_get(&m, "file");
	if (!p || !p->filename)
		return ctx_fail(&k->ctx, E_INVALID, "file", "请选择要上传的文件");
	*out = *p;
	return E_OK;
}

int api_files_upload(struct call *k)
{
	struct multipart_part f;
	int64_t material_id;
	int rc;
	if ((rc = api_id(k, 1, &material_id)) < 0 || (rc = file_part_or_fail(k, &f)) < 0 ||
	    (rc = attach_add_material(&k->ctx, k->r->params[0], material_id, f.filename, f.data,
				      f.len, &k->out)) < 0)
		return rc;
	k->status = 201;
	return E_OK;
}

int api_files_upload_signed(struct call *k)
{
	struct multipart_part f;
	int rc;
	if ((rc = file_part_or_fail(k, &f)) < 0 ||
	    (rc = attach_add_signed(&k->ctx, k->r->params[0], k->r->params[1], f.filename, f.data,
				    f.len, &k->out)) < 0)
		return rc;
	k->status = 201;
	return E_OK;
}

int api_files_upload_consultation(struct call *k)
{
	struct multipart_part f;
	int64_t id;
	int rc;
	if ((rc = api_id(k, 0, &id)) < 0 || (rc = file_part_or_fail(k, &f)) < 0 ||
	    (rc = attach_add_consultation(&k->ctx, id, f.filename, f.data, f.len, &k->out)) < 0)
		return rc;
	k->status = 201;
	return E_OK;
}

int api_files_get(struct call *k)
{
	struct attach_file f;
	int64_t id;
	int rc;
	if ((rc = api_id(k, 0, &id)) < 0 || (rc = attach_get(&k->ctx, id, &f)) < 0)
		return rc;
	k->text = f.data;
	k->text_len = f.len;
	k->text_type = strcmp(f.mime, "text/plain") ? f.mime : "text/plain; charset=utf-8";
	k->filename = f.name;
	return E_OK;
}

int api_files_delete(struct call *k)
{
	int64_t id;
	int rc = api_id(k, 0, &id);
	return rc < 0 ? rc : attach_delete(&k->ctx, id);
}
