/* digest.h — message digests, through OpenSSL's libcrypto: the only file
 * that includes it. */
#ifndef WEFT_DIGEST_H
#define WEFT_DIGEST_H

#include <stddef.h>

#include "buf.h"

/* Appends the MD5 of data as 32 lower-case hex digits (ikiwiki names
 * comment files and anchors with it). */
void digest_md5_hex(struct buf *out, const void *data, size_t len);
/* Appends the SHA-256 of data as 64 lower-case hex digits. */
void digest_sha256_hex(struct buf *out, const void *data, size_t len);

#endif
