/*
 * text_escape.h: strings from anywhere (symbol names of arbitrary binaries,
 * command lines, labels) written into JSON, XML and HTML. One UTF-8 check
 * serves all three, so a byte sequence that is not a character becomes
 * U+FFFD the same way in every format instead of breaking the document.
 */
#ifndef TEXT_ESCAPE_H
#define TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Bytes (1 to 4) of the well-formed UTF-8 character s starts with, or 0
 * when it starts none: a stray continuation byte, a truncated sequence, an
 * overlong form, a UTF-16 surrogate or a value past U+10FFFF. 0 for the
 * terminating NUL too; s is NUL-terminated.
 */
size_t utf8_char_length(const char *s);

/* Characters in s, each byte of a malformed sequence counting as one (as
 * each becomes one U+FFFD when written). */
size_t utf8_char_count(const char *s);

/* s as a quoted JSON string: '"', '\' and control characters escaped,
 * malformed UTF-8 as "\ufffd". NULL writes "". */
void json_write_string(FILE *out, const char *s);

/*
 * At most max_chars characters of s as XML or HTML character data, safe in
 * an attribute value too: & < > " ' as references, and U+FFFD in place of
 * malformed UTF-8 and of what XML 1.0 cannot carry at all (control
 * characters other than tab and line ends, U+FFFE, U+FFFF).
 */
void markup_write_text(FILE *out, const char *s, size_t max_chars);

#endif
