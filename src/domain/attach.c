/*
 * attach.c - files of cases and consultations; see attach.h.
 */
#define _GNU_SOURCE /* memmem, mkostemp */
#include "domain/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/token.h"
#include "core/utf8.h"
#include "domain/case.h"
#include "domain/event.h"

/* ---- types by content ---- */

struct ftype {
	const char *mime;
	const char *exts; /* the extensions a name may have, space-separated, first = default */
};

enum {
	T_PDF,
	T_OFD,
	T_JPEG,
	T_PNG,
	T_GIF,
	T_TIFF,
	T_BMP,
	T_DOCX,
	T_XLSX,
	T_PPTX,
	T_ODT,
	T_ODS,
	T_TEXT,
	T_COUNT
};

static const struct ftype types[T_COUNT] = {
    [T_PDF] = {"application/pdf", "pdf"},
    [T_OFD] = {"application/ofd", "ofd"},
    [T_JPEG] = {"image/jpeg", "jpg jpeg"},
    [T_PNG] = {"image/png", "png"},
    [T_GIF] = {"image/gif", "gif"},
    [T_TIFF] = {"image/tiff", "tif tiff"},
    [T_BMP] = {"image/bmp", "bmp"},
    [T_DOCX] = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
    [T_XLSX] = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
    [T_PPTX] = {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"pptx"},
    [T_ODT] = {"application/vnd.oasis.opendocument.text", "odt"},
    [T_ODS] = {"application/vnd.oasis.opendocument.spreadsheet", "ods"},
    [T_TEXT] = {"text/plain", "txt"},
};

static int starts(const unsigned char *d, size_t len, const void *magic, size_t n)
{
	return len >= n && !memcmp(d, magic, n);
}

static int has(const unsigned char *d, size_t len, const char *s)
{
	return memmem(d, len, s, strlen(s)) != NULL;
}

/* A ZIP container is one of ours when it holds the part that names its format (entry names
 * are stored uncompressed); any other ZIP is refused, whatever it holds. */
static int zip_type(const unsigned char *d, size_t len)
{
	static const char odf[] = "mimetypeapplication/vnd.oasis.opendocument.";
	if (len > 30 + sizeof(odf) && !memcmp(d + 30, odf, sizeof(odf) - 1)) {
		const char *rest = (const char *)d + 30 + sizeof(odf) - 1;
		size_t left = len - 30 - (sizeof(odf) - 1);
		if (left >= 4 && !memcmp(rest, "text", 4))
			return T_ODT;
		if (left >= 11 && !memcmp(rest, "spreadsheet", 11))
			return T_ODS;
		return -1;
	}
	if (has(d, len, "OFD.xml"))
		return T_OFD;
	if (!has(d, len, "[Content_Types].xml"))
		return -1;
	return has(d, len, "word/document.xml")	     ? T_DOCX
	       : has(d, len, "xl/workbook.xml")	     ? T_XLSX
	       : has(d, len, "ppt/presentation.xml") ? T_PPTX
						     : -1;
}

/* Text: valid UTF-8 (a BOM allowed) without control characters other than tab, line
 * breaks and form feed. */
static int is_text(const unsigned char *d, size_t len)
{
	if (starts(d, len, "\xEF\xBB\xBF", 3))
		d += 3, len -= 3;
	for (size_t i = 0; i < len; i++)
		if ((d[i] < 0x20 && (!d[i] || !strchr("\t\n\r\f", d[i]))) || d[i] == 0x7f)
			return 0;
	return len > 0 && utf8_valid(d, len);
}

