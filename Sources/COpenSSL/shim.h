#ifndef COUNTERSIGN_COPENSSL_SHIM_H
#define COUNTERSIGN_COPENSSL_SHIM_H
// OpenSSL 3 for Swift. The include path comes from pkg-config (openssl), never
// a hard-coded directory. Only what Swift cannot import by itself lives here:
// function-like macros are re-exposed as `static inline` functions named
// `countersign_<macro>`, with the macro's own argument order and C types.

#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// EVP_KDF, EVP_MAC and OSSL_PARAM, which the Cryptography module is built on,
// first appeared in OpenSSL 3.0.
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "Countersign needs OpenSSL 3.0 or later (libssl-dev)"
#endif

// MARK: - Memory (crypto.h)

/// OPENSSL_free: releases memory that OpenSSL allocated and handed to the caller
/// (for example X509_NAME_oneline(name, NULL, 0) or i2d_X509(cert, &out) output).
static inline void countersign_OPENSSL_free(void *addr) {
    OPENSSL_free(addr);
}

/// OPENSSL_clear_free: cleanses `num` bytes, then frees OpenSSL-allocated memory.
static inline void countersign_OPENSSL_clear_free(void *addr, size_t num) {
    OPENSSL_clear_free(addr, num);
}

// MARK: - TLS (ssl.h, tls1.h), for the HTTP module's TLS layer

/// SSL_CTX_set_min_proto_version: returns 1 on success, 0 on failure.
static inline long countersign_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

/// SSL_CTX_set_max_proto_version: returns 1 on success, 0 on failure.
static inline long countersign_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}

/// SSL_CTX_set_mode: returns the new mode bit mask.
static inline long countersign_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

/// SSL_set_mode: returns the new mode bit mask.
static inline long countersign_SSL_set_mode(SSL *ssl, long mode) {
    return SSL_set_mode(ssl, mode);
}

/// SSL_set_tlsext_host_name: sets the SNI host name a client sends; 1 on success.
static inline long countersign_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// SSL_CTX_set1_groups_list: restricts key-exchange groups, e.g. "X25519:P-256"; 1 on success.
static inline long countersign_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}

// SSL_OP_* options are built with the function-like macro SSL_OP_BIT(n), so
// Swift does not import them; these constants carry the header's own values.
static const uint64_t countersign_SSL_OP_IGNORE_UNEXPECTED_EOF = SSL_OP_IGNORE_UNEXPECTED_EOF;
static const uint64_t countersign_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const uint64_t countersign_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t countersign_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t countersign_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;

#endif
