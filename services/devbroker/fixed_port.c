/* fixed_port.c - gives librdkafka's mock brokers fixed ports.
 *
 * librdkafka 2.0's mock cluster binds each broker to 127.0.0.1 port 0
 * (any free port) and offers no option to choose one. A development broker
 * whose address changes at every start is awkward for scripts and for
 * clients that reconnect, so while cs_fixed_port_begin() is in effect this
 * file's bind() (which the dynamic linker prefers over libc's for the
 * whole process) turns a request for IPv4 port 0 into the next port of a
 * configured sequence. Everything else goes to libc's bind unchanged. */
#include "devbroker_int.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

static _Atomic int next_port; /* 0: pass through */

void cs_fixed_port_begin(int first_port)
{
    atomic_store(&next_port, first_port);
}

void cs_fixed_port_end(void)
{
    atomic_store(&next_port, 0);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
    static _Atomic(bind_fn) real_bind;
    bind_fn real = atomic_load(&real_bind);
    int port = atomic_load(&next_port);

    if (real == NULL) {
        /* POSIX allows this object-to-function pointer conversion. */
        *(void **)&real = dlsym(RTLD_NEXT, "bind");
        atomic_store(&real_bind, real);
    }
    if (port != 0 && addr != NULL && addr->sa_family == AF_INET &&
        len >= (socklen_t)sizeof(struct sockaddr_in) &&
        ((const struct sockaddr_in *)addr)->sin_port == 0) {
        struct sockaddr_in sin = *(const struct sockaddr_in *)addr;
        int one = 1;

        sin.sin_port = htons((uint16_t)atomic_fetch_add(&next_port, 1));
        /* A restart must not wait for old connections in TIME_WAIT. */
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        return real(fd, (const struct sockaddr *)&sin, sizeof(sin));
    }
    return real(fd, addr, len);
}

int cs_fixed_port_busy(int first_port, int n_ports)
{
    for (int i = 0; i < n_ports; i++) {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, rc;

        if (fd < 0)
            return first_port + i;
        sin.sin_port = htons((uint16_t)(first_port + i));
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* cs_fixed_port is not active here, so this is libc's bind */
        rc = bind(fd, (const struct sockaddr *)&sin, sizeof(sin));
        if (rc == 0)
            rc = listen(fd, 1);
        close(fd);
        if (rc != 0)
            return first_port + i;
    }
    return 0;
}