static int sniff(const void *data, size_t len)
{
	static const struct {
		const char *magic;
		size_t n;
	} programs[] = {
	    {"\x7F"
	     "ELF",
	     4},
	    {"MZ", 2},
	    {"#!", 2},
	    {"\xCA\xFE\xBA\xBE", 4},
	    {"\xFE\xED\xFA\xCE", 4},
	    {"\xFE\xED\xFA\xCF", 4},
	    {"\xCE\xFA\xED\xFE", 4},
	    {"\xCF\xFA\xED\xFE", 4},
	};
	const unsigned char *d = data;
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (starts(d, len, programs[i].magic, programs[i].n))
			return -1;
	if (starts(d, len, "%PDF-", 5))
		return T_PDF;
	if (starts(d, len, "\xFF\xD8\xFF", 3))
		return T_JPEG;
	if (starts(d, len, "\x89PNG\r\n\x1A\n", 8))
		return T_PNG;
	if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
		return T_GIF;
	if (starts(d, len, "II*\0", 4) || starts(d, len, "MM\0*", 4))
		return T_TIFF;
	/* "BM" and a DIB header of one of the sizes Windows and OS/2 write */
	if (starts(d, len, "BM", 2) && len >= 18 && d[15] == 0 && d[16] == 0 && d[17] == 0 &&
	    d[14] && strchr("\x0C\x28\x34\x38\x40\x6C\x7C", d[14]))
		return T_BMP;
	if (starts(d, len, "PK\x03\x04", 4))
		return zip_type(d, len);
	return is_text(d, len) ? T_TEXT : -1;
}

const char *attach_sniff(const void *data, size_t len)
{
	int t = sniff(data, len);
	return t < 0 ? NULL : types[t].mime;
}

/* ---- names ---- */

static int forbidden_char(unsigned char ch)
{
	return ch < 0x20 || ch == 0x7f || strchr("\\/:*?\"<>|", ch);
}

/* The invisible format characters of the 3-byte UTF-8 sequence s: zero-width spaces and
 * joiners, direction marks, embeddings, overrides and isolates (U+200B..U+200F,
 * U+202A..U+202E, U+2060..U+2069), the BOM. "发票\u202Efdp.exe" shows as "发票exe.pdf". */
static int invisible(const unsigned char *s)
{
	return (s[0] == 0xe2 && s[1] == 0x80 &&
		((s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xaa && s[2] <= 0xae))) ||
	       (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa0 && s[2] <= 0xa9) ||
	       (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf);
}

const char *attach_clean_name(struct arena *a, const char *name)
{
	const char *base = name ? name : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t len = strlen(base), o = 0, chars = 0;
	char *out = arena_alloc(a, len + 1);
	size_t *starts_at = arena_alloc(a, (len + 1) * sizeof(*starts_at)); /* of each char */
	const unsigned char *s = (const unsigned char *)base;
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_seq(s + i, len - i);
		if (!n) { /* not UTF-8: dropped */
			n = 1;
			continue;
		}
		/* controls, C1 controls (U+0080..U+009F), the characters file systems refuse
		 * and the invisible ones that change how the rest reads */
		if ((n == 1 && forbidden_char(s[i])) || (s[i] == 0xc2 && s[i + 1] < 0xa0) ||
		    (n == 3 && invisible(s + i)))
			continue;
		starts_at[chars++] = o;
		memcpy(out + o, s + i, n);
		o += n;
	}
	out[o] = '\0';
	/* no leading or trailing dots and spaces: no "..", no hidden files, no "a.pdf " */
	size_t lead = strspn(out, ". ");
	while (o > lead && (out[o - 1] == '.' || out[o - 1] == ' '))
		out[--o] = '\0';
	while (chars && starts_at[chars - 1] >= o)
		chars--; /* trimmed at the end */
	size_t skip = 0;
	while (skip < chars && starts_at[skip] < lead)
		skip++;
	chars -= skip;
	char *t = out + lead;
	if (!*t)
		return "未命名";
	if (chars > ATTACH_MAX_NAME) {
		/* keep the extension (when it is short) and as much of the stem as fits */
		const char *dot = strrchr(t, '.');
		size_t ext = dot && strlen(dot) <= 16 && dot != t ? strlen(dot) : 0;
		size_t cut = starts_at[skip + ATTACH_MAX_NAME - ext] - lead;
		memmove(t + cut, t + strlen(t) - ext, ext + 1);
	}
	return t;
}

/* The extension of name after its last dot, or NULL. */
static const char *extension(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name && dot[1] ? dot + 1 : NULL;
}

static int ext_ok(const struct ftype *t, const char *ext)
{
	size_t n = strlen(ext);
	for (const char *e = t->exts; *e; e += strcspn(e, " "), e += *e == ' ')
		if (strcspn(e, " ") == n && !strncasecmp(e, ext, n))
			return 1;
	return 0;
}

/* ---- content store ---- */

