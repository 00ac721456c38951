/* devbroker_int.h - internals of cs-devbroker. */
#ifndef CS_DEVBROKER_INT_H
#define CS_DEVBROKER_INT_H

/* Between begin and end, IPv4 binds to port 0 get first_port, then
 * first_port + 1, ... (see fixed_port.c). */
void cs_fixed_port_begin(int first_port);
void cs_fixed_port_end(void);

#endif
