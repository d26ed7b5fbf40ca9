/*
 * SM3 (GB/T 32905-2016) and the SM2 key derivation function (GB/T 32918.4, 5.4.3).
 *
 * Optional accelerator for ysj_protocol.crypto.sm3: OpenSSL's generic SM3 and, above all, a
 * KDF loop driven from Python (one hash object copy per 32 output bytes) are too slow for SM2
 * envelopes that carry certificate files of several MiB. Everything here is also available
 * through the pure-Python fallback; the test suite checks both against the published vectors.
 *
 * Nothing in this file handles secret-dependent branches or table lookups: SM3 is a pure
 * ARX design, so this code is constant-time with respect to the data it hashes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "pythread.h"

#include <stdint.h>
#include <string.h>

#define SM3_BLOCK 64
#define SM3_DIGEST 32
/* Updates at least this large release the GIL while they are hashed. */
#define GIL_RELEASE_MIN 8192
/* The SM2 KDF counter is 32 bits and starts at 1. */
#define KDF_MAX_LENGTH ((uint64_t)0xFFFFFFFFU * SM3_DIGEST)

typedef struct {
    uint32_t v[8];
    uint64_t nblocks;          /* full blocks already compressed */
    uint8_t buf[SM3_BLOCK];    /* pending bytes */
    size_t buflen;
} sm3_ctx;

static const uint32_t SM3_IV[8] = {
    0x7380166fU, 0x4914b2b9U, 0x172442d7U, 0xda8a0600U,
    0xa96f30bcU, 0x163138aaU, 0xe38dee4dU, 0xb0fb0e4eU,
};

/* T_j rotated left by (j mod 32), as the compression function consumes it. */
static const uint32_t SM3_K[64] = {
    0x79cc4519U, 0xf3988a32U, 0xe7311465U, 0xce6228cbU,
    0x9cc45197U, 0x3988a32fU, 0x7311465eU, 0xe6228cbcU,
    0xcc451979U, 0x988a32f3U, 0x311465e7U, 0x6228cbceU,
    0xc451979cU, 0x88a32f39U, 0x11465e73U, 0x228cbce6U,
    0x9d8a7a87U, 0x3b14f50fU, 0x7629ea1eU, 0xec53d43cU,
    0xd8a7a879U, 0xb14f50f3U, 0x629ea1e7U, 0xc53d43ceU,
    0x8a7a879dU, 0x14f50f3bU, 0x29ea1e76U, 0x53d43cecU,
    0xa7a879d8U, 0x4f50f3b1U, 0x9ea1e762U, 0x3d43cec5U,
    0x7a879d8aU, 0xf50f3b14U, 0xea1e7629U, 0xd43cec53U,
    0xa879d8a7U, 0x50f3b14fU, 0xa1e7629eU, 0x43cec53dU,
    0x879d8a7aU, 0x0f3b14f5U, 0x1e7629eaU, 0x3cec53d4U,
    0x79d8a7a8U, 0xf3b14f50U, 0xe7629ea1U, 0xcec53d43U,
    0x9d8a7a87U, 0x3b14f50fU, 0x7629ea1eU, 0xec53d43cU,
    0xd8a7a879U, 0xb14f50f3U, 0x629ea1e7U, 0xc53d43ceU,
    0x8a7a879dU, 0x14f50f3bU, 0x29ea1e76U, 0x53d43cecU,
    0xa7a879d8U, 0x4f50f3b1U, 0x9ea1e762U, 0x3d43cec5U,
};

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define P0(x) ((x) ^ ROTL((x), 9) ^ ROTL((x), 17))
#define P1(x) ((x) ^ ROTL((x), 15) ^ ROTL((x), 23))
#define FF0(x, y, z) ((x) ^ (y) ^ (z))
#define GG0(x, y, z) ((x) ^ (y) ^ (z))
/* Majority and choice, written with fewer operations than the standard's formulas. */
#define FF1(x, y, z) (((x) & (y)) | (((x) | (y)) & (z)))
#define GG1(x, y, z) ((((y) ^ (z)) & (x)) ^ (z))

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* W[k] of the message expansion, from the 16 words before it. */
#define EXPAND(k)                                                             \
    do {                                                                      \
        uint32_t x_ = w[(k) - 16] ^ w[(k) - 9] ^ ROTL(w[(k) - 3], 15);        \
        w[k] = P1(x_) ^ ROTL(w[(k) - 13], 7) ^ w[(k) - 6];                    \
    } while (0)