/* A full or read-only disk is E_STORAGE, as for the database; anything else internal. */
static int io_fail(struct ctx *c, const char *what, const char *path)
{
	int e = errno;
	log_msg(LOG_ERROR, "file store",
		json_pack("{s:s,s:s,s:s}", "op", what, "path", path, "error", strerror(e)));
	if (e == ENOSPC || e == EDQUOT || e == EROFS)
		return ctx_fail(c, E_STORAGE, "file",
				"服务器存储空间已满或只读，附件未保存；请联系系统管理员，稍后再试");
	return ctx_fail(c, E_INTERNAL, NULL, "附件存储失败，请稍后再试");
}

/* The file store beside the SQLite database file db: <dir>/files. */
static const char *root_beside(struct ctx *c, const char *db)
{
	const char *slash = strrchr(db, '/');
	return slash ? arena_printf(c->arena, "%.*s/files", (int)(slash - db), db) : "files";
}

/* The file store of c's database, or NULL on PostgreSQL. */
static const char *store_root(struct ctx *c)
{
	const char *db = db_file(c->db);
	return db ? root_beside(c, db) : NULL;
}

static const char *store_path(struct ctx *c, const char *root, const char *sha)
{
	return arena_printf(c->arena, "%s/%.2s/%s", root, sha, sha + 2);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir that is durable: the new entry in its parent is fsynced. */
static int make_dir(const char *dir, const char *parent)
{
	if (mkdir(dir, 0750) == 0)
		return fsync_dir(parent);
	return errno == EEXIST ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int present(const char *path, size_t len)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
}

/* The directory of sha in the store at root (*dir), made durably when missing. */
static int make_store_dir(struct ctx *c, const char *root, const char *sha, const char **dir)
{
	const char *top = arena_strndup(c->arena, root, strlen(root) - strlen("/files"));
	*dir = arena_printf(c->arena, "%s/%.2s", root, sha);
	if (make_dir(root, *top ? top : "/") < 0)
		return io_fail(c, "mkdir", root);
	if (make_dir(*dir, root) < 0)
		return io_fail(c, "mkdir", *dir);
	return E_OK;
}

/* Put the bytes under their hash in the file store, durably, unless they are there. */
static int store_file(struct ctx *c, const char *root, const char *sha, const void *data,
		      size_t len)
{
	const char *path = store_path(c, root, sha), *dir;
	int rc;
	if (present(path, len))
		return E_OK; /* content-addressed: same name, same bytes */
	if ((rc = make_store_dir(c, root, sha, &dir)) < 0)
		return rc;
	char *tmp = arena_printf(c->arena, "%s/.tmp-XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return io_fail(c, "create", tmp);
	int ok = fchmod(fd, 0640) == 0 && write_all(fd, data, len) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		rc = io_fail(c, ok ? "rename" : "write", tmp);
		unlink(tmp);
		return rc;
	}
	return fsync_dir(dir) < 0 ? io_fail(c, "fsync", dir) : E_OK;
}

/* The size bytes of the file at path into the arena; E_NOT_FOUND when missing or of
 * another size. */
static int read_file(struct ctx *c, const char *path, size_t size, const void **data)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size != size) {
		if (fd >= 0)
			close(fd);
		return E_NOT_FOUND;
	}
	char *buf = arena_alloc(c->arena, size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != size)
		return E_NOT_FOUND;
	*data = buf;
	return E_OK;
}

/* The bytes stored under sha (size as recorded) into the arena; E_NOT_FOUND when missing. */
static int load(struct ctx *c, const char *sha, size_t size, const void **data)
{
	const char *root = store_root(c);
	if (!root) {
		struct db_val p[] = {DBT(sha)};
		struct db_res *r;
		int rc = ctx_db(c, db_query(c->db, &r,
					    "SELECT data FROM attachment_data "
					    "WHERE sha256 = ?",
					    p, 1));
		if (rc < 0)
			return rc;
		size_t len = 0;
		if ((rc = db_next(r)) > 0) {
			const void *b = db_blob(r, 0, &len);
			void *copy = arena_alloc(c->arena, len + 1);
			memcpy(copy, b, len);
			*data = copy;
		}
		db_res_free(r);
		if (rc < 0)
			return ctx_db(c, rc);
		return rc == 0 || len != size ? E_NOT_FOUND : E_OK;
	}
	return read_file(c, store_path(c, root, sha), size, data);
}

