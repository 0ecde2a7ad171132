/* digest.c — MD5 and SHA-256 through libcrypto's EVP interface. */
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

static void
hex(struct buf *out, const EVP_MD *md, const void *data, size_t len)
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(data, len, sum, &n, md, NULL)) {
		fprintf(stderr, "weft: the digest failed\n");
		abort();
	}
	for (i = 0; i < n; i++)
		buf_printf(out, "%02x", sum[i]);
}

void
digest_md5_hex(struct buf *out, const void *data, size_t len)
{
	hex(out, EVP_md5(), data, len);
}

void
digest_sha256_hex(struct buf *out, const void *data, size_t len)
{
	hex(out, EVP_sha256(), data, len);
}
