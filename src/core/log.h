/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 *   log_msg(LOG_INFO, "listening", json_pack("{s:s}", "addr", addr));
 * writes {"ts":"2026-11-27T19:30:00Z","level":"info","msg":"listening","addr":"..."}.
 * The fields object is consumed (may be NULL). Lines are written with one write(2) so that
 * threads never interleave.
 */
#ifndef SHENPI_LOG_H
#define SHENPI_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);
void log_msg(enum log_level level, const char *msg, json_t *fields);

#endif
