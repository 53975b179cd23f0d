/*
 * server.c - the libmicrohttpd server behind http.h: per-request state, capped bodies,
 * replies with security headers, static files, request logs, metrics and clean shutdown.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"

#define DRAIN_SECONDS 30
#define DISCARD_MAX (64ULL << 20)

/* ---- metrics ---- */

static const double buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static struct {
	atomic_ullong by_status[600];
	atomic_ullong le[NBUCKETS];
	atomic_ullong count;
	atomic_ullong micros; /* sum of durations */
	atomic_int in_flight;
} metrics;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void http_metrics(struct buf *out)
{
	buf_addstr(out, "# HELP shenpi_http_requests_total HTTP requests answered, by status.\n"
			"# TYPE shenpi_http_requests_total counter\n");
	for (int s = 100; s < 600; s++) {
		unsigned long long n = atomic_load(&metrics.by_status[s]);
		if (n)
			buf_addf(out, "shenpi_http_requests_total{code=\"%d\"} %llu\n", s, n);
	}
	buf_addstr(out, "# HELP shenpi_http_request_duration_seconds Time to answer a request.\n"
			"# TYPE shenpi_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < NBUCKETS; i++)
		buf_addf(out, "shenpi_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			 buckets[i], atomic_load(&metrics.le[i]));
	unsigned long long count = atomic_load(&metrics.count);
	buf_addf(out,
		 "shenpi_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		 "shenpi_http_request_duration_seconds_sum %.6f\n"
		 "shenpi_http_request_duration_seconds_count %llu\n"
		 "# HELP shenpi_http_requests_in_flight Requests being answered now.\n"
		 "# TYPE shenpi_http_requests_in_flight gauge\n"
		 "shenpi_http_requests_in_flight %d\n",
		 count, atomic_load(&metrics.micros) / 1e6, count, atomic_load(&metrics.in_flight));
}

/* ---- request data ---- */

const char *http_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int http_prefers(struct req *r, const char *pref)
{
	size_t n = strlen(pref);
	for (const char *p = http_header(r, "Prefer"); p && *p; p = strchr(p, ',')) {
		p += strspn(p, " \t,");
		if (!strncasecmp(p, pref, n) && strchr(" \t;,", p[n]))
			return 1;
	}
	return 0;
}

const char *http_client_ip(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN] = "";
	if (ci && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, ip, sizeof(ip));
	else if (ci && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, ip,
			  sizeof(ip));
	return arena_strdup(&r->arena, ip);
}

/* ---- replies ---- */

static const char hex[] = "0123456789ABCDEF";

static void queue(struct req *r, int status, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	if (r->set_cookie)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->preference_applied)
		MHD_add_response_header(resp, "Preference-Applied", r->preference_applied);
	r->status = status;
	MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

/* attachment; filename="ASCII, others as _"; filename*=UTF-8''percent-encoded (RFC 5987) */
static const char *content_disposition(struct arena *a, const char *name)
{
	size_t n = strlen(name);
	char *ascii = arena_alloc(a, n + 1), *pct = arena_alloc(a, 3 * n + 1), *o = pct;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		ascii[i] = ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' ? '_' : (char)ch;
		if (isalnum(ch) || strchr("!#$&+-.^_`|~", ch)) { /* RFC 5987 attr-char */
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	ascii[n] = *o = '\0';
	return arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, pct);
}

void http_reply_data(struct req *r, int status, const char *content_type, const char *data,
		     size_t len, const char *filename)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (filename)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
					content_disposition(&r->arena, filename));
	queue(r, status, resp);
}

