/* hex.h: table-driven hex encoding and decoding. */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>

/*
 * Writes 2 * n lowercase digits and a NUL to out. `in` may alias the upper
 * half of out (in == out + n): each input byte is read before any write can
 * reach it, which lets a caller encode in place inside its final buffer.
 */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Decodes a whole string of hex digit pairs; -1 on odd length, a non-hex
 * character or more than cap bytes. */
int hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *n);

#endif
