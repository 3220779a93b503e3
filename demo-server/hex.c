/* hex.c: hex encoding for responses and decoding for --key. */
#include <string.h>

#include "hex.h"

static const char hex_digits[] = "0123456789abcdef";

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char byte = in[i];
		out[2 * i] = hex_digits[byte >> 4];
		out[2 * i + 1] = hex_digits[byte & 0x0f];
	}
	out[2 * n] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *n)
{
	size_t digits = strlen(hex);

	if (digits % 2 != 0 || digits / 2 > cap)
		return -1;
	for (size_t i = 0; i < digits / 2; i++) {
		int high = hex_value(hex[2 * i]);
		int low = hex_value(hex[2 * i + 1]);
		if (high < 0 || low < 0)
			return -1;
		out[i] = (unsigned char)(high << 4 | low);
	}
	*n = digits / 2;
	return 0;
}
