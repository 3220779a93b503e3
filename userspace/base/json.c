/* json.c: JSON string escaping that keeps any symbol name valid. */
#include <stdint.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static int utf8_sequence_length(const unsigned char *s)
{
	int len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	for (int i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	fputc('"', out);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p++, out);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, out);
		} else {
			int len = utf8_sequence_length(p);
			if (len == 0) {
				fputs("\\ufffd", out);
				p++;
			} else {
				fwrite(p, 1, (size_t)len, out);
				p += len;
			}
		}
	}
	fputc('"', out);
}
