/* base64 of message bodies, for events and control replies. */
#ifndef RELAY_BASE64_H
#define RELAY_BASE64_H

#include <stddef.h>

/* malloc'd, NUL-terminated; NULL when out of memory */
char *engine_base64(const void *data, size_t len);

#endif
