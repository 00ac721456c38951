/* devbroker_int.h - internals of cs-devbroker. */
#ifndef CS_DEVBROKER_INT_H
#define CS_DEVBROKER_INT_H

/* Between begin and end, IPv4 binds to port 0 get first_port, then
 * first_port + 1, ... (see fixed_port.c). */
void cs_fixed_port_begin(int first_port);
void cs_fixed_port_end(void);

/* Returns the first of n_ports ports from first_port that cannot be
 * listened on (in use), or 0 when all are free. librdkafka 2.0 asserts
 * instead of failing when a mock broker cannot bind, so we look first. */
int cs_fixed_port_busy(int first_port, int n_ports);

#endif