/*
 * One round. Instead of shifting eight registers, the caller rotates the roles of the
 * variables: after the round, D holds the new A and H holds the new E. WJ and WPJ are
 * W[j] and W'[j] = W[j] ^ W[j + 4].
 */
#define ROUND(a, b, c, d, e, f, g, h, j, WJ, WPJ, FF, GG)             \
    do {                                                              \
        uint32_t a12 = ROTL(a, 12);                                   \
        uint32_t ss1 = ROTL(a12 + e + SM3_K[j], 7);                   \
        uint32_t tt1 = FF(a, b, c) + d + (ss1 ^ a12) + (WPJ);         \
        uint32_t tt2 = GG(e, f, g) + h + ss1 + (WJ);                  \
        b = ROTL(b, 9);                                               \
        f = ROTL(f, 19);                                              \
        d = tt1;                                                      \
        h = P0(tt2);                                                  \
    } while (0)

/* Portable rounds: W[j + 4] is expanded just before round j needs it (j >= 12). */
#define PROUND(a, b, c, d, e, f, g, h, j, FF, GG)                     \
    do {                                                              \
        if ((j) >= 12) {                                              \
            EXPAND((j) + 4);                                          \
        }                                                             \
        ROUND(a, b, c, d, e, f, g, h, j, w[j], w[j] ^ w[(j) + 4], FF, GG); \
    } while (0)

#define PROUND4(j, FF, GG)                                            \
    do {                                                              \
        PROUND(A, B, C, D, E, F, G, H, (j), FF, GG);                  \
        PROUND(D, A, B, C, H, E, F, G, (j) + 1, FF, GG);              \
        PROUND(C, D, A, B, G, H, E, F, (j) + 2, FF, GG);              \
        PROUND(B, C, D, A, F, G, H, E, (j) + 3, FF, GG);              \
    } while (0)

/*
 * Expanding the whole schedule up front in a loop invites auto-vectorisation whose
 * overlapping loads defeat store forwarding (about half the speed here); expanding inside
 * the unrolled rounds avoids that and overlaps the work with the rounds.
 */
