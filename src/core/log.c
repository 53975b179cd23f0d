/*
 * log.c - JSON-lines logger; see log.h.
 */
#include "core/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
	min_level = min;
}

void log_msg(enum log_level level, const char *msg, json_t *fields)
{
	if (level < min_level) {
		json_decref(fields);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[64];
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);

	json_t *o = json_object();
	json_object_set_new(o, "ts", json_string(when));
	json_object_set_new(o, "level", json_string(names[level]));
	json_object_set_new(o, "msg", json_string(msg));
	if (fields) {
		json_object_update(o, fields);
		json_decref(fields);
	}
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* replaces the NUL; we know the length */
	ssize_t w = write(STDERR_FILENO, line, n + 1);
	(void)w;
	free(line);
}
