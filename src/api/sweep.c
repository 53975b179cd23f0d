/*
 * sweep.c - the background sweep of `shenpi serve`: every so many seconds it raises the
 * accountability cards that have fallen due (domain/card.h), in one write transaction, so
 * cards appear as time passes and not only when someone opens a page.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "api/api.h"
#include "core/log.h"
#include "domain/card.h"

static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct db *db;
	int seconds, stop, running;
} sw = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

int api_sweep_once(struct db *db, int64_t *raised)
{
	struct arena arena = ARENA_INIT;
	struct ctx c = {
	    .db = db_acquire(db), .arena = &arena, .now = (int64_t)time(NULL), .ip = ""};
	int rc = ctx_db(&c, db_begin_write(c.db));
	if (rc == E_OK && (rc = card_sweep(&c, raised)) == E_OK)
		rc = ctx_db(&c, db_commit(c.db));
	else
		db_rollback(c.db);
	if (rc < 0)
		log_msg(LOG_ERROR, "sweep failed",
			json_pack("{s:s,s:s}", "error", err_code(rc), "message",
				  c.fail_message ? c.fail_message : ""));
	db_release(c.db);
	arena_release(&arena);
	return rc;
}

static void *loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sw.lock);
	while (!sw.stop) {
		pthread_mutex_unlock(&sw.lock);
		int64_t raised = 0;
		if (api_sweep_once(sw.db, &raised) == E_OK && raised)
			log_msg(LOG_INFO, "cards raised",
				json_pack("{s:I}", "count", (json_int_t)raised));
		pthread_mutex_lock(&sw.lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += sw.seconds;
		while (!sw.stop && pthread_cond_timedwait(&sw.wake, &sw.lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&sw.lock);
	return NULL;
}

int api_sweep_start(struct db *db, int seconds)
{
	sw.db = db;
	sw.seconds = seconds;
	sw.stop = 0;
	/* signals are for the thread that waits for them (http_serve), never this one */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&sw.thread, NULL, loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return E_INTERNAL;
	sw.running = 1;
	return E_OK;
}

void api_sweep_stop(void)
{
	if (!sw.running)
		return;
	pthread_mutex_lock(&sw.lock);
	sw.stop = 1;
	pthread_cond_signal(&sw.wake);
	pthread_mutex_unlock(&sw.lock);
	pthread_join(sw.thread, NULL);
	sw.running = 0;
}
