/*
 * http.h - libmicrohttpd glue: the request context, body collection with a cap, replies,
 * cookies, static files, request logs and metrics, and a server that shuts down cleanly.
 *
 * It knows no rules and no storage: the application gives one handler, called once per
 * request after the whole body has arrived, which must queue exactly one reply with one of
 * the http_reply_* functions. Everything the handler allocates comes from req->arena and is
 * freed when libmicrohttpd reports the request completed.
 */
#ifndef SHENPI_HTTP_H
#define SHENPI_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

struct MHD_Connection;
struct MHD_Response;

#define HTTP_MAX_PARAMS 4

struct req {
	struct MHD_Connection *conn;
	struct arena arena;
	const char *method, *path;
	struct buf body;
	int too_large;	      /* the body went past the cap: the handler is not called */
	uint64_t received;    /* body bytes, kept or dropped */
	int64_t start_ns;
	int status;	      /* of the queued reply */
	const char *route;    /* pattern of the matched route, for logs and metrics */
	const char *user;     /* username, for logs */
	const char *params[HTTP_MAX_PARAMS]; /* {id} parts of the path, set by the router */
	const char *set_cookie;		      /* Set-Cookie header of the reply, if any */
	const char *preference_applied;	      /* Preference-Applied header of the reply */
	void *app;
};

typedef void (*http_handler)(struct req *r);

struct http_config {
	const char *listen;   /* "127.0.0.1:8080"; port 0 picks a free one */
	int threads;	      /* worker threads (thread pool + epoll) */
	/* the cap of a request's body in bytes, by method and path (no query) */
	size_t (*body_max)(const char *method, const char *path);
	http_handler handler;
	void *app;
};

/* Serve until SIGTERM or SIGINT, then stop accepting, let the requests in flight finish
 * (at most 30 seconds) and return 0; -1 when the server cannot start. */
int http_serve(const struct http_config *cfg);

/* Request data; NULL when absent. Strings live as long as the request. */
const char *http_query(struct req *r, const char *name);
const char *http_header(struct req *r, const char *name);
const char *http_cookie(struct req *r, const char *name);
/* Whether the request's Prefer header (RFC 7240) names the preference pref, e.g.
 * "return=minimal". */
int http_prefers(struct req *r, const char *pref);
/* The client's address as text. */
const char *http_client_ip(struct req *r);

/* Replies; each queues the response and records the status. */
void http_reply_json(struct req *r, int status, json_t *body); /* consumes body */
void http_reply_error(struct req *r, int status, const char *code, const char *message,
		      const char *field);
void http_reply_empty(struct req *r, int status);
/* Bytes of any type (copied); with a filename (UTF-8, may be NULL) the browser saves them
 * under that name (RFC 6266: an ASCII fallback and the UTF-8 name as filename*). */
void http_reply_data(struct req *r, int status, const char *content_type, const char *data,
		     size_t len, const char *filename);
/* A file of root for GET path (index.html for "/" and for paths without an extension, so a
 * single-page app can route); 404 JSON error when there is none. */
void http_reply_file(struct req *r, const char *root, const char *path);

/* Prometheus text of the HTTP metrics, appended to out. */
void http_metrics(struct buf *out);

#endif