/* ---- files ---- */

/* What a new file belongs to. */
struct target {
	int64_t case_id, consultation_id, material_id, center_id;
	const char *notice_kind;
};

static int add(struct ctx *c, const struct target *t, const char *name, const void *data,
	       size_t len, json_t **out)
{
	int rc;
	if (len > ATTACH_MAX)
		return ctx_fail(c, E_MATERIAL_TOO_LARGE, "file", NULL);
	if (!len)
		return ctx_fail(c, E_INVALID, "file", "文件为空");
	int type = sniff(data, len);
	if (type < 0)
		return ctx_fail(c, E_FILE_TYPE, "file", NULL);
	const struct ftype *ft = &types[type];
	name = attach_clean_name(c->arena, name);
	const char *ext = extension(name);
	if (!ext) {
		name =
		    arena_printf(c->arena, "%s.%.*s", name, (int)strcspn(ft->exts, " "), ft->exts);
	} else if (!ext_ok(ft, ext)) {
		return ctx_fail(c, E_FILE_TYPE, "file",
				"文件内容与扩展名不符：文件名为.%s，内容却是%s", ext, ft->mime);
	}
	char sha[TOKEN_HEX];
	token_sha256(data, len, sha);
	struct db_val pa[] = {DBT(sha), DBI(len), DBT(ft->mime), DBI(c->now)};
	if ((rc = ctx_db(c, db_exec(c->db,
				    "INSERT INTO attachments (sha256, size, mime, created_at) "
				    "VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
				    pa, 4, NULL))) < 0)
		return rc;
	const char *root = store_root(c);
	struct db_val pd[] = {DBT(sha), DBB(data, len)};
	rc = root ? store_file(c, root, sha, data, len)
		  : ctx_db(c, db_exec(c->db,
				      "INSERT INTO attachment_data (sha256, data) VALUES (?, ?) "
				      "ON CONFLICT (sha256) DO NOTHING",
				      pd, 2, NULL));
	if (rc < 0)
		return rc;
	struct db_val pf[] = {
	    t->case_id ? DBI(t->case_id) : DBN,
	    t->consultation_id ? DBI(t->consultation_id) : DBN,
	    t->material_id ? DBI(t->material_id) : DBN,
	    DBT(t->notice_kind),
	    DBT(name),
	    DBT(sha),
	    DBI(c->actor ? c->actor->id : 0),
	    DBI(c->now),
	};
	int64_t id = 0;
	if ((rc = ctx_int(c,
			  "INSERT INTO case_files (case_id, consultation_id, material_id, "
			  "notice_kind, name, sha256, uploaded_by, uploaded_at) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  pf, 8, &id)) < 0)
		return rc;
	json_t *file = json_pack("{s:I,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)id, "name", name,
				 "size", (json_int_t)len, "mime", ft->mime, "sha256", sha,
				 "uploaded_at", (json_int_t)c->now);
	json_t *ev = json_deep_copy(file);
	if (t->material_id)
		json_object_set_new(ev, "material_id", json_integer(t->material_id));
	if (t->notice_kind)
		json_object_set_new(ev, "notice_kind", json_string(t->notice_kind));
	if (t->consultation_id)
		json_object_set_new(ev, "consultation_id", json_integer(t->consultation_id));
	if ((rc = event_append(c, t->center_id, t->case_id, "file.upload", ev)) < 0) {
		json_decref(file);
		return rc;
	}
	*out = file;
	return E_OK;
}

int attach_add_material(struct ctx *c, const char *no, int64_t material_id, const char *name,
			const void *data, size_t len, json_t **out)
{
	struct target t = {.material_id = material_id};
	int64_t mine = 0;
	int rc = case_access(c, no, 1, &t.case_id, &t.center_id);
	if (rc < 0)
		return rc;
	struct db_val p[] = {DBI(material_id), DBI(t.case_id)};
	if ((rc = ctx_int(c, "SELECT COUNT(*) FROM case_materials WHERE id = ? AND case_id = ?", p,
			  2, &mine)) < 0)
		return rc;
	if (!mine)
		return ctx_fail(c, E_NOT_FOUND, NULL, "该办件没有这项材料");
	return add(c, &t, name, data, len, out);
}

int attach_add_signed(struct ctx *c, const char *no, const char *kind, const char *name,
		      const void *data, size_t len, json_t **out)
{
	static const char *const kinds[] = {"accept", "refuse", "supplement", "complete", "deny"};
	struct target t = {0};
	int rc = case_access(c, no, 1, &t.case_id, &t.center_id);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i]))
			t.notice_kind = kinds[i];
	if (!t.notice_kind)
		return ctx_fail(c, E_NOT_FOUND, NULL, "没有这种通知书");
	return add(c, &t, name, data, len, out);
}

