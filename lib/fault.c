/*
 * fault.c: the switch behind vn_fault_point(), so that tests can fail or
 * kill vnet at any journaled step (tests/integration/faults.sh,
 * tests/integration/port-faults.sh).
 */
#include "config.h"

#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int vn_fault_point(const char *step)
{
#ifdef VNET_FAULT_INJECTION
        const char *f = getenv("VNET_FAULT");
        const char *c = getenv("VNET_CRASH");
        size_t n = strlen(step);

        if (c && strcmp(c, step) == 0)
                raise(SIGKILL);
        /* VNET_FAULT=STEP[:errno][,STEP[:errno]...] */
        for (; f && *f; f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL) {
                if (strncmp(f, step, n) == 0 && (f[n] == '\0' || f[n] == ':' || f[n] == ',')) {
                        int e = f[n] == ':' ? atoi(f + n + 1) : EIO;

                        return -(e > 0 ? e : EIO);
                }
        }
#else
        (void)step;
#endif
        return 0;
}
