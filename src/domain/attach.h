/*
 * attach.h - the files of cases and consultations (DESIGN.md section 5, R1.3).
 *
 * A file is a row of case_files (its name, who uploaded it, what it belongs to: a material
 * of a case, a signed notice of a case, or a signed consultation notice) pointing at its
 * content by SHA-256. Content is stored once per hash and never changed or removed (deleting
 * a file deletes the reference; the event log keeps naming the hash):
 *   SQLite      a file store next to the database file, <dir>/files/ab/cdef... (the hash
 *               split after two digits), each file written to a temporary name, fsynced,
 *               renamed and its directory fsynced before the transaction that refers to it
 *               commits - so no committed row ever names missing bytes;
 *   PostgreSQL  the table attachment_data, so that every server of a platform shares it.
 *
 * Every file is at most ATTACH_MAX bytes and of a type recognised by its bytes - PDF, OFD,
 * JPEG, PNG, GIF, TIFF, BMP, Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods)
 * or UTF-8 text - whatever its name says; executables and everything else are refused
 * (E_FILE_TYPE), and so is a name whose extension is not one of its type's. Names are
 * sanitised. Every upload and delete appends an event ("file.upload", "file.delete") in the
 * caller's write transaction; the functions that change something must run inside one.
 */
#ifndef SHENPI_ATTACH_H
#define SHENPI_ATTACH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

#define ATTACH_MAX	(3 << 20) /* bytes of one file: 3 MB */
#define ATTACH_MAX_NAME 100	  /* characters of a file name */

/* Add a file to material material_id of case no (the actor must be allowed to change the
 * case's files: case_access with write = 1). *out gets the file as JSON:
 * {"id","name","size","mime","sha256","uploaded_at"}. */
int attach_add_material(struct ctx *c, const char *no, int64_t material_id, const char *name,
			const void *data, size_t len, json_t **out);
/* Add the signed notice of the given kind (accept, refuse, supplement, complete, deny) of
 * case no, scanned back. */
int attach_add_signed(struct ctx *c, const char *no, const char *kind, const char *name,
		      const void *data, size_t len, json_t **out);
/* Add the signed consultation notice of consultation id. */
int attach_add_consultation(struct ctx *c, int64_t id, const char *name, const void *data,
			    size_t len, json_t **out);

/* A file with its bytes (in c->arena). */
struct attach_file {
	const char *name, *mime, *sha256;
	const void *data;
	size_t len;
};
/* File id for an actor who may see its case (case_access, write = 0) or consultation;
 * E_NOT_FOUND for everybody else. */
int attach_get(struct ctx *c, int64_t id, struct attach_file *f);
/* Delete file id: a case's file only while the case awaits its decision (applied or
 * supplement), by an actor who may change its files. */
int attach_delete(struct ctx *c, int64_t id);

/* Check that the content of every attachment is present and hashes to its name. 0, or
 * E_INTERNAL with *bad the first hash that is missing or corrupt and *why a Chinese reason.
 * *count gets the number checked. */
int attach_verify(struct ctx *c, int64_t *count, const char **bad, const char **why);

/* Make the file store of c's SQLite database hold the content of every attachment the
 * database refers to, taking each missing one from the store beside the SQLite database file
 * `from` (shenpi backup and restore: the copy of a database gets its files), checked against
 * its SHA-256: a hard link when both stores are on one file system (content never changes),
 * else a copy, durably like an upload. *count gets the number of attachments. E_INTERNAL,
 * naming the hash, when `from` lacks one or holds it damaged. */
int attach_fetch(struct ctx *c, const char *from, int64_t *count);

/* The MIME type of data judged by its bytes, or NULL when it is no type we accept. */
const char *attach_sniff(const void *data, size_t len);
/* A file name safe to store and to send back, in the arena: its last path component only,
 * valid UTF-8 without control characters, invisible format characters (zero-width ones,
 * direction marks and overrides) or any of \ / : * ? " < > |, no leading or
 * trailing dots or spaces, at most ATTACH_MAX_NAME characters (the extension kept);
 * "未命名" when nothing is left. */
const char *attach_clean_name(struct arena *a, const char *name);

#endif
