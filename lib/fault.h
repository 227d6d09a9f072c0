/*
 * fault.h: test-only fault injection points shared by the backend's
 * multi-step operations (start in apply.c, port-add in port.c).
 */
#pragma once

/**
 * vn_fault_point: a named step is about to touch the system.
 *
 * VNET_FAULT=STEP[:errno] makes the step named STEP fail with that errno
 * (default EIO) before it touches anything: returns the negative errno. A
 * comma-separated list names several steps (e.g. "dnsmasq,undo:bridge": start
 * fails at dnsmasq and its rollback cannot remove the bridge).
 * VNET_CRASH=STEP kills the process with SIGKILL there. Otherwise 0.
 * Only honoured in builds configured with --enable-fault-injection; in any
 * other build this always returns 0 and reads no environment.
 */
int vn_fault_point(const char *step);
