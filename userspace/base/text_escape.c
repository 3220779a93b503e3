/*
 * text_escape.c: the UTF-8 check and the JSON and markup escapers built on
 * it. Runs of bytes that need nothing are written with one fwrite, since
 * flamegraph JSON and SVG are mostly plain names.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text_escape.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static bool is_continuation(unsigned char byte)
{
	return (byte & 0xc0) == 0x80;
}

size_t utf8_char_length(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return is_continuation(s[1]) ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		bool overlong = s[0] == 0xe0 && s[1] < 0xa0;
		bool surrogate = s[0] == 0xed && s[1] >= 0xa0;
		return is_continuation(s[1]) && is_continuation(s[2]) && !overlong && !surrogate ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		bool overlong = s[0] == 0xf0 && s[1] < 0x90;
		bool too_big = s[0] == 0xf4 && s[1] >= 0x90;
		return is_continuation(s[1]) && is_continuation(s[2]) && is_continuation(s[3]) && !overlong && !too_big
			       ? 4
			       : 0;
	}
	return 0;
}

size_t utf8_char_count(const char *s)
{
	size_t count = 0;

	while (*s != '\0') {
		size_t len = utf8_char_length(s);
		s += len ? len : 1;
		count++;
	}
	return count;
}

void json_write_string(FILE *out, const char *s)
{
	const char *run = s != NULL ? s : "";
	const char *p = run;

	fputc('"', out);
	while (*p != '\0') {
		unsigned char c = (unsigned char)*p;
		size_t len = utf8_char_length(p);
		if (len > 0 && c >= 0x20 && c != '"' && c != '\\') {
			p += len;
			continue;
		}
		fwrite(run, 1, (size_t)(p - run), out);
		if (len == 0)
			fputs("\\ufffd", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fprintf(out, "\\%c", c);
		run = ++p;
	}
	fwrite(run, 1, (size_t)(p - run), out);
	fputc('"', out);
}

/* The reference for a character markup must escape, NULL for one it can
 * carry as it is, "" for one it cannot carry at all. */
static const char *markup_reference(const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];

	if (len == 0)
		return "";
	if (len == 3 && memcmp(s, "\xef\xbf", 2) == 0 && ((unsigned char)s[2] & 0xfe) == 0xbe)
		return ""; /* U+FFFE, U+FFFF */
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		return c < 0x20 ? "" : NULL;
	}
}

void markup_write_text(FILE *out, const char *s, size_t max_chars)
{
	const char *run = s, *p = s;

	for (size_t written = 0; *p != '\0' && written < max_chars; written++) {
		size_t len = utf8_char_length(p);
		const char *reference = markup_reference(p, len);
		if (reference == NULL) {
			p += len;
			continue;
		}
		fwrite(run, 1, (size_t)(p - run), out);
		fputs(reference[0] != '\0' ? reference : replacement, out);
		p += len ? len : 1;
		run = p;
	}
	fwrite(run, 1, (size_t)(p - run), out);
}