static void sm3_compress_portable(uint32_t v[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[68];
    while (nblocks--) {
        uint32_t A = v[0], B = v[1], C = v[2], D = v[3];
        uint32_t E = v[4], F = v[5], G = v[6], H = v[7];
        int j;
        for (j = 0; j < 16; j++) {
            w[j] = load_be32(p + 4 * j);
        }
        PROUND4(0, FF0, GG0);
        PROUND4(4, FF0, GG0);
        PROUND4(8, FF0, GG0);
        PROUND4(12, FF0, GG0);
        PROUND4(16, FF1, GG1);
        PROUND4(20, FF1, GG1);
        PROUND4(24, FF1, GG1);
        PROUND4(28, FF1, GG1);
        PROUND4(32, FF1, GG1);
        PROUND4(36, FF1, GG1);
        PROUND4(40, FF1, GG1);
        PROUND4(44, FF1, GG1);
        PROUND4(48, FF1, GG1);
        PROUND4(52, FF1, GG1);
        PROUND4(56, FF1, GG1);
        PROUND4(60, FF1, GG1);
        v[0] ^= A; v[1] ^= B; v[2] ^= C; v[3] ^= D;
        v[4] ^= E; v[5] ^= F; v[6] ^= G; v[7] ^= H;
        p += SM3_BLOCK;
    }
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SM3_HAVE_X86_VECTOR 1
#include <immintrin.h>

#define SM3_VECTOR_TARGET __attribute__((target("avx2,bmi2")))
#define VROTL(x, n) _mm_or_si128(_mm_slli_epi32((x), (n)), _mm_srli_epi32((x), 32 - (n)))
#define VP1(x) _mm_xor_si128(_mm_xor_si128((x), VROTL((x), 15)), VROTL((x), 23))

/*
 * The next four schedule words from the previous sixteen (x0..x3, oldest first). Lane 3
 * needs W[j], which lane 0 is computing, so it is first computed without that term and
 * then corrected: P1 is linear over XOR, so the missing P1(ROTL(W[j], 15)) can be added
 * afterwards.
 */
#define VEXPAND(x0, x1, x2, x3, out)                                                   \
    do {                                                                               \
        __m128i m9_ = _mm_alignr_epi8((x2), (x1), 12);                                 \
        __m128i m3_ = _mm_srli_si128((x3), 4);                                         \
        __m128i m13_ = _mm_alignr_epi8((x1), (x0), 12);                                \
        __m128i m6_ = _mm_alignr_epi8((x3), (x2), 8);                                  \
        __m128i t_ = _mm_xor_si128(_mm_xor_si128((x0), m9_), VROTL(m3_, 15));          \
        __m128i r_ = _mm_xor_si128(_mm_xor_si128(VP1(t_), VROTL(m13_, 7)), m6_);       \
        __m128i u_ = VROTL(r_, 15);                                                    \
        (out) = _mm_xor_si128(r_, _mm_slli_si128(VP1(u_), 12));                        \
    } while (0)

/* Four rounds on schedule group xcur (W[j..j+3]); xnext supplies W[j+4..j+7] for W'. */
#define VGROUP(j, xcur, xnext, FF, GG)                                            \
    do {                                                                          \
        _mm_store_si128((__m128i *)wj, (xcur));                                   \
        _mm_store_si128((__m128i *)wpj, _mm_xor_si128((xcur), (xnext)));          \
        ROUND(A, B, C, D, E, F, G, H, (j), wj[0], wpj[0], FF, GG);                \
        ROUND(D, A, B, C, H, E, F, G, (j) + 1, wj[1], wpj[1], FF, GG);            \
        ROUND(C, D, A, B, G, H, E, F, (j) + 2, wj[2], wpj[2], FF, GG);            \
        ROUND(B, C, D, A, F, G, H, E, (j) + 3, wj[3], wpj[3], FF, GG);            \
    } while (0)

/*
 * Same compression with the message expansion in SSE registers (VEX-encoded) and BMI2
 * rotations: the scalar units then only run the rounds, whose E chain bounds the speed.
 */
SM3_VECTOR_TARGET
static void sm3_compress_vector(uint32_t v[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    _Alignas(16) uint32_t wj[4];
    _Alignas(16) uint32_t wpj[4];
    while (nblocks--) {
        uint32_t A = v[0], B = v[1], C = v[2], D = v[3];
        uint32_t E = v[4], F = v[5], G = v[6], H = v[7];
        __m128i x0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
        __m128i x1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        __m128i x2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        __m128i x3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
        __m128i x4;
        VGROUP(0, x0, x1, FF0, GG0);
        VGROUP(4, x1, x2, FF0, GG0);
        VGROUP(8, x2, x3, FF0, GG0);
        VEXPAND(x0, x1, x2, x3, x4);
        VGROUP(12, x3, x4, FF0, GG0);
        VEXPAND(x1, x2, x3, x4, x0);
        VGROUP(16, x4, x0, FF1, GG1);
        VEXPAND(x2, x3, x4, x0, x1);
        VGROUP(20, x0, x1, FF1, GG1);
        VEXPAND(x3, x4, x0, x1, x2);
        VGROUP(24, x1, x2, FF1, GG1);
        VEXPAND(x4, x0, x1, x2, x3);
        VGROUP(28, x2, x3, FF1, GG1);
        VEXPAND(x0, x1, x2, x3, x4);
        VGROUP(32, x3, x4, FF1, GG1);
        VEXPAND(x1, x2, x3, x4, x0);
        VGROUP(36, x4, x0, FF1, GG1);
        VEXPAND(x2, x3, x4, x0, x1);
        VGROUP(40, x0, x1, FF1, GG1);
        VEXPAND(x3, x4, x0, x1, x2);
        VGROUP(44, x1, x2, FF1, GG1);
        VEXPAND(x4, x0, x1, x2, x3);
        VGROUP(48, x2, x3, FF1, GG1);
        VEXPAND(x0, x1, x2, x3, x4);
        VGROUP(52, x3, x4, FF1, GG1);
        VEXPAND(x1, x2, x3, x4, x0);
        VGROUP(56, x4, x0, FF1, GG1);
        VEXPAND(x2, x3, x4, x0, x1);
        VGROUP(60, x0, x1, FF1, GG1);
        v[0] ^= A; v[1] ^= B; v[2] ^= C; v[3] ^= D;
        v[4] ^= E; v[5] ^= F; v[6] ^= G; v[7] ^= H;
        p += SM3_BLOCK;
    }
}

static int cpu_has_vector_path(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
}
#endif /* x86 vector path */

typedef void (*compress_fn)(uint32_t v[8], const uint8_t *p, size_t nblocks);

/* Chosen once at import (and switchable for tests through select_implementation). */
static compress_fn sm3_compress = sm3_compress_portable;
static const char *sm3_implementation = "portable";

static void sm3_init(sm3_ctx *ctx)
{
    memcpy(ctx->v, SM3_IV, sizeof(ctx->v));
    ctx->nblocks = 0;
    ctx->buflen = 0;
}

static void sm3_update(sm3_ctx *ctx, const uint8_t *data, size_t len)
{
    if (ctx->buflen) {
        size_t take = SM3_BLOCK - ctx->buflen;
        if (take > len) {
            take = len;
        }
        memcpy(ctx->buf + ctx->buflen, data, take);
        ctx->buflen += take;
        data += take;
        len -= take;
        if (ctx->buflen < SM3_BLOCK) {
            return;
        }
        sm3_compress(ctx->v, ctx->buf, 1);
        ctx->nblocks++;
        ctx->buflen = 0;
    }
    if (len >= SM3_BLOCK) {
        size_t n = len / SM3_BLOCK;
        sm3_compress(ctx->v, data, n);
        ctx->nblocks += n;
        data += n * SM3_BLOCK;
        len -= n * SM3_BLOCK;
    }
    if (len) {
        memcpy(ctx->buf, data, len);
        ctx->buflen = len;
    }
}

/* Pads and writes the digest; ctx is consumed (callers finalise a copy to keep going). */
static void sm3_final(sm3_ctx *ctx, uint8_t out[SM3_DIGEST])
{
    uint64_t bits = (ctx->nblocks * SM3_BLOCK + ctx->buflen) * 8;
    int i;
    ctx->buf[ctx->buflen++] = 0x80;
    if (ctx->buflen > SM3_BLOCK - 8) {
        memset(ctx->buf + ctx->buflen, 0, SM3_BLOCK - ctx->buflen);
        sm3_compress(ctx->v, ctx->buf, 1);
        ctx->buflen = 0;
    }
    memset(ctx->buf + ctx->buflen, 0, SM3_BLOCK - 8 - ctx->buflen);
    store_be32(ctx->buf + 56, (uint32_t)(bits >> 32));
    store_be32(ctx->buf + 60, (uint32_t)bits);
    sm3_compress(ctx->v, ctx->buf, 1);
    for (i = 0; i < 8; i++) {
        store_be32(out + 4 * i, ctx->v[i]);
    }
}

/*
 * KDF(z, len) as in GB/T 32918.4: SM3(z || ct) for ct = 1, 2, ... (32-bit big endian).
 * z's full blocks are absorbed once, so each counter costs one or two compressions instead
 * of hashing z again. With src == NULL the key stream is written to dst; otherwise dst
 * receives src XOR key stream. Returns non-zero iff the key stream has a non-zero bit.
 */
static int sm3_kdf(const uint8_t *z, size_t zlen, const uint8_t *src, uint8_t *dst, size_t len)
{
    sm3_ctx base, ctx;
    uint8_t block[SM3_DIGEST];
    uint8_t ctr[4];
    uint32_t counter = 1;
    uint8_t any = 0;
    size_t off = 0;

    sm3_init(&base);
    sm3_update(&base, z, zlen);
    while (off < len) {
        size_t n = len - off < SM3_DIGEST ? len - off : SM3_DIGEST;
        size_t i;
        ctx = base;
        store_be32(ctr, counter++);
        sm3_update(&ctx, ctr, 4);
        sm3_final(&ctx, block);
        for (i = 0; i < n; i++) {
            any |= block[i];
        }
        if (src) {
            for (i = 0; i < n; i++) {
                dst[off + i] = src[off + i] ^ block[i];
            }
        } else {
            memcpy(dst + off, block, n);
        }
        off += n;
    }
    memset(&base, 0, sizeof(base));
    memset(&ctx, 0, sizeof(ctx));
    memset(block, 0, sizeof(block));
    return any != 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Python binding                                                                               */

typedef struct {
    PyObject_HEAD
    sm3_ctx ctx;
    /* Serialises access when the GIL is released during a large update. */
    PyThread_type_lock lock;
} SM3Object;

static PyTypeObject SM3Type;

static int get_bytes_like(PyObject *obj, Py_buffer *view)
{
    if (PyUnicode_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "strings must be encoded before hashing");
        return -1;
    }
    return PyObject_GetBuffer(obj, view, PyBUF_SIMPLE);
}

static void lock_object(SM3Object *self)
{
    if (!PyThread_acquire_lock(self->lock, 0)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, 1);
        Py_END_ALLOW_THREADS
    }
}

static SM3Object *new_sm3_object(void)
{
    SM3Object *self = PyObject_New(SM3Object, &SM3Type);
    if (self == NULL) {
        return NULL;
    }
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
        PyObject_Free(self);
        PyErr_SetString(PyExc_MemoryError, "unable to allocate a lock");
        return NULL;
    }
    sm3_init(&self->ctx);
    return self;
}

static int sm3_object_update(SM3Object *self, PyObject *data)
{
    Py_buffer view;
    if (get_bytes_like(data, &view) < 0) {
        return -1;
    }
    if (view.len >= GIL_RELEASE_MIN) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, 1);
        sm3_update(&self->ctx, view.buf, (size_t)view.len);
        PyThread_release_lock(self->lock);
        Py_END_ALLOW_THREADS
    } else {
        lock_object(self);
        sm3_update(&self->ctx, view.buf, (size_t)view.len);
        PyThread_release_lock(self->lock);
    }
    PyBuffer_Release(&view);
    return 0;
}

