/*
 * pgauth.c - SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL's server
 * speaks it, over the users of auth.h: the server knows each password,
 * so it derives the salted password per connection from a random salt.
 *
 *   server: AuthenticationSASL "SCRAM-SHA-256"
 *   client: SASLInitialResponse "n,,n=,r=CNONCE"
 *   server: AuthenticationSASLContinue "r=CNONCE SNONCE,s=SALT,i=4096"
 *   client: SASLResponse "c=biws,r=CNONCE SNONCE,p=PROOF"
 *   server: checks PROOF; AuthenticationSASLFinal "v=SIGNATURE", then Ok
 */
#include "pgauth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

#define SCRAM_ITER 4096

static int b64(const uint8_t *p, size_t n, char *out, size_t outn)
{
	if (outn < 4 * ((n + 2) / 3) + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static int unb64(const char *s, size_t n, uint8_t *out, size_t outn)
{
	int k;
	if (n % 4 || outn < n / 4 * 3)
		return -1;
	k = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (k < 0)
		return -1;
	while (n && s[n - 1] == '=') {   /* EVP_DecodeBlock counts padding as bytes */
		k--;
		n--;
	}
	return k;
}

static void hmac(const uint8_t *key, size_t klen, const void *msg, size_t n, uint8_t out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len);
}

int gt_pg_scram_start(struct gt_pg_scram *sc, const char *password, const uint8_t *first, size_t n,
		      struct gt_buf *reply, struct gt_err *err)
{
	uint8_t salt[16], nonce[18];
	char salt64[32], nonce64[32];
	const char *bare, *r;
	size_t bn;

	memset(sc, 0, sizeof(*sc));
	/* gs2 header: "n,," (no channel binding) or "y,,"; then the bare message */
	if (n < 3 || (first[0] != 'n' && first[0] != 'y') || first[1] != ',' || first[2] != ',')
		return gt_errf(err, GT_EINVAL, "SCRAM: channel binding is not supported");
	bare = (const char *)first + 3;
	bn = n - 3;
	if (bn >= sizeof(sc->client_first) || memchr(bare, 0, bn))
		return gt_errf(err, GT_EINVAL, "SCRAM: malformed client-first message");
	memcpy(sc->client_first, bare, bn);
	sc->client_first[bn] = 0;
	r = strstr(sc->client_first, ",r=");
	if (strncmp(sc->client_first, "n=", 2) || !r)
		return gt_errf(err, GT_EINVAL, "SCRAM: malformed client-first message");
	r += 3;
	if (RAND_bytes(salt, sizeof(salt)) != 1 || RAND_bytes(nonce, sizeof(nonce)) != 1)
		return gt_errf(err, GT_EIO, "SCRAM: no random bytes");
	b64(salt, sizeof(salt), salt64, sizeof(salt64));
	b64(nonce, sizeof(nonce), nonce64, sizeof(nonce64));
	snprintf(sc->nonce, sizeof(sc->nonce), "%.*s%s", (int)strcspn(r, ","), r, nonce64);
	snprintf(sc->server_first, sizeof(sc->server_first), "r=%s,s=%s,i=%d", sc->nonce, salt64, SCRAM_ITER);
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof(salt), SCRAM_ITER, EVP_sha256(), 32,
			      sc->salted) != 1)
		return gt_errf(err, GT_EIO, "SCRAM: key derivation failed");
	return gt_buf_addstr(reply, sc->server_first);
}

int gt_pg_scram_finish(struct gt_pg_scram *sc, const uint8_t *final, size_t n, struct gt_buf *reply,
		       struct gt_err *err)
{
	char msg[1024], auth[2048], sig64[64];
	const char *p;
	uint8_t client_key[32], stored[32], csig[32], proof[40], server_key[32], ssig[32];
	size_t without_proof;
	int plen, rc = 0;

	if (n >= sizeof(msg) || memchr(final, 0, n))
		return gt_errf(err, GT_EINVAL, "SCRAM: malformed client-final message");
	memcpy(msg, final, n);
	msg[n] = 0;
	p = strstr(msg, ",p=");
	if (!p || strncmp(msg, "c=", 2))
		return gt_errf(err, GT_EINVAL, "SCRAM: malformed client-final message");
	without_proof = (size_t)(p - msg);
	{
		const char *r = strstr(msg, ",r=");
		size_t nl = strlen(sc->nonce);
		if (!r || r > p || strncmp(r + 3, sc->nonce, nl) || (r[3 + nl] != ',' && r[3 + nl]))
			return gt_errf(err, GT_EINVAL, "SCRAM: nonce mismatch");
	}
	plen = unb64(p + 3, strlen(p + 3), proof, sizeof(proof));
	if (plen != 32)
		return gt_errf(err, GT_EINVAL, "SCRAM: malformed proof");
	snprintf(auth, sizeof(auth), "%s,%s,%.*s", sc->client_first, sc->server_first, (int)without_proof, msg);
	hmac(sc->salted, 32, "Client Key", 10, client_key);
	EVP_Digest(client_key, 32, stored, NULL, EVP_sha256(), NULL);
	hmac(stored, 32, auth, strlen(auth), csig);
	/* ClientKey' = proof XOR ClientSignature must hash to StoredKey */
	for (int i = 0; i < 32; i++)
		client_key[i] = proof[i] ^ csig[i];
	EVP_Digest(client_key, 32, csig, NULL, EVP_sha256(), NULL);
	if (CRYPTO_memcmp(csig, stored, 32))
		rc = GT_EINVAL;
	hmac(sc->salted, 32, "Server Key", 10, server_key);
	hmac(server_key, 32, auth, strlen(auth), ssig);
	OPENSSL_cleanse(sc->salted, sizeof(sc->salted));
	if (rc)
		return gt_errf(err, rc, "SCRAM: wrong password");
	b64(ssig, 32, sig64, sizeof(sig64));
	if (gt_buf_addstr(reply, "v=") || gt_buf_addstr(reply, sig64))
		return GT_ENOMEM;
	return 0;
}
