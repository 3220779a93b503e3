/*
 * test_encrypt.c: both encryptData implementations against OpenSSL's own
 * decryption, at edge sizes and with both key lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "encrypt.h"
#include "hex.h"

static const size_t edge_sizes[] = {0, 1, 15, 16, 17, 1000, 1024 * 1024};

static void decrypt_cfb(const struct encrypt_key *key, const unsigned char *iv, const unsigned char *in, size_t len,
			unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *cipher = key->len == 32 ? EVP_aes_256_cfb128() : EVP_aes_128_cfb128();
	int written = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex(ctx, cipher, NULL, key->bytes, iv), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &written, in, (int)len), 1);
	assert_int_equal((size_t)written, len);
	EVP_CIPHER_CTX_free(ctx);
}

/* Encrypts, checks the output's shape, decrypts it and compares. */
static void assert_round_trip(const struct encryptor *impl, const struct encrypt_key *key, size_t len)
{
	unsigned char *plain = malloc(len + 1), *raw = malloc(AES_IV_LEN + len), *back = malloc(len + 1);
	size_t hex_len = 0, raw_len = 0;

	for (size_t i = 0; i < len; i++)
		plain[i] = (unsigned char)(i * 131 + 7);
	char *hex = impl->encrypt(key, plain, len, &hex_len);
	assert_non_null(hex);
	assert_int_equal(hex_len, 2 * (AES_IV_LEN + len));
	assert_int_equal(strlen(hex), hex_len);
	for (size_t i = 0; i < hex_len; i++)
		assert_true((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));
	assert_int_equal(hex_decode(hex, raw, AES_IV_LEN + len, &raw_len), 0);
	decrypt_cfb(key, raw, raw + AES_IV_LEN, len, back);
	assert_memory_equal(back, plain, len);
	free(hex);
	free(back);
	free(raw);
	free(plain);
}

static void round_trips(const struct encryptor *impl, size_t key_len)
{
	struct encrypt_key key;

	assert_int_equal(encrypt_key_random(&key, key_len), 0);
	for (size_t i = 0; i < sizeof(edge_sizes) / sizeof(edge_sizes[0]); i++)
		assert_round_trip(impl, &key, edge_sizes[i]);
}

static void naive_round_trips_aes128(void **state)
{
	(void)state;
	round_trips(&naive_encryptor, 16);
}

static void naive_round_trips_aes256(void **state)
{
	(void)state;
	round_trips(&naive_encryptor, 32);
}

static void fast_round_trips_aes128(void **state)
{
	(void)state;
	round_trips(&fast_encryptor, 16);
}

static void fast_round_trips_aes256(void **state)
{
	(void)state;
	round_trips(&fast_encryptor, 32);
}

/* The fast path caches a key schedule per thread; changing keys on one
 * thread must never encrypt under the previous key. */
static void fast_follows_key_changes(void **state)
{
	struct encrypt_key a, b;
	(void)state;

	assert_int_equal(encrypt_key_random(&a, 16), 0);
	assert_int_equal(encrypt_key_random(&b, 32), 0);
	for (int i = 0; i < 3; i++) {
		assert_round_trip(&fast_encryptor, &a, 40);
		assert_round_trip(&fast_encryptor, &b, 40);
	}
	b.len = 16; /* same first 16 bytes as a different AES-128 key */
	assert_round_trip(&fast_encryptor, &b, 40);
}

static void each_call_draws_a_new_iv(void **state)
{
	struct encrypt_key key;
	const struct encryptor *impls[] = {&naive_encryptor, &fast_encryptor};
	(void)state;

	assert_int_equal(encrypt_key_random(&key, 16), 0);
	for (size_t i = 0; i < 2; i++) {
		size_t n1, n2;
		char *first = impls[i]->encrypt(&key, (const unsigned char *)"same", 4, &n1);
		char *second = impls[i]->encrypt(&key, (const unsigned char *)"same", 4, &n2);
		assert_non_null(first);
		assert_non_null(second);
		assert_memory_not_equal(first, second, 2 * AES_IV_LEN);
		free(first);
		free(second);
	}
}

static void encryptors_resolve_by_exact_name(void **state)
{
	(void)state;
	assert_ptr_equal(encryptor_find("naive"), &naive_encryptor);
	assert_ptr_equal(encryptor_find("fast"), &fast_encryptor);
	assert_null(encryptor_find("Fast"));
	assert_null(encryptor_find(""));
}

static void key_parsing_accepts_128_and_256_bits_only(void **state)
{
	struct encrypt_key key;
	(void)state;

	assert_int_equal(encrypt_key_from_hex(&key, "000102030405060708090a0b0c0d0e0f"), 0);
	assert_int_equal(key.len, 16);
	assert_int_equal(key.bytes[15], 0x0f);
	assert_int_equal(encrypt_key_from_hex(&key, "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"),
			 0);
	assert_int_equal(key.len, 32);
	assert_int_equal(encrypt_key_from_hex(&key, "0001020304050607"), -1);
	assert_int_equal(encrypt_key_from_hex(&key, "000102030405060708090a0b0c0d0e0f00"), -1);
	assert_int_equal(encrypt_key_from_hex(&key, "zz0102030405060708090a0b0c0d0e0f"), -1);
	assert_int_equal(encrypt_key_random(&key, 24), -1);
}

/* A known answer pins the mode and IV convention: the NIST SP 800-38A
 * CFB128-AES128 vector, its IV put in front as the server does. */
static void matches_nist_cfb128_vector(void **state)
{
	struct encrypt_key key;
	unsigned char iv[AES_IV_LEN], plain[16], expect[16], out[16];
	size_t n;
	(void)state;

	assert_int_equal(encrypt_key_from_hex(&key, "2b7e151628aed2a6abf7158809cf4f3c"), 0);
	assert_int_equal(hex_decode("000102030405060708090a0b0c0d0e0f", iv, sizeof(iv), &n), 0);
	assert_int_equal(hex_decode("6bc1bee22e409f96e93d7e117393172a", plain, sizeof(plain), &n), 0);
	assert_int_equal(hex_decode("3b3fd92eb72dad20333449f8e83cfb4a", expect, sizeof(expect), &n), 0);
	decrypt_cfb(&key, iv, expect, sizeof(expect), out);
	assert_memory_equal(out, plain, sizeof(plain));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(naive_round_trips_aes128),
		cmocka_unit_test(naive_round_trips_aes256),
		cmocka_unit_test(fast_round_trips_aes128),
		cmocka_unit_test(fast_round_trips_aes256),
		cmocka_unit_test(fast_follows_key_changes),
		cmocka_unit_test(each_call_draws_a_new_iv),
		cmocka_unit_test(encryptors_resolve_by_exact_name),
		cmocka_unit_test(key_parsing_accepts_128_and_256_bits_only),
		cmocka_unit_test(matches_nist_cfb128_vector),
	};
	return cmocka_run_group_tests_name("encrypt", tests, NULL, NULL);
}
