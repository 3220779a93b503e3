/*
 * fuzz_http_params.c: the agent's parsing of what HTTP clients and the
 * command line send it: a query value as a whole number (?seconds=,
 * ?debug=, ?older_than=, as http_query_number reads them) and the --listen
 * HOST:PORT address. Besides not crashing, each must keep its rule: a
 * number is accepted only when the whole value is one, in range, and it is
 * the value written; an address only when it names a host and a port.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "http_reply.h"
#include "listen.h"

/* An independent statement of the number rule: optional blanks, an
 * optional sign, then decimal digits to the very end, whose value fits a
 * long. Written without strtol so that the two can disagree. */
static int reference_number(const char *text, long *value)
{
	const char *p = text;
	bool negative = false;
	unsigned long long magnitude = 0, limit = (unsigned long long)LONG_MAX + 1;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (magnitude > (limit - digit) / 10)
			return -1;
		magnitude = magnitude * 10 + digit;
	}
	if (*p != '\0' || (!negative && magnitude == limit))
		return -1;
	*value = negative ? (long)(0 - magnitude) : (long)magnitude;
	return 0;
}

static void check_number(const char *text)
{
	long value = 12345, expected = 0;
	int rc = http_parse_number(text, &value);
	int want = reference_number(text, &expected);

	EXPECT(rc == want);
	if (rc == 0) {
		EXPECT(value == expected);
		/* The canonical spelling of what was read reads back the same. */
		char again[32];
		long reread;
		snprintf(again, sizeof(again), "%ld", value);
		EXPECT(http_parse_number(again, &reread) == 0 && reread == value);
	}
}

static void check_listen(const char *text)
{
	struct listen_address addr;
	char err[512];

	memset(&addr, 0x5a, sizeof(addr));
	if (listen_address_parse(text, &addr, err, sizeof(err)) != 0) {
		EXPECT(memchr(err, '\0', sizeof(err)) != NULL && strstr(err, "--listen takes HOST:PORT") == err);
		return;
	}
	EXPECT(addr.port >= 0 && addr.port <= 65535);
	size_t host_len = strnlen(addr.host, sizeof(addr.host));
	EXPECT(host_len < sizeof(addr.host));
	/* What was parsed is in the text: the host, then ":" and the port. */
	const char *colon = strrchr(text, ':');
	EXPECT(colon != NULL);
	long written;
	EXPECT(http_parse_number(colon + 1, &written) == 0 && written == addr.port);
	EXPECT(host_len == 0 || memmem(text, (size_t)(colon - text), addr.host, host_len) != NULL);
	/* An IPv6 host keeps its colons only inside brackets. */
	EXPECT(strchr(addr.host, ':') == NULL || text[0] == '[');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Query values and flags arrive as C strings: the text up to the
	 * first NUL, as libmicrohttpd and argv would cut it. */
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_number(text);
	check_listen(text);
	long untouched = 7;
	EXPECT(http_parse_number(NULL, &untouched) == 1 && untouched == 7);
	free(text);
	return 0;
}
