/* demangle.h: C++ symbol demangling, when the system can do it. */
#ifndef DEMANGLE_H
#define DEMANGLE_H

/* A malloc'd demangled form of a mangled C++ name (or of a Go assembly
 * function's, without its ABI suffix), or NULL when the name is not
 * mangled or no demangler is available. */
char *demangle(const char *name);

#endif
