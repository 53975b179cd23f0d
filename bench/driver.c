/* driver.c - the load of bench/lifecycle.mjs: keep-alive HTTP/1.1 clients that loop over the
 * requests of a case's life, each timed from its first byte sent to its reply's last byte
 * received. One thread and epoll, so that the load costs the machine little of the CPU it
 * shares with the server.
 *
 *   build/bench/driver < SPEC > RESULT
 *
 * SPEC (JSON): {"host": "127.0.0.1", "port": N, "clients": 32, "seconds": 20,
 *   "headers": "Prefer: return=minimal\r\n" (added to each request with a body),
 *   "steps": [{"kind", "method", "path", "cookie", "csrf", "body"}…]}
 * A path's "{no}" is the number of the case, read from the reply to the first step. Each
 * client starts its lifecycles until the time is up and finishes the one it is in.
 * RESULT (JSON): {"done": lifecycles completed, "cpu_ms": the driver's own CPU time,
 *   "lat": {kind: [ms…]}}. A reply with a status of 300 or more, a reply cut off or not
 * understood stops the driver with exit status 1 and the reason on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1000
#define MAX_STEPS   32
#define REPLY_MAX   (1 << 20) /* bytes of one reply */

struct step {
	const char *kind, *method, *path, *cookie, *csrf, *body;
	json_t *lat; /* the kind's array of times */
};

struct client {
	int fd, step, done;
	char no[64]; /* the case's number */
	char *in;    /* the reply so far */
	size_t len;
	double t0; /* when its request was sent, ms */
};

static struct step steps[MAX_STEPS];
static int nsteps;
static const char *headers;
static struct sockaddr_in addr;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "driver: %s: %s\n", what, why);
	exit(1);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void connect_client(struct client *c, int ep)
{
	int one = 1;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl", strerror(errno));
}

/* Send the client's current step (a blocking socket: a request fits its buffer). */
static void send_step(struct client *c)
{
	const struct step *s = &steps[c->step];
	char path[512], req[8192];
	const char *at = strstr(s->path, "{no}");
	if (at)
		snprintf(path, sizeof(path), "%.*s%s%s", (int)(at - s->path), s->path, c->no,
			 at + 4);
	else
		snprintf(path, sizeof(path), "%s", s->path);
	size_t blen = strlen(s->body);
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: shenpi_session=%s\r\n"
			 "X-CSRF-Token: %s\r\n",
			 s->method, path, inet_ntoa(addr.sin_addr), ntohs(addr.sin_port), s->cookie,
			 s->csrf);
	if (blen)
		n += snprintf(req + n, sizeof(req) - (size_t)n,
			      "%sContent-Type: application/json\r\nContent-Length: %zu\r\n",
			      headers, blen);
	n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n%s", s->body);
	if (n >= (int)sizeof(req))
		die(s->kind, "request too long");
	c->len = 0;
	c->t0 = now_ms();
	for (int off = 0; off < n;) {
		ssize_t w = write(c->fd, req + off, (size_t)(n - off));
		if (w < 0 && errno != EINTR)
			die("write", strerror(errno));
		off += w > 0 ? (int)w : 0;
	}
}

/* The length of the whole reply in c->in once it has all come, else 0. */
static size_t reply_length(const struct client *c, size_t *head)
{
	const char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	*head = (size_t)(end - c->in) + 4;
	const char *cl = memmem(c->in, *head, "\r\nContent-Length:", 17);
	if (!cl)
		cl = memmem(c->in, *head, "\r\ncontent-length:", 17);
	if (!cl)
		die(steps[c->step].kind, "a reply without Content-Length");
	size_t total = *head + strtoul(cl + 17, NULL, 10);
	return c->len >= total ? total : 0;
}