int attach_add_consultation(struct ctx *c, int64_t id, const char *name, const void *data,
			    size_t len, json_t **out)
{
	struct target t = {.consultation_id = id, .notice_kind = "consultation"};
	int rc = consultation_access(c, id, 1, &t.center_id);
	return rc < 0 ? rc : add(c, &t, name, data, len, out);
}

/* A file's row: who it belongs to, and the access check of its case or consultation. */
struct row {
	int64_t size, case_id, consultation_id, center_id;
	const char *name, *mime, *sha256, *case_no, *state;
};

static int find(struct ctx *c, int64_t id, int write, struct row *f)
{
	struct db_val p[] = {DBI(id)};
	struct db_res *r;
	int rc = ctx_db(c, db_query(c->db, &r,
				    "SELECT f.name, a.mime, f.sha256, a.size, f.case_id, "
				    "f.consultation_id, k.no, k.state FROM case_files f "
				    "JOIN attachments a ON a.sha256 = f.sha256 "
				    "LEFT JOIN cases k ON k.id = f.case_id WHERE f.id = ?",
				    p, 1));
	if (rc < 0)
		return rc;
	if ((rc = db_next(r)) > 0) {
		f->name = arena_strdup(c->arena, db_text(r, 0));
		f->mime = arena_strdup(c->arena, db_text(r, 1));
		f->sha256 = arena_strdup(c->arena, db_text(r, 2));
		f->size = db_int(r, 3);
		f->case_id = db_int(r, 4);
		f->consultation_id = db_int(r, 5);
		f->case_no = arena_strdup(c->arena, db_text(r, 6));
		f->state = arena_strdup(c->arena, db_text(r, 7));
	}
	db_res_free(r);
	if (rc < 0)
		return ctx_db(c, rc);
	if (rc == 0)
		return ctx_fail(c, E_NOT_FOUND, NULL, "文件不存在");
	int64_t case_id;
	rc = f->case_id ? case_access(c, f->case_no, write, &case_id, &f->center_id)
			: consultation_access(c, f->consultation_id, write, &f->center_id);
	/* who may not see the case does not learn that the file exists */
	if (rc == E_NOT_FOUND || (!write && rc == E_FORBIDDEN))
		return ctx_fail(c, E_NOT_FOUND, NULL, "文件不存在");
	return rc;
}

int attach_get(struct ctx *c, int64_t id, struct attach_file *out)
{
	struct row f;
	int rc = find(c, id, 0, &f);
	if (rc < 0)
		return rc;
	if ((rc = load(c, f.sha256, (size_t)f.size, &out->data)) < 0) {
		log_msg(LOG_ERROR, "attachment content missing",
			json_pack("{s:I,s:s}", "file", (json_int_t)id, "sha256", f.sha256));
		return ctx_fail(c, E_INTERNAL, NULL, "文件内容缺失，请联系管理员");
	}
	out->name = f.name;
	out->mime = f.mime;
	out->sha256 = f.sha256;
	out->len = (size_t)f.size;
	return E_OK;
}

int attach_delete(struct ctx *c, int64_t id)
{
	struct row f;
	int rc = find(c, id, 1, &f);
	if (rc < 0)
		return rc;
	if (f.case_id && strcmp(f.state, "applied") && strcmp(f.state, "supplement"))
		return ctx_fail(c, E_STATE, NULL, "办件已受理或已作出决定，不能再删除文件");
	struct db_val p[] = {DBI(id)};
	if ((rc = ctx_db(c, db_exec(c->db, "DELETE FROM case_files WHERE id = ?", p, 1, NULL))) < 0)
		return rc;
	return event_append(
	    c, f.center_id, f.case_id, "file.delete",
	    json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "name", f.name, "sha256", f.sha256));
}

