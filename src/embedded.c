/*
 * embedded.c — start, wait for and stop a private redis-server.
 */
#include "embedded.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "wl.h"

static pid_t emb_pid = -1;

static int embedded_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return WL_EIO;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return WL_EIO;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return WL_EIO;
	return WL_OK;
}

/* 1 when a redis-server answers on the port and keeps its data in dir. */
static int embedded_probe(const struct wl_config *cfg, const char *dir)
{
	struct timeval tv = {0, 200000};
	redisContext *c =
	    redisConnectWithTimeout("127.0.0.1", cfg->redis_port, tv);
	redisReply *r;
	int same = 0;

	if (!c || c->err) {
		if (c)
			redisFree(c);
		return 0;
	}
	r = redisCommand(c, "CONFIG GET dir");
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		same = strcmp(r->element[1]->str, dir) == 0 ? 1 : -1;
	else if (r && r->type == REDIS_REPLY_ERROR)
		same = -1;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return same;
}

int embedded_start(const struct wl_config *cfg)
{
	char dir[PATH_MAX], port[16];
	int probe;

	if (!cfg->redis_embedded)
		return WL_OK;
	if (embedded_mkdirs(cfg->redis_embedded_dir) != WL_OK ||
	    !realpath(cfg->redis_embedded_dir, dir)) {
		log_error("redis", "cannot create data folder dir=%s",
			  cfg->redis_embedded_dir);
		return WL_EIO;
	}
	probe = embedded_probe(cfg, dir);
	if (probe == 1) {
		log_info("redis",
			 "reusing embedded redis-server port=%d dir=%s",
			 cfg->redis_port, dir);
		return WL_OK;
	}
	if (probe == -1) {
		log_error("redis", "another redis-server holds port=%d",
			  cfg->redis_port);
		return WL_EIO;
	}
	snprintf(port, sizeof(port), "%d", cfg->redis_port);
	emb_pid = fork();
	if (emb_pid < 0)
		return WL_EIO;
	if (emb_pid == 0) {
		/* If the daemon dies, redis gets SIGTERM and flushes its
		 * append-only file before exiting. */
		sigset_t all;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* The daemon blocks SIGTERM and ignores SIGPIPE; redis must
		 * not inherit either, or it could never be stopped. */
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		execlp("redis-server", "redis-server", "--port", port, "--bind",
		       "127.0.0.1", "--dir", dir, "--appendonly", "yes",
		       "--appendfsync", "always", "--save", "",
		       "--protected-mode", "yes", "--logfile", "redis.log",
		       /* As deploy/redis.conf: cases stay compact. */
		       "--hash-max-listpack-value", "1024", "--daemonize", "no",
		       (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int st;

		if (waitpid(emb_pid, &st, WNOHANG) == emb_pid) {
			log_error("redis",
				  "redis-server exited at start; see "
				  "%s/redis.log",
				  dir);
			emb_pid = -1;
			return WL_EIO;
		}
		if (embedded_probe(cfg, dir) == 1) {
			log_info("redis",
				 "embedded redis-server started "
				 "pid=%d port=%d dir=%s",
				 (int)emb_pid, cfg->redis_port, dir);
			return WL_OK;
		}
		usleep(50 * 1000);
	}
	log_error("redis", "embedded redis-server did not answer port=%d",
		  cfg->redis_port);
	embedded_stop();
	return WL_EIO;
}

void embedded_stop(void)
{
	int st;

	if (emb_pid <= 0)
		return;
	kill(emb_pid, SIGTERM);
	waitpid(emb_pid, &st, 0);
	log_info("redis", "embedded redis-server stopped pid=%d", (int)emb_pid);
	emb_pid = -1;
}