/* A whole reply in c->in: time it, take the case's number from the first, go on. */
static void on_reply(struct client *c, size_t head, size_t total, int stopping)
{
	const struct step *s = &steps[c->step];
	int status = c->len > 12 ? atoi(c->in + 9) : 0;
	if (status < 200 || status >= 300) {
		fprintf(stderr, "driver: %s %s → %d %.*s\n", s->method, s->path, status,
			(int)(total - head > 300 ? 300 : total - head), c->in + head);
		exit(1);
	}
	json_array_append_new(s->lat, json_real(now_ms() - c->t0));
	if (c->step == 0) {
		json_error_t err;
		json_t *j = json_loadb(c->in + head, total - head, 0, &err);
		const char *no = json_string_value(json_object_get(j, "no"));
		if (!no || strlen(no) >= sizeof(c->no))
			die(s->kind, "no case number in the reply");
		snprintf(c->no, sizeof(c->no), "%s", no);
		json_decref(j);
	}
	memmove(c->in, c->in + total, c->len - total);
	c->len -= total;
	if (++c->step == nsteps) {
		c->step = 0;
		c->done++;
		if (stopping) {
			close(c->fd);
			c->fd = -1;
			return;
		}
	}
	send_step(c);
}

static const char *field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	if (!v)
		die("spec", key);
	return v;
}

int main(void)
{
	json_error_t err;
	json_t *spec = json_loadf(stdin, 0, &err), *js, *lat = json_object();
	if (!spec)
		die("spec", err.text);
	int clients = (int)json_integer_value(json_object_get(spec, "clients"));
	double seconds = json_number_value(json_object_get(spec, "seconds"));
	headers = field(spec, "headers");
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)json_integer_value(json_object_get(spec, "port")));
	if (inet_pton(AF_INET, field(spec, "host"), &addr.sin_addr) != 1)
		die("spec", "host");
	if (clients < 1 || clients > MAX_CLIENTS || !(seconds > 0))
		die("spec", "clients 1..1000 and seconds > 0");
	size_t i;
	json_array_foreach(json_object_get(spec, "steps"), i, js)
	{
		if (i >= MAX_STEPS)
			die("spec", "too many steps");
		struct step *s = &steps[nsteps++];
		s->kind = field(js, "kind"), s->method = field(js, "method");
		s->path = field(js, "path"), s->cookie = field(js, "cookie");
		s->csrf = field(js, "csrf"), s->body = field(js, "body");
		if (!(s->lat = json_object_get(lat, s->kind)))
			json_object_set_new(lat, s->kind, s->lat = json_array());
	}
	if (!nsteps)
		die("spec", "no steps");

	int ep = epoll_create1(EPOLL_CLOEXEC), left = clients;
	struct client *cs = calloc((size_t)clients, sizeof(*cs));
	if (ep < 0 || !cs)
		die("start", strerror(errno));
	for (int k = 0; k < clients; k++) {
		if (!(cs[k].in = malloc(REPLY_MAX)))
			die("start", "out of memory");
		connect_client(&cs[k], ep);
		send_step(&cs[k]);
	}
	double until = now_ms() + seconds * 1e3;
	struct epoll_event evs[64];
	while (left) {
		int n = epoll_wait(ep, evs, 64, 1000);
		if (n < 0 && errno != EINTR)
			die("epoll_wait", strerror(errno));
		int stopping = now_ms() >= until;
		for (int e = 0; e < n; e++) {
			struct client *c = evs[e].data.ptr;
			ssize_t r = read(c->fd, c->in + c->len, REPLY_MAX - c->len);
			if (r <= 0)
				die(steps[c->step].kind, r ? strerror(errno) : "reply cut off");
			c->len += (size_t)r;
			size_t head, total;
			while (c->fd >= 0 && (total = reply_length(c, &head))) {
				on_reply(c, head, total, stopping);
				left -= c->fd < 0;
			}
			if (c->fd >= 0 && c->len == REPLY_MAX)
				die(steps[c->step].kind, "reply too long");
		}
	}
	long done = 0;
	for (int k = 0; k < clients; k++)
		done += cs[k].done;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	json_dumpf(json_pack("{s:I,s:f,s:o}", "done", (json_int_t)done, "cpu_ms", cpu, "lat", lat),
		   stdout, JSON_COMPACT);
	putchar('\n');
	return 0;
}