void http_reply_json(struct req *r, int status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (!s) {
		http_reply_error(r, 500, "internal", "服务器内部错误", NULL);
		return;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	queue(r, status, resp);
}

void http_reply_error(struct req *r, int status, const char *code, const char *message,
		      const char *field)
{
	json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
	if (field)
		json_object_set_new(e, "field", json_string(field));
	http_reply_json(r, status, json_pack("{s:o}", "error", e));
}

void http_reply_empty(struct req *r, int status)
{
	queue(r, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

static const char *mime_type(const char *path)
{
	static const char *const types[][2] = {
		{".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
		{".png", "image/png"},		       {".ico", "image/x-icon"},
		{".json", "application/json"},	       {".woff2", "font/woff2"},
		{".woff", "font/woff"},		       {".ttf", "font/ttf"},
		{".txt", "text/plain; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"},
		{".jpg", "image/jpeg"},		       {".pdf", "application/pdf"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

void http_reply_file(struct req *r, const char *root, const char *path)
{
	/* no "..", no hidden files, nothing but a plain relative name below root */
	if (!root || strstr(path, "/.") || strchr(path, '\\')) {
		http_reply_error(r, 404, "not_found", "页面不存在", NULL);
		return;
	}
	const char *base = strrchr(path, '/');
	int spa = !strchr(base ? base : path, '.');
	const char *rel = spa ? "/index.html" : path;
	char *file = arena_printf(&r->arena, "%s%s", root, rel);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_reply_error(r, 404, "not_found", "页面不存在", NULL);
		return;
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime_type(rel));
	/* Vite names assets by content hash, so they never change; the page itself always may */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				!strncmp(rel, "/assets/", 8) ? "public, max-age=31536000, immutable"
							     : "no-cache");
	queue(r, 200, resp);
}

/* ---- request lifecycle ---- */

/* The path as libmicrohttpd decoded it ("%FF" is a byte by now), with the bytes that are not
 * UTF-8 percent-encoded again: the router, the messages that quote a path parameter and the
 * request log take it as text (JSON refuses anything else). */
static const char *path_text(struct arena *a, const char *url)
{
	size_t n = strlen(url);
	if (utf8_valid(url, n))
		return url;
	char *out = arena_alloc(a, 3 * n + 1), *o = out;
	for (size_t i = 0, k; i < n; i += k) {
		const unsigned char *p = (const unsigned char *)url + i;
		if ((k = utf8_seq(p, n - i))) {
			memcpy(o, p, k);
			o += k;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
			k = 1;
		}
	}
	*o = '\0';
	return out;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	const struct http_config *cfg = cls;
	struct req *r = *con_cls;
	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->conn = conn;
		r->method = method;
		r->path = path_text(&r->arena, url);
		r->app = cfg->app;
		r->start_ns = now_ns();
		size_t max = cfg->body_max(method, r->path);
		buf_init(&r->body, max);
		*con_cls = r;
		atomic_fetch_add(&metrics.in_flight, 1);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
		/* A body past the cap is read and dropped, so that the client gets its 413
		 * instead of a broken pipe; one past DISCARD_MAX is refused before reading,
		 * and MHD closes the connection after the reply. */
		if (len > DISCARD_MAX)
			http_reply_error(r, 413, "body_too_large", "请求数据过大", NULL);
		else if (len > max)
			r->too_large = 1;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && buf_add(&r->body, upload, *upload_size) < 0) {
			r->too_large = 1;
			buf_release(&r->body);
		}
		r->received += *upload_size;
		*upload_size = 0;
		return r->received > DISCARD_MAX ? MHD_NO : MHD_YES; /* endless body: hang up */
	}
	if (r->status)
		return MHD_YES; /* already answered (413 on the first call) */
	if (r->too_large)
		http_reply_error(r, 413, "body_too_large", "请求数据过大", NULL);
	else
		cfg->handler(r);
	if (!r->status)
		http_reply_error(r, 500, "internal", "服务器内部错误", NULL);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	(void)cls;
	(void)conn;
	if (!r)
		return;
	int64_t us = (now_ns() - r->start_ns) / 1000;
	if (r->status >= 100 && r->status < 600)
		atomic_fetch_add(&metrics.by_status[r->status], 1);
	for (size_t i = 0; i < NBUCKETS; i++)
		if (us <= buckets[i] * 1e6)
			atomic_fetch_add(&metrics.le[i], 1);
	atomic_fetch_add(&metrics.count, 1);
	atomic_fetch_add(&metrics.micros, (unsigned long long)us);
	log_msg(r->status >= 500 ? LOG_ERROR : LOG_INFO, "request",
		json_pack("{s:s,s:s,s:s?,s:i,s:f,s:s?,s:b}", "method", r->method, "path", r->path,
			  "route", r->route, "status", r->status, "ms", us / 1000.0, "user",
			  r->user, "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
	buf_release(&r->body);
	arena_release(&r->arena);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&metrics.in_flight, 1);
}

/* "host:port" into an IPv4 socket address; host may be empty (all addresses). */
static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
	const char *colon = strrchr(listen, ':');
	char host[64];
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return -1;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	sa->sin_port = htons((uint16_t)port);
	if (!*host)
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host,
			   &sa->sin_addr) != 1)
		return -1;
	return 0;
}

int http_serve(const struct http_config *cfg)
{
	struct sockaddr_in sa;
	if (parse_listen(cfg->listen, &sa) < 0) {
		log_msg(LOG_ERROR, "bad listen address (use HOST:PORT)",
			json_pack("{s:s}", "listen", cfg->listen));
		return -1;
	}
	/* the signals are taken by sigwait below, in this thread only */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, (void *)cfg, MHD_OPTION_SOCK_ADDR, &sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 2),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
	if (!d) {
		log_msg(LOG_ERROR, "cannot listen",
			json_pack("{s:s,s:s}", "listen", cfg->listen, "error", strerror(errno)));
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char addr[INET_ADDRSTRLEN], bound[80];
	inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
	snprintf(bound, sizeof(bound), "%s:%u", addr, info ? info->port : ntohs(sa.sin_port));
	log_msg(LOG_INFO, "listening",
		json_pack("{s:s,s:i}", "addr", bound, "threads", cfg->threads));

	int sig;
	sigwait(&stop, &sig);
	log_msg(LOG_INFO, "stopping", json_pack("{s:s,s:i}", "signal", sig == SIGTERM ? "TERM" : "INT",
						 "in_flight", atomic_load(&metrics.in_flight)));
	MHD_quiesce_daemon(d);
	/* let the requests in flight finish; idle keep-alive connections are simply closed */
	for (int i = 0; i < DRAIN_SECONDS * 100 && atomic_load(&metrics.in_flight) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(d);
	log_msg(LOG_INFO, "stopped", NULL);
	return 0;
}
