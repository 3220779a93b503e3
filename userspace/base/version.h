/*
 * version.h: the agent's version, which the CLI, the served pages, the UI's
 * API and every profile's first comment print. A header rather than a
 * compiler flag, so that changing it rebuilds what prints it.
 */
#ifndef BPFPROF_VERSION_H
#define BPFPROF_VERSION_H

#define BPFPROF_VERSION "0.1.0"

#endif
