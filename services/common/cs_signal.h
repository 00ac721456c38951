/* cs_signal.h - graceful shutdown: SIGTERM and SIGINT set a flag that
 * main loops poll; SIGPIPE is ignored (sockets report EPIPE instead). */
#ifndef CS_SIGNAL_H
#define CS_SIGNAL_H

#include <signal.h>
#include <stdbool.h>

void cs_signal_install(void);
bool cs_signal_stop_requested(void);
/* Sleeps up to ms milliseconds, returning early when a stop arrives. */
void cs_signal_sleep_ms(unsigned ms);

#endif
