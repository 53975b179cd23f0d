/*
 * wal_buffer.c - a VFS over SQLite's default one that writes a transaction's frames to the
 * WAL in a few large writes instead of two small ones a page.
 *
 * SQLite appends a transaction to the WAL frame by frame, each frame in two writes (its
 * 24-byte header, then the page): 60 calls for a commit of 30 pages, made under the write lock,
 * at 4-5 µs each on a VM where one write of the same bytes takes 20 µs. Here the writes to a
 * WAL file are gathered while each follows (or rewrites) the bytes before it, and written at
 * once (in pieces of at most 124 KB, what the default VFS's write takes) when the commit
 * frame's page has come: SQLite publishes frames in the WAL index only after its last write of
 * them, so no reader looks for frames still in the buffer, and a failed write fails the commit
 * as SQLite's own would have (its frames are never published). The commit frame's page is the
 * commit's last write as long as SQLite does not pad the commit to a sector, which it does
 * only for a file without "powersafe overwrite" (SQLite's default): such a WAL is not gathered.
 * The buffer is also written when it is full, when a write lands elsewhere, and before every
 * other use of the file (a read, a sync, its size, a truncation, closing it). Files other than
 * WAL files are the default VFS's own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db/wal_buffer.h"

#define WB_SIZE	     (1 << 20) /* bytes gathered at most */
#define WB_WRITE_MAX 0x1f000   /* bytes a write of the default VFS takes: it keeps 17 bits */
#define WB_FRAME_HDR 24 /* a frame's header: bytes 4-7 are the database size after a commit */

struct wb_file {
	sqlite3_file base;
	sqlite3_file *real; /* the default VFS's file, in the bytes after this struct */
	unsigned char *buf;
	sqlite3_int64 at; /* the file offset of buf[0] */
	size_t len;	  /* bytes in buf */
	int commit;	  /* the last write was a commit frame's header: its page ends the batch */
};

/* rounded up so that the real file that follows is aligned */
#define WB_HEAD ((sizeof(struct wb_file) + 15) & ~(size_t)15)

static sqlite3_vfs wb_vfs;
static sqlite3_vfs *wb_real;

#define WB(f)	((struct wb_file *)(f))
#define REAL(f) (WB(f)->real)
#define RM(f)	(REAL(f)->pMethods)

static int wb_flush(struct wb_file *w)
{
	int rc = SQLITE_OK;
	for (size_t at = 0, n; at < w->len && rc == SQLITE_OK; at += n) {
		n = w->len - at < WB_WRITE_MAX ? w->len - at : WB_WRITE_MAX;
		rc = w->real->pMethods->xWrite(w->real, w->buf + at, (int)n,
					       w->at + (sqlite3_int64)at);
	}
	w->len = 0;
	w->commit = 0;
	return rc;
}

static int wb_close(sqlite3_file *f)
{
	int rc = wb_flush(WB(f)), rc2 = RM(f)->xClose(REAL(f));
	free(WB(f)->buf);
	return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	int rc = wb_flush(WB(f));
	return rc != SQLITE_OK ? rc : RM(f)->xRead(REAL(f), p, amt, off);
}

static int wb_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
	struct wb_file *w = WB(f);
	int rc;
	/* gathered when it extends or overwrites what is gathered, and fits */
	if (w->len &&
	    (off < w->at || off > w->at + (sqlite3_int64)w->len || off + amt > w->at + WB_SIZE) &&
	    (rc = wb_flush(w)) != SQLITE_OK)
		return rc;
	if (amt > WB_SIZE)
		return RM(f)->xWrite(REAL(f), p, amt, off);
	if (!w->len)
		w->at = off;
	size_t from = (size_t)(off - w->at);
	memcpy(w->buf + from, p, (size_t)amt);
	if (from + (size_t)amt > w->len)
		w->len = from + (size_t)amt;
	if (w->commit)
		return wb_flush(w);
	const unsigned char *h = p;
	w->commit = amt == WB_FRAME_HDR && (h[4] | h[5] | h[6] | h[7]);
	return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = wb_flush(WB(f));
	return rc != SQLITE_OK ? rc : RM(f)->xTruncate(REAL(f), size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
	int rc = wb_flush(WB(f));
	return rc != SQLITE_OK ? rc : RM(f)->xSync(REAL(f), flags);
}

static int wb_size(sqlite3_file *f, sqlite3_int64 *size)
{
	int rc = wb_flush(WB(f));
	return rc != SQLITE_OK ? rc : RM(f)->xFileSize(REAL(f), size);
}

/* the rest as the real file does */
static int wb_lock(sqlite3_file *f, int l)
{
	return RM(f)->xLock(REAL(f), l);
}

static int wb_unlock(sqlite3_file *f, int l)
{
	return RM(f)->xUnlock(REAL(f), l);
}

static int wb_reserved(sqlite3_file *f, int *out)
{
	return RM(f)->xCheckReservedLock(REAL(f), out);
}

static int wb_control(sqlite3_file *f, int op, void *arg)
{
	return RM(f)->xFileControl(REAL(f), op, arg);
}

static int wb_sector(sqlite3_file *f)
{
	return RM(f)->xSectorSize(REAL(f));
}

static int wb_device(sqlite3_file *f)
{
	return RM(f)->xDeviceCharacteristics(REAL(f));
}

static const sqlite3_io_methods wb_methods = {
    .iVersion = 1,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_reserved,
    .xFileControl = wb_control,
    .xSectorSize = wb_sector,
    .xDeviceCharacteristics = wb_device,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return wb_real->xOpen(wb_real, name, f, flags, out);
	struct wb_file *w = WB(f);
	memset(w, 0, sizeof(*w));
	w->real = (sqlite3_file *)((char *)f + WB_HEAD);
	int rc = wb_real->xOpen(wb_real, name, w->real, flags, out);
	if (rc != SQLITE_OK)
		return rc;
	if (!(w->real->pMethods->xDeviceCharacteristics(w->real) &
	      SQLITE_IOCAP_POWERSAFE_OVERWRITE)) {
		/* SQLite would pad a commit to the sector and sync in the middle of a frame */
		w->real->pMethods->xClose(w->real);
		return wb_real->xOpen(wb_real, name, f, flags, out);
	}
	if (!(w->buf = malloc(WB_SIZE))) {
		w->real->pMethods->xClose(w->real);
		return SQLITE_NOMEM;
	}
	f->pMethods = &wb_methods;
	return SQLITE_OK;
}

static void wb_register(void)
{
	wb_real = sqlite3_vfs_find(NULL);
	wb_vfs = *wb_real;
	wb_vfs.zName = WAL_BUFFER_VFS;
	wb_vfs.szOsFile = (int)WB_HEAD + wb_real->szOsFile;
	wb_vfs.xOpen = wb_open;
	wb_vfs.pNext = NULL;
	sqlite3_vfs_register(&wb_vfs, 0);
}

const char *wal_buffer_vfs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, wb_register);
	return WAL_BUFFER_VFS;
}