static PyObject *SM3_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"data", NULL};
    PyObject *data = NULL;
    SM3Object *self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:SM3", keywords, &data)) {
        return NULL;
    }
    self = new_sm3_object();
    if (self == NULL) {
        return NULL;
    }
    if (data != NULL && sm3_object_update(self, data) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void SM3_dealloc(SM3Object *self)
{
    if (self->lock) {
        PyThread_free_lock(self->lock);
    }
    memset(&self->ctx, 0, sizeof(self->ctx));
    PyObject_Free(self);
}

static PyObject *SM3_update(SM3Object *self, PyObject *data)
{
    if (sm3_object_update(self, data) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static void sm3_object_digest(SM3Object *self, uint8_t out[SM3_DIGEST])
{
    sm3_ctx tmp;
    lock_object(self);
    tmp = self->ctx;
    PyThread_release_lock(self->lock);
    sm3_final(&tmp, out);
    memset(&tmp, 0, sizeof(tmp));
}

static PyObject *SM3_digest(SM3Object *self, PyObject *Py_UNUSED(ignored))
{
    uint8_t out[SM3_DIGEST];
    sm3_object_digest(self, out);
    return PyBytes_FromStringAndSize((const char *)out, SM3_DIGEST);
}

static PyObject *SM3_hexdigest(SM3Object *self, PyObject *Py_UNUSED(ignored))
{
    static const char hexchars[] = "0123456789abcdef";
    uint8_t out[SM3_DIGEST];
    char text[2 * SM3_DIGEST];
    int i;
    sm3_object_digest(self, out);
    for (i = 0; i < SM3_DIGEST; i++) {
        text[2 * i] = hexchars[out[i] >> 4];
        text[2 * i + 1] = hexchars[out[i] & 0x0f];
    }
    return PyUnicode_FromStringAndSize(text, 2 * SM3_DIGEST);
}

static PyObject *SM3_copy(SM3Object *self, PyObject *Py_UNUSED(ignored))
{
    SM3Object *other = new_sm3_object();
    if (other == NULL) {
        return NULL;
    }
    lock_object(self);
    other->ctx = self->ctx;
    PyThread_release_lock(self->lock);
    return (PyObject *)other;
}

static PyObject *SM3_get_name(PyObject *self, void *closure)
{
    return PyUnicode_FromString("sm3");
}

static PyObject *SM3_get_digest_size(PyObject *self, void *closure)
{
    return PyLong_FromLong(SM3_DIGEST);
}

static PyObject *SM3_get_block_size(PyObject *self, void *closure)
{
    return PyLong_FromLong(SM3_BLOCK);
}

static PyMethodDef SM3_methods[] = {
    {"update", (PyCFunction)SM3_update, METH_O, "Absorb more data."},
    {"digest", (PyCFunction)SM3_digest, METH_NOARGS, "Digest of the data so far (32 bytes)."},
    {"hexdigest", (PyCFunction)SM3_hexdigest, METH_NOARGS, "Digest as lower-case hex."},
    {"copy", (PyCFunction)SM3_copy, METH_NOARGS, "Independent copy of the running state."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef SM3_getset[] = {
    {"name", SM3_get_name, NULL, NULL, NULL},
    {"digest_size", SM3_get_digest_size, NULL, NULL, NULL},
    {"block_size", SM3_get_block_size, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject SM3Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ysj_protocol.crypto._sm3.SM3",
    .tp_basicsize = sizeof(SM3Object),
    .tp_dealloc = (destructor)SM3_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Streaming SM3 hash (hashlib-style interface).",
    .tp_methods = SM3_methods,
    .tp_getset = SM3_getset,
    .tp_new = SM3_new,
};

static PyObject *mod_digest(PyObject *module, PyObject *data)
{
    Py_buffer view;
    sm3_ctx ctx;
    uint8_t out[SM3_DIGEST];
    if (get_bytes_like(data, &view) < 0) {
        return NULL;
    }
    sm3_init(&ctx);
    if (view.len >= GIL_RELEASE_MIN) {
        Py_BEGIN_ALLOW_THREADS
        sm3_update(&ctx, view.buf, (size_t)view.len);
        sm3_final(&ctx, out);
        Py_END_ALLOW_THREADS
    } else {
        sm3_update(&ctx, view.buf, (size_t)view.len);
        sm3_final(&ctx, out);
    }
    PyBuffer_Release(&view);
    return PyBytes_FromStringAndSize((const char *)out, SM3_DIGEST);
}

static int check_kdf_length(Py_ssize_t length)
{
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "KDF length must not be negative");
        return -1;
    }
    if ((uint64_t)length > KDF_MAX_LENGTH) {
        PyErr_SetString(PyExc_ValueError, "KDF length exceeds the 32-bit counter range");
        return -1;
    }
    return 0;
}

/* Runs the KDF with the GIL released; src may be NULL (see sm3_kdf). */
static PyObject *run_kdf(Py_buffer *z, const uint8_t *src, Py_ssize_t length, int *nonzero)
{
    PyObject *result = PyBytes_FromStringAndSize(NULL, length);
    uint8_t *dst;
    int any;
    if (result == NULL) {
        return NULL;
    }
    dst = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    any = sm3_kdf(z->buf, (size_t)z->len, src, dst, (size_t)length);
    Py_END_ALLOW_THREADS
    *nonzero = any;
    return result;
}

static PyObject *mod_kdf(PyObject *module, PyObject *args)
{
    Py_buffer z;
    Py_ssize_t length;
    PyObject *result;
    int nonzero;
    if (!PyArg_ParseTuple(args, "y*n:kdf", &z, &length)) {
        return NULL;
    }
    if (check_kdf_length(length) < 0) {
        PyBuffer_Release(&z);
        return NULL;
    }
    result = run_kdf(&z, NULL, length, &nonzero);
    PyBuffer_Release(&z);
    return result;
}

static PyObject *mod_kdf_xor(PyObject *module, PyObject *args)
{
    Py_buffer z, data;
    PyObject *out;
    int nonzero = 0;
    if (!PyArg_ParseTuple(args, "y*y*:kdf_xor", &z, &data)) {
        return NULL;
    }
    if (check_kdf_length(data.len) < 0) {
        out = NULL;
    } else {
        out = run_kdf(&z, data.buf, data.len, &nonzero);
    }
    PyBuffer_Release(&z);
    PyBuffer_Release(&data);
    if (out == NULL) {
        return NULL;
    }
    return Py_BuildValue("(NO)", out, nonzero ? Py_True : Py_False);
}

static PyObject *mod_implementation(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromString(sm3_implementation);
}

static PyObject *mod_implementations(PyObject *module, PyObject *Py_UNUSED(ignored))
{
#ifdef SM3_HAVE_X86_VECTOR
    if (cpu_has_vector_path()) {
        return Py_BuildValue("(ss)", "portable", "avx2");
    }
#endif
    return Py_BuildValue("(s)", "portable");
}

/* Lets the tests run every compiled path on one machine; not meant for production use. */
static PyObject *mod_select_implementation(PyObject *module, PyObject *name)
{
    const char *text;
    PyObject *previous;
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "implementation name must be a string");
        return NULL;
    }
    text = PyUnicode_AsUTF8(name);
    if (text == NULL) {
        return NULL;
    }
    previous = PyUnicode_FromString(sm3_implementation);
    if (previous == NULL) {
        return NULL;
    }
    if (strcmp(text, "portable") == 0) {
        sm3_compress = sm3_compress_portable;
        sm3_implementation = "portable";
        return previous;
    }
#ifdef SM3_HAVE_X86_VECTOR
    if (strcmp(text, "avx2") == 0 && cpu_has_vector_path()) {
        sm3_compress = sm3_compress_vector;
        sm3_implementation = "avx2";
        return previous;
    }
#endif
    Py_DECREF(previous);
    PyErr_Format(PyExc_ValueError, "SM3 implementation %R is not available here", name);
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"implementation", mod_implementation, METH_NOARGS, "Name of the compression code in use."},
    {"implementations", mod_implementations, METH_NOARGS,
     "Names of the compression codes this machine can run."},
    {"select_implementation", mod_select_implementation, METH_O,
     "select_implementation(name) -> previous name (for tests)."},
    {"digest", mod_digest, METH_O, "digest(data) -> SM3 digest (32 bytes)."},
    {"kdf", mod_kdf, METH_VARARGS, "kdf(z, length) -> SM2 KDF output with SM3, counter from 1."},
    {"kdf_xor", mod_kdf_xor, METH_VARARGS,
     "kdf_xor(z, data) -> (data XOR KDF(z, len(data)), key stream has a non-zero bit)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sm3_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ysj_protocol.crypto._sm3",
    .m_doc = "Native SM3 and SM2 KDF (optional accelerator).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__sm3(void)
{
    PyObject *module;
    if (PyType_Ready(&SM3Type) < 0) {
        return NULL;
    }
#ifdef SM3_HAVE_X86_VECTOR
    if (cpu_has_vector_path()) {
        sm3_compress = sm3_compress_vector;
        sm3_implementation = "avx2";
    }
#endif
    module = PyModule_Create(&sm3_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&SM3Type);
    if (PyModule_AddObject(module, "SM3", (PyObject *)&SM3Type) < 0) {
        Py_DECREF(&SM3Type);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
