/* test_text_escape.c: the UTF-8 check and the JSON and markup escapers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text_escape.h"

static char *json(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	json_write_string(out, s);
	assert_int_equal(fclose(out), 0);
	return text;
}

static char *markup(const char *s, size_t max_chars)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	markup_write_text(out, s, max_chars);
	assert_int_equal(fclose(out), 0);
	return text;
}

#define ASSERT_JSON(in, want)                                                                                          \
	do {                                                                                                           \
		char *got = json(in);                                                                                  \
		assert_string_equal(got, want);                                                                        \
		free(got);                                                                                             \
	} while (0)

#define ASSERT_MARKUP(in, max, want)                                                                                   \
	do {                                                                                                           \
		char *got = markup(in, max);                                                                           \
		assert_string_equal(got, want);                                                                        \
		free(got);                                                                                             \
	} while (0)

static void utf8_lengths_accept_only_well_formed_characters(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_length("a"), 1);
	assert_int_equal(utf8_char_length("\x01"), 1);
	assert_int_equal(utf8_char_length(""), 0);
	assert_int_equal(utf8_char_length("\xc3\xa9"), 2);	   /* é */
	assert_int_equal(utf8_char_length("\xe2\x82\xac"), 3);	   /* € */
	assert_int_equal(utf8_char_length("\xf0\x9f\x94\xa5"), 4); /* U+1F525 */
	assert_int_equal(utf8_char_length("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF, the last */
	assert_int_equal(utf8_char_length("\xef\xbf\xbf"), 3);	   /* U+FFFF is UTF-8, whatever XML says */
	assert_int_equal(utf8_char_length("\x80"), 0);		   /* a continuation alone */
	assert_int_equal(utf8_char_length("\xff"), 0);		   /* never in UTF-8 */
	assert_int_equal(utf8_char_length("\xc0\xaf"), 0);	   /* overlong '/' */
	assert_int_equal(utf8_char_length("\xe0\x80\xaf"), 0);	   /* overlong in three */
	assert_int_equal(utf8_char_length("\xf0\x80\x80\xaf"), 0); /* overlong in four */
	assert_int_equal(utf8_char_length("\xed\xa0\x80"), 0);	   /* a surrogate, U+D800 */
	assert_int_equal(utf8_char_length("\xf4\x90\x80\x80"), 0); /* past U+10FFFF */
	assert_int_equal(utf8_char_length("\xe2\x82"), 0);	   /* cut short by the end */
	assert_int_equal(utf8_char_length("\xe2\x82x"), 0);	   /* cut short by a character */
}

static void counts_give_one_per_character_or_bad_byte(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_count(""), 0);
	assert_int_equal(utf8_char_count("main"), 4);
	assert_int_equal(utf8_char_count("caf\xc3\xa9 \xe2\x82\xac"), 6);
	assert_int_equal(utf8_char_count("a\xe2\x82"), 3);
}

static void json_escapes_quotes_controls_and_bad_bytes(void **state)
{
	(void)state;
	ASSERT_JSON("plain", "\"plain\"");
	ASSERT_JSON(NULL, "\"\"");
	ASSERT_JSON("a\"b\\c\n\x01 operator<< \xc3\xa9 \xff \xe2\x82",
		    "\"a\\\"b\\\\c\\u000a\\u0001 operator<< \xc3\xa9 \\ufffd \\ufffd\\ufffd\"");
	/* A surrogate in UTF-8 is no character: JSON parsers reject or mangle it. */
	ASSERT_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	ASSERT_JSON("tab\there\x7f", "\"tab\\u0009here\x7f\"");
}

static void markup_escapes_references_and_what_xml_cannot_carry(void **state)
{
	(void)state;
	ASSERT_MARKUP("std::vector<int>::push_back", SIZE_MAX, "std::vector&lt;int&gt;::push_back");
	ASSERT_MARKUP("<&>\"'", SIZE_MAX, "&lt;&amp;&gt;&quot;&#39;");
	ASSERT_MARKUP("bad\xff\x01utf8", SIZE_MAX, "bad\xef\xbf\xbd\xef\xbf\xbdutf8");
	ASSERT_MARKUP("x\xef\xbf\xbe\xef\xbf\xbfy", SIZE_MAX, "x\xef\xbf\xbd\xef\xbf\xbdy");
	ASSERT_MARKUP("tab\tline\nend\r", SIZE_MAX, "tab\tline\nend\r");
	ASSERT_MARKUP("]]></script><script>", SIZE_MAX, "]]&gt;&lt;/script&gt;&lt;script&gt;");
	ASSERT_MARKUP("caf\xc3\xa9", SIZE_MAX, "caf\xc3\xa9");
	ASSERT_MARKUP("", SIZE_MAX, "");
}

static void markup_stops_after_max_characters(void **state)
{
	(void)state;
	ASSERT_MARKUP("abcdef", 3, "abc");
	ASSERT_MARKUP("\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9"); /* characters, not bytes */
	ASSERT_MARKUP("<<<<", 2, "&lt;&lt;");
	ASSERT_MARKUP("\xff\xff\xff", 1, "\xef\xbf\xbd");
	ASSERT_MARKUP("abc", 0, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_lengths_accept_only_well_formed_characters),
		cmocka_unit_test(counts_give_one_per_character_or_bad_byte),
		cmocka_unit_test(json_escapes_quotes_controls_and_bad_bytes),
		cmocka_unit_test(markup_escapes_references_and_what_xml_cannot_carry),
		cmocka_unit_test(markup_stops_after_max_characters),
	};
	return cmocka_run_group_tests_name("text_escape", tests, NULL, NULL);
}
