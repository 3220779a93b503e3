/*
 * encrypt.h: the encryptData contract shared by the two implementations, the
 * server and the benchmarks. Both produce hex(IV || AES-CFB128(plaintext)).
 */
#ifndef ENCRYPT_H
#define ENCRYPT_H

#include <stddef.h>

#define AES_IV_LEN  16
#define AES_KEY_MAX 32

struct encrypt_key {
	unsigned char bytes[AES_KEY_MAX];
	size_t len; /* 16 for AES-128, 32 for AES-256 */
};

/*
 * Returns a malloc'd, NUL-terminated lowercase hex string of
 * 2 * (AES_IV_LEN + len) characters, its length in *hex_len; NULL on failure.
 */
typedef char *(*encrypt_fn)(const struct encrypt_key *key, const unsigned char *plaintext, size_t len, size_t *hex_len);

struct encryptor {
	const char *name;
	encrypt_fn encrypt;
};

extern const struct encryptor naive_encryptor;
extern const struct encryptor fast_encryptor;

/* NULL when the name is neither "naive" nor "fast". */
const struct encryptor *encryptor_find(const char *name);

/* 0 on success; -1 when hex is not 32 or 64 hex digits. */
int encrypt_key_from_hex(struct encrypt_key *key, const char *hex);
/* 0 on success; len must be 16 or 32. */
int encrypt_key_random(struct encrypt_key *key, size_t len);

#endif
