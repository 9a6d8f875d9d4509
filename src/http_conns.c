/*
 * http_conns.c — the request deadline and the quiet log of the HTTP
 * server (see http_conns.h).
 *
 * Every connection is on one list under one mutex from STARTED to
 * CLOSED. libmicrohttpd calls CLOSED before it closes the socket, so a
 * descriptor on the list is still the connection's while the mutex is
 * held: the reaper may shutdown() it, which libmicrohttpd then sees as
 * the peer going away and closes the connection in its own thread.
 */
#include "http_conns.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "wl.h"

#define HTTP_CONNS_TICK_MS 250

struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	int64_t deadline_ms; /* monotonic */
	bool busy;	     /* a handler runs: never cut */
	bool cut;
};

static pthread_mutex_t hc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_conn hc_head = {&hc_head, &hc_head, -1, 0, false, false};
static int64_t hc_timeout_ms = 10000;
static pthread_t hc_thread;
static atomic_bool hc_stop;
static bool hc_started;

/* The quiet log: the second of the last line and how many were held. */
static pthread_mutex_t hc_log_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t hc_log_second = -1;
static long hc_log_held;

static size_t http_conns_reap(void)
{
	int64_t now = clock_mono_ms();
	size_t cut = 0;

	pthread_mutex_lock(&hc_lock);
	for (struct http_conn *c = hc_head.next; c != &hc_head; c = c->next)
		if (!c->busy && !c->cut && now >= c->deadline_ms &&
		    c->fd >= 0) {
			shutdown(c->fd, SHUT_RDWR);
			c->cut = true;
			cut++;
		}
	pthread_mutex_unlock(&hc_lock);
	return cut;
}

static void *http_conns_main(void *arg)
{
	int64_t last_log = 0;
	size_t cut = 0;

	(void)arg;
	while (!atomic_load(&hc_stop)) {
		usleep(HTTP_CONNS_TICK_MS * 1000);
		cut += http_conns_reap();
		if (cut && clock_mono_ms() - last_log >= 1000) {
			log_warn("http",
				 "closed connections that sent no whole "
				 "request in time n=%zu timeout_s=%lld",
				 cut, (long long)(hc_timeout_ms / 1000));
			last_log = clock_mono_ms();
			cut = 0;
		}
	}
	return NULL;
}

int http_conns_start(int request_timeout_s)
{
	hc_timeout_ms = (int64_t)request_timeout_s * 1000;
	atomic_store(&hc_stop, false);
	if (pthread_create(&hc_thread, NULL, http_conns_main, NULL) != 0)
		return WL_EINTERNAL;
	hc_started = true;
	return WL_OK;
}

void http_conns_stop(void)
{
	if (!hc_started)
		return;
	atomic_store(&hc_stop, true);
	pthread_join(hc_thread, NULL);
	hc_started = false;
}

void http_conns_notify(void *cls, struct MHD_Connection *conn,
		       void **socket_context,
		       enum MHD_ConnectionNotificationCode code)
{
	struct http_conn *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return; /* untracked: libmicrohttpd's idle timeout */
		ci = MHD_get_connection_info(conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci ? ci->connect_fd : -1;
		c->deadline_ms = clock_mono_ms() + hc_timeout_ms;
		pthread_mutex_lock(&hc_lock);
		c->next = hc_head.next;
		c->prev = &hc_head;
		hc_head.next->prev = c;
		hc_head.next = c;
		pthread_mutex_unlock(&hc_lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&hc_lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&hc_lock);
	free(c);
	*socket_context = NULL;
}

void http_conns_busy(struct MHD_Connection *conn, int busy)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *c = ci ? ci->socket_context : NULL;

	if (!c)
		return;
	pthread_mutex_lock(&hc_lock);
	c->busy = busy != 0;
	if (!busy)
		c->deadline_ms = clock_mono_ms() + hc_timeout_ms;
	pthread_mutex_unlock(&hc_lock);
}

void http_conns_log(const char *fmt, va_list ap)
{
	int64_t second = clock_mono_ms() / 1000;
	long held;
	char msg[512];

	pthread_mutex_lock(&hc_log_lock);
	if (second == hc_log_second) {
		hc_log_held++;
		pthread_mutex_unlock(&hc_log_lock);
		return;
	}
	held = hc_log_held;
	hc_log_held = 0;
	hc_log_second = second;
	pthread_mutex_unlock(&hc_log_lock);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (held)
		log_warn("http", "microhttpd error=\"%s\" similar_before=%ld",
			 msg, held);
	else
		log_warn("http", "microhttpd error=\"%s\"", msg);
}
