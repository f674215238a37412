/*
 * im-relay: the MSRP relay of the OMA SIMPLE IM server.
 *
 * Start-up, signals and shutdown. SIGTERM/SIGINT drain gracefully (stop
 * accepting, announce the shutdown to Kamailio, wait for pending work up to
 * drain_timeout_ms); SIGHUP reopens the log file.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "events.h"
#include "log.h"
#include "relay.h"
#include "version.h"

relay_t relay;

static struct event *drain_ev;

static void make_boot_id(char *out, size_t outlen)
{
	unsigned char raw[16];
	size_t i;

	if(getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* only reached without a kernel RNG: time and pid still differ */
		snprintf(out, outlen, "%08lx%08x", (unsigned long)time(NULL),
				(unsigned)getpid());
		return;
	}
	for(i = 0; i < sizeof(raw) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	static int waited_ms;
	(void)fd;
	(void)what;
	(void)arg;
	waited_ms += 50;
	if(relay.events == NULL || events_pending(relay.events) == 0
			|| waited_ms >= relay.cfg.drain_timeout_ms) {
		if(relay.events && events_pending(relay.events))
			ilog(core, LOG_WARN,
					"exiting with %zu events not acknowledged by kamailio",
					events_pending(relay.events));
		event_base_loopbreak(relay.base);
	}
}

void relay_begin_shutdown(const char *why)
{
	struct timeval tick = {0, 50 * 1000};

	if(relay.stopping)
		return;
	relay.stopping = 1;
	ilog(core, LOG_INFO, "shutting down (%s)", why);
	control_close_listeners(relay.control);
	if(relay.events)
		events_post(relay.events, "relay_stopping",
				json_pack("{s:s}", "reason", why));
	drain_ev = event_new(relay.base, -1, EV_PERSIST, on_drain_tick, NULL);
	event_add(drain_ev, &tick);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if(sig == SIGHUP) {
		if(log_reopen() < 0)
			ilog(core, LOG_ERR, "cannot reopen log file: %s", strerror(errno));
		else
			ilog(core, LOG_INFO, "log file reopened");
		return;
	}
	if(relay.stopping) {
		ilog(core, LOG_WARN, "second signal: exiting now");
		event_base_loopbreak(relay.base);
		return;
	}
	relay_begin_shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int write_pid_file(const char *path)
{
	FILE *fp = fopen(path, "w");
	if(fp == NULL)
		return -1;
	fprintf(fp, "%d\n", (int)getpid());
	return fclose(fp);
}

int main(int argc, char **argv)
{
	char err[512];
	struct event *sigs[4];
	int signums[4] = {SIGTERM, SIGINT, SIGHUP, 0};
	int rc, i, exit_code = 1;

	signal(SIGPIPE, SIG_IGN);
	config_init(&relay.cfg);
	rc = config_parse_args(&relay.cfg, argc, argv, err, sizeof(err));
	if(rc != 0) {
		if(rc < 0)
			fprintf(stderr, "im-relay: %s\n", err);
		config_free(&relay.cfg);
		return rc < 0 ? 2 : 0;
	}
	if(relay.cfg.instance)
		snprintf(relay.instance, sizeof(relay.instance), "%s",
				relay.cfg.instance);
	else if(gethostname(relay.instance, sizeof(relay.instance) - 1) < 0)
		snprintf(relay.instance, sizeof(relay.instance), "im-relay");
	make_boot_id(relay.boot_id, sizeof(relay.boot_id));
	relay.started = time(NULL);

	if(log_open(relay.cfg.log_file) < 0) {
		fprintf(stderr, "im-relay: log_file %s: %s\n", relay.cfg.log_file,
				strerror(errno));
		config_free(&relay.cfg);
		return 2;
	}
	if(relay.cfg.daemonize && daemon(1, relay.cfg.log_file ? 0 : 1) < 0) {
		ilog(core, LOG_ERR, "daemon: %s", strerror(errno));
		goto out;
	}
	if(relay.cfg.pid_file && write_pid_file(relay.cfg.pid_file) < 0) {
		ilog(core, LOG_ERR, "pid_file %s: %s", relay.cfg.pid_file,
				strerror(errno));
		goto out;
	}

	relay.base = event_base_new();
	if(relay.base == NULL) {
		ilog(core, LOG_ERR, "cannot create the event loop");
		goto out;
	}
	relay.control = control_new(relay.base, relay.cfg.control_max_line);
	if(relay.control == NULL)
		goto out;
	for(i = 0; i < relay.cfg.control.count; i++) {
		if(control_listen(relay.control, relay.cfg.control.items[i], err,
				   sizeof(err))
				< 0) {
			ilog(core, LOG_ERR, "%s", err);
			goto out;
		}
	}
	if(relay.cfg.kamailio_rpc == NULL)
		ilog(events, LOG_WARN,
				"kamailio_rpc not set: events to Kamailio are disabled");
	relay.events = events_new(relay.base, relay.cfg.kamailio_rpc,
			relay.instance, relay.boot_id, relay.cfg.event_queue_max,
			relay.cfg.event_retry_max_ms, err, sizeof(err));
	if(relay.events == NULL) {
		ilog(core, LOG_ERR, "%s", err);
		goto out;
	}
	for(i = 0; signums[i]; i++) {
		sigs[i] = evsignal_new(relay.base, signums[i], on_signal, NULL);
		event_add(sigs[i], NULL);
	}
	sigs[i] = NULL;

	ilog(core, LOG_INFO, "im-relay %s started: instance %s, boot id %s",
			RELAY_VERSION, relay.instance, relay.boot_id);
	events_post(relay.events, "relay_started",
			json_pack("{s:s}", "version", RELAY_VERSION));

	event_base_dispatch(relay.base);
	exit_code = 0;
	ilog(core, LOG_INFO, "stopped");

	for(i = 0; sigs[i]; i++)
		event_free(sigs[i]);
out:
	if(drain_ev)
		event_free(drain_ev);
	events_free(relay.events);
	control_free(relay.control);
	if(relay.base)
		event_base_free(relay.base);
	if(relay.cfg.pid_file && exit_code == 0)
		unlink(relay.cfg.pid_file);
	config_free(&relay.cfg);
	log_close();
	return exit_code;
}
