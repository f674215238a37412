/* The relay's control channel entry point: one request line in, one reply
 * line out, whatever the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control_cmds.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0;
	char *reply;

	log_set_all(LOG_ERR);
	reply = control_dispatch((const char *)data, size, &len);
	if(reply) {
		if(len == 0 || reply[len - 1] != '\n' || memchr(reply, '\n', len) != reply + len - 1)
			abort(); /* a reply is exactly one line */
		free(reply);
	}
	return 0;
}
