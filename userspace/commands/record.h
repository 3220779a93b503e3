/* record.h: the `bpfprof record` command. */
#ifndef RECORD_H
#define RECORD_H

/* argv[0] is "record". Returns the process exit status. */
int record_main(int argc, char **argv);

#endif
