/* What the relay's main.c provides to the code under test. */
#include "relay.h"

relay_t relay;

void relay_begin_shutdown(const char *why)
{
	(void)why;
	relay.stopping = 1;
}
