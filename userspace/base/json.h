/* json.h: the few JSON writing helpers the HTTP API needs. */
#ifndef JSON_H
#define JSON_H

#include <stdio.h>

/* Writes s as a JSON string: quoted, escaped, invalid UTF-8 replaced by U+FFFD. */
void json_write_string(FILE *out, const char *s);

#endif
