/*
 * encrypt_key.c: AES keys for the lab (parsing --key, making a random one)
 * and the choice of implementation by name.
 */
#include <string.h>

#include <openssl/rand.h>

#include "encrypt.h"
#include "hex.h"

const struct encryptor *encryptor_find(const char *name)
{
	if (strcmp(name, naive_encryptor.name) == 0)
		return &naive_encryptor;
	if (strcmp(name, fast_encryptor.name) == 0)
		return &fast_encryptor;
	return NULL;
}

int encrypt_key_from_hex(struct encrypt_key *key, const char *hex)
{
	size_t n;

	if (hex_decode(hex, key->bytes, sizeof(key->bytes), &n) != 0)
		return -1;
	if (n != 16 && n != 32)
		return -1;
	key->len = n;
	return 0;
}

int encrypt_key_random(struct encrypt_key *key, size_t len)
{
	if ((len != 16 && len != 32) || RAND_bytes(key->bytes, (int)len) != 1)
		return -1;
	key->len = len;
	return 0;
}
