/*
 * sweep.c - the background sweep of `shenpi serve`: every so many seconds it raises the
 * accountability cards that have fallen due (domain/card.h), in one write transaction, so
 * cards appear as time passes and not only when someone opens a page.
 *
 * Several servers may share one database (docs/deploy.md); one at a time is the sweeper, the
 * one whose sweep connection holds DB_LOCK_SWEEPER. The others try again every period, so
 * when the sweeper stops or dies (the lock goes with its connection) another takes over at
 * its next tick. Every run, `shenpi sweep`'s too, holds DB_LOCK_SWEEP: runs never overlap.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
	atomic_int sweeper; /* this server holds DB_LOCK_SWEEPER */
} sw = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

int api_sweep_once(struct dbc *db, int64_t *raised)
{
	struct arena arena = ARENA_INIT;
	struct ctx c = {.db = db, .arena = &arena, .ip = ""};
	int rc = ctx_db(&c, db_lock(db, DB_LOCK_SWEEP, 1));
	c.now = (int64_t)time(NULL); /* once the run is ours: another may have taken a while */
	if (rc == E_OK)
		rc = ctx_db(&c, db_begin_write(db));
	if (rc == E_OK && (rc = card_sweep(&c, raised)) == E_OK)
		rc = ctx_db(&c, db_commit(db));
	else
		db_rollback(db);
	db_unlock(db, DB_LOCK_SWEEP);
	if (rc < 0)
		log_msg(LOG_ERROR, "sweep failed",
			json_pack("{s:s,s:s}", "error", err_code(rc), "message",
				  c.fail_message ? c.fail_message : ""));
	arena_release(&arena);
	return rc;
}

/* Take DB_LOCK_SWEEPER when it is free; 1 when this server is the sweeper. */
static int lead(struct dbc *db)
{
	int rc = db_lock(db, DB_LOCK_SWEEPER, 0), was = atomic_exchange(&sw.sweeper, rc == DB_OK);
	if (rc < 0 && rc != DB_BUSY)
		log_msg(LOG_ERROR, "sweep failed", json_pack("{s:s}", "error", db_errmsg(db)));
	if (was != (rc == DB_OK))
		log_msg(LOG_INFO, was ? "no longer the sweeper" : "became the sweeper",
			json_pack("{s:i}", "seconds", sw.seconds));
	return rc == DB_OK;
}

static void *loop(void *arg)
{
	(void)arg;
	struct dbc *db = db_acquire(sw.db); /* kept: the sweeper's lock lives on it */
	pthread_mutex_lock(&sw.lock);
	while (!sw.stop) {
		pthread_mutex_unlock(&sw.lock);
		int64_t raised = 0;
		if (lead(db) && api_sweep_once(db, &raised) == E_OK && raised)
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
	db_unlock(db, DB_LOCK_SWEEPER); /* another server takes over at its next tick */
	atomic_store(&sw.sweeper, 0);
	db_release(db);
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

void api_sweep_metrics(struct buf *out)
{
	buf_addf(out,
		 "# HELP shenpi_sweeper 1 when this server is the one that runs the card sweep.\n"
		 "# TYPE shenpi_sweeper gauge\n"
		 "shenpi_sweeper %d\n",
		 atomic_load(&sw.sweeper));
}
