/*
 * wal_buffer.h - SQLite's default VFS, with each transaction's frames written to the WAL in a
 * few large writes (wal_buffer.c).
 */
#ifndef SHENPI_WAL_BUFFER_H
#define SHENPI_WAL_BUFFER_H

#include <sqlite3.h>

#define WAL_BUFFER_VFS "shenpi-wal-buffer"

/* The VFS's name for sqlite3_open_v2, registered on the first call (thread-safe). */
const char *wal_buffer_vfs(void);

#endif