/* An attachment's content: its hash and size. */
struct content {
	const char *sha;
	int64_t size;
};

/* Every attachment of c's database, into the arena. The list comes whole before any content
 * is read: reading runs queries of its own on PostgreSQL. */
static int list_contents(struct ctx *c, struct content **out, size_t *n)
{
	struct db_res *r;
	int rc =
	    ctx_db(c, db_query(c->db, &r, "SELECT sha256, size FROM attachments ORDER BY sha256",
			       NULL, 0));
	size_t cap = 16;
	struct content *list = arena_alloc(c->arena, cap * sizeof(*list));
	*n = 0;
	if (rc < 0)
		return rc;
	while ((rc = db_next(r)) > 0) {
		if (*n == cap) {
			void *bigger = arena_alloc(c->arena, 2 * cap * sizeof(*list));
			memcpy(bigger, list, cap * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		list[*n].sha = arena_strdup(c->arena, db_text(r, 0));
		list[(*n)++].size = db_int(r, 1);
	}
	db_res_free(r);
	*out = list;
	return rc < 0 ? ctx_db(c, rc) : E_OK;
}

int attach_verify(struct ctx *c, int64_t *count, const char **bad, const char **why)
{
	struct content *list;
	size_t n;
	int rc = list_contents(c, &list, &n);
	*count = 0;
	*bad = NULL;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const void *data;
		char sha[TOKEN_HEX];
		struct arena scratch = ARENA_INIT, *keep = c->arena;
		c->arena = &scratch; /* one file's bytes at a time */
		rc = load(c, list[i].sha, (size_t)list[i].size, &data);
		if (rc == E_OK)
			token_sha256(data, (size_t)list[i].size, sha);
		c->arena = keep;
		arena_release(&scratch);
		if (rc == E_NOT_FOUND || (rc == E_OK && strcmp(sha, list[i].sha))) {
			*bad = list[i].sha;
			*why = rc == E_NOT_FOUND ? "附件内容缺失或大小不符"
						 : "附件内容与其SHA-256不符";
			return E_INTERNAL;
		}
		if (rc < 0)
			return rc;
		++*count;
	}
	return E_OK;
}

/* Put content f of the store from_root into the store root unless it is there, checked
 * against its hash on the way: a damaged file never enters a store. */
static int fetch(struct ctx *c, const char *root, const char *from_root, const struct content *f)
{
	const char *path = store_path(c, root, f->sha), *from = store_path(c, from_root, f->sha);
	const char *dir;
	const void *data;
	char sha[TOKEN_HEX];
	int rc;
	if (present(path, (size_t)f->size))
		return E_OK;
	if (read_file(c, from, (size_t)f->size, &data) < 0)
		return ctx_fail(c, E_INTERNAL, NULL, "附件 %s 的内容在 %s 中缺失或大小不符", f->sha,
				from_root);
	token_sha256(data, (size_t)f->size, sha);
	if (strcmp(sha, f->sha))
		return ctx_fail(c, E_INTERNAL, NULL, "附件 %s 的内容在 %s 中与其SHA-256不符",
				f->sha, from_root);
	if ((rc = make_store_dir(c, root, f->sha, &dir)) < 0)
		return rc;
	/* content never changes: one file system shares it, another gets a copy */
	if (link(from, path) == 0)
		return fsync_dir(dir) < 0 ? io_fail(c, "fsync", dir) : E_OK;
	return store_file(c, root, f->sha, data, (size_t)f->size);
}

int attach_fetch(struct ctx *c, const char *from, int64_t *count)
{
	const char *root = store_root(c), *from_root = root_beside(c, from);
	struct content *list;
	size_t n;
	int rc = list_contents(c, &list, &n);
	*count = 0;
	for (size_t i = 0; rc == E_OK && i < n; i++) {
		struct arena scratch = ARENA_INIT, *keep = c->arena;
		c->arena = &scratch; /* one file's bytes at a time */
		rc = fetch(c, root, from_root, &list[i]);
		c->arena = keep;
		if (rc < 0 && c->fail_message)
			c->fail_message = arena_strdup(keep, c->fail_message);
		arena_release(&scratch);
		*count += rc == E_OK;
	}
	return rc;
}
