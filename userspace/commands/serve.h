/* serve.h: the `bpfprof serve` command. */
#ifndef SERVE_H
#define SERVE_H

/* argv[0] is "serve". Returns the process exit status. */
int serve_main(int argc, char **argv);

#endif
