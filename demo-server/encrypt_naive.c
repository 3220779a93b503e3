/*
 * encrypt_naive.c: the deliberately wasteful encryptData, the C twin of the
 * first version in the classic Go profiling tutorial. Every cost here is one
 * a real service could carry unnoticed and one a profile makes obvious;
 * docs/encrypt-lab.md lists each with the fix encrypt_fast.c applies.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cipher.h"
#include "encrypt.h"

/* Guards the random device as if it were a shared resource: every request
 * queues here, which the lock-contention profile will show. */
static pthread_mutex_t random_device_lock = PTHREAD_MUTEX_INITIALIZER;

static int read_full(int fd, unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t got = read(fd, buf, len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		buf += got;
		len -= (size_t)got;
	}
	return 0;
}

/* Opening /dev/urandom per call is the C form of io.ReadFull(rand.Reader):
 * three system calls for sixteen bytes. */
static int read_random_iv(unsigned char *iv, size_t len)
{
	int rc = -1;

	pthread_mutex_lock(&random_device_lock);
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		rc = read_full(fd, iv, len);
		close(fd);
	}
	pthread_mutex_unlock(&random_device_lock);
	return rc;
}

/* One snprintf per byte: format parsing and a call for every two digits. */
static char *hex_encode_with_snprintf(const unsigned char *bytes, size_t len)
{
	char *hex = malloc(2 * len + 1);

	if (hex == NULL)
		return NULL;
	hex[0] = '\0';
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
	return hex;
}

static char *encryptData(const struct encrypt_key *key, const unsigned char *plaintext, size_t len, size_t *hex_len)
{
	unsigned char iv[AES_IV_LEN];
	unsigned char *encrypted = NULL, *joined = NULL;
	char *hex = NULL;
	int written, final_written;

	/* A new context per call redoes the cipher lookup and the key schedule. */
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || read_random_iv(iv, sizeof(iv)) != 0)
		goto out;
	if (EVP_EncryptInit_ex(ctx, cipher_for_key(key), NULL, key->bytes, iv) != 1)
		goto out;

	/* The scratch buffer, then a second one to prepend the IV: the
	 * tutorial's make() followed by append(). */
	encrypted = malloc(len + 1);
	if (encrypted == NULL)
		goto out;
	if (EVP_EncryptUpdate(ctx, encrypted, &written, plaintext, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, encrypted + written, &final_written) != 1)
		goto out;
	joined = malloc(AES_IV_LEN + len);
	if (joined == NULL)
		goto out;
	memcpy(joined, iv, AES_IV_LEN);
	memcpy(joined + AES_IV_LEN, encrypted, len);

	hex = hex_encode_with_snprintf(joined, AES_IV_LEN + len);
	if (hex != NULL)
		*hex_len = 2 * (AES_IV_LEN + len);
out:
	free(joined);
	free(encrypted);
	EVP_CIPHER_CTX_free(ctx);
	return hex;
}

const struct encryptor naive_encryptor = {
	.name = "naive",
	.encrypt = encryptData,
};
