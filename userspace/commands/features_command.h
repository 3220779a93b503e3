/* features_command.h: `bpfprof features [--markdown]`: each kernel feature and
 * whether this kernel has it, then each profile kind and whether it works
 * here; --markdown prints the static table docs/kernels.md holds. */
#ifndef FEATURES_COMMAND_H
#define FEATURES_COMMAND_H

int features_main(int argc, char **argv);

#endif
