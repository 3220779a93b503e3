/* cipher.h: which OpenSSL cipher a key selects; both implementations agree on it. */
#ifndef CIPHER_H
#define CIPHER_H

#include <openssl/evp.h>

#include "encrypt.h"

static inline const EVP_CIPHER *cipher_for_key(const struct encrypt_key *key)
{
	return key->len == 32 ? EVP_aes_256_cfb128() : EVP_aes_128_cfb128();
}

#endif
