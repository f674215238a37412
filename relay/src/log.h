/*
 * Logging with one level per subsystem (rtpengine's ilogs model):
 *
 *   ilog(control, LOG_INFO, "listening on %s", addr);
 *
 * The level test happens before the arguments are evaluated.
 */
#ifndef RELAY_LOG_H
#define RELAY_LOG_H

#include <stdarg.h>

#define LOG_SUBSYSTEMS(X) \
	X(core)               \
	X(control)            \
	X(events)             \
	X(msrp)               \
	X(session)            \
	X(metrics)

typedef enum log_subsystem {
#define X(name) LOG_SUB_##name,
	LOG_SUBSYSTEMS(X)
#undef X
	LOG_SUB_COUNT
} log_subsystem_t;

typedef enum log_level {
	LOG_ERR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
} log_level_t;

extern log_level_t log_levels[LOG_SUB_COUNT];

#define ilog(sub, level, ...)                                   \
	do {                                                        \
		if((level) <= log_levels[LOG_SUB_##sub])                \
			log_write(LOG_SUB_##sub, (level), __VA_ARGS__);     \
	} while(0)

void log_write(log_subsystem_t sub, log_level_t level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

/* "debug" -> LOG_DEBUG; returns -1 for an unknown name. */
int log_level_parse(const char *name);
int log_subsystem_parse(const char *name);
const char *log_subsystem_name(log_subsystem_t sub);
void log_set_all(log_level_t level);

/* NULL or "" logs to stderr. Returns -1 with errno when the file fails. */
int log_open(const char *path);
/* SIGHUP: reopen the file so that logrotate can move it away. */
int log_reopen(void);
void log_close(void);

#endif
