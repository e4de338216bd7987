/* The C peer of the benchmark harness: every workload written as a C programmer would for gcc
   -O3 -march=native (the harness builds it with and without -ffast-math), timed like the JS peers.
   Usage: kernels <chain|matmul|logreg|scan> <size> <reps> <min-rep-seconds>; prints one RESULT line. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOGREG_FEATURES 100
#define SCAN_LANES 8
#define SCAN_DT 0.01f

/* Same generator as workloads/inputs.ts (murmur3 finalizer of i ^ stream * golden ratio). */
static float hash_uniform(uint32_t i, uint32_t stream) {
  uint32_t h = i ^ (stream * 0x9e3779b1u);
  h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
  return (float)((double)h * (1.0 / 2147483648.0) - 1.0);
}
static float *uniform_array(size_t count, uint32_t stream, float scale) {
  float *out = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
  for (size_t i = 0; i < count; i++) out[i] = hash_uniform((uint32_t)i, stream) * scale;
  return out;
}
enum { CHAIN_X = 1, MAT_A = 2, MAT_B = 3, LOGREG_X = 4, LOGREG_Y = 5, LOGREG_W = 6, SCAN_Q = 7 };

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- workloads ---- */
static size_t n_global;
static float *x_in, *y_out, *a_in, *b_in, *c_out, *w_in, *labels, *grad_out;
static float loss_out, q_state[SCAN_LANES], p_state[SCAN_LANES], q_init[SCAN_LANES];

static void chain(void) {
  const size_t n = n_global;
  const float *restrict x = x_in;
  float *restrict y = y_out;
  for (size_t i = 0; i < n; i++) y[i] = expf(sinf(x[i]) * 2.0f + 1.0f) * x[i];
}

/* Cache-blocked i-k-j: the inner j loop is a vectorised multiply-add over rows of b and c. */
static void matmul(void) {
  const size_t n = n_global, kb = 256, ib = 64;
  const float *restrict a = a_in, *restrict b = b_in;
  float *restrict c = c_out;
  memset(c, 0, n * n * sizeof(float));
  for (size_t i0 = 0; i0 < n; i0 += ib)
    for (size_t k0 = 0; k0 < n; k0 += kb)
      for (size_t i = i0; i < i0 + ib && i < n; i++) {
        float *restrict ci = c + i * n;
        for (size_t k = k0; k < k0 + kb && k < n; k++) {
          const float aik = a[i * n + k];
          const float *restrict bk = b + k * n;
          for (size_t j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
      }
}

/* One pass over the rows: z = x_i . w with 16 independent partial sums (vectorisable without
   -ffast-math), then the residual times the row is added to the gradient while the row is hot. */
static void logreg(void) {
  const size_t rows = n_global, d = LOGREG_FEATURES;
  float g[LOGREG_FEATURES] = {0};
  double loss = 0;
  for (size_t i = 0; i < rows; i++) {
    const float *restrict row = x_in + i * d;
    float acc[16] = {0};
    size_t j = 0;
    for (; j + 16 <= d; j += 16)
      for (size_t l = 0; l < 16; l++) acc[l] += row[j + l] * w_in[j + l];
    float z = 0;
    for (size_t l = 0; l < 16; l++) z += acc[l];
    for (; j < d; j++) z += row[j] * w_in[j];
    const float softplus = fmaxf(z, 0.0f) + log1pf(expf(-fabsf(z)));
    loss += softplus - labels[i] * z;
    const float residual = 1.0f / (1.0f + expf(-z)) - labels[i];
    for (size_t k = 0; k < d; k++) g[k] += residual * row[k];
  }
  memcpy(grad_out, g, sizeof g);
  loss_out = (float)loss;
}

static void scan(void) {
  float q[SCAN_LANES], p[SCAN_LANES];
  memcpy(q, q_init, sizeof q);
  memset(p, 0, sizeof p);
  for (size_t s = 0; s < n_global; s++)
    for (int l = 0; l < SCAN_LANES; l++) {
      p[l] -= SCAN_DT * sinf(q[l]);
      q[l] += SCAN_DT * p[l];
    }
  memcpy(q_state, q, sizeof q);
  memcpy(p_state, p, sizeof p);
}

static void print_array_checksum(const float *v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += fabs((double)v[i]);
  printf("[%.17g,%.9g,%.9g,%.9g,%.9g]", s, v[0], v[1], v[n / 2], v[n - 1]);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <chain|matmul|logreg|scan> <size> <reps> <min-rep-seconds>\n", argv[0]);
    return 2;
  }
  const char *workload = argv[1];
  const size_t size = (size_t)atol(argv[2]);
  int reps = atoi(argv[3]);
  const double min_rep = atof(argv[4]);
  void (*call)(void) = NULL;
  n_global = size;
  if (!strcmp(workload, "chain")) {
    x_in = uniform_array(size, CHAIN_X, 4.0f);
    y_out = aligned_alloc(64, ((size * 4 + 63) / 64) * 64);
    call = chain;
  } else if (!strcmp(workload, "matmul")) {
    a_in = uniform_array(size * size, MAT_A, 1.0f);
    b_in = uniform_array(size * size, MAT_B, 1.0f);
    c_out = aligned_alloc(64, ((size * size * 4 + 63) / 64) * 64);
    call = matmul;
  } else if (!strcmp(workload, "logreg")) {
    x_in = uniform_array(size * LOGREG_FEATURES, LOGREG_X, 1.0f);
    labels = malloc(size * sizeof(float));
    for (size_t i = 0; i < size; i++) labels[i] = hash_uniform((uint32_t)i, LOGREG_Y) > 0 ? 1.0f : 0.0f;
    w_in = uniform_array(LOGREG_FEATURES, LOGREG_W, 0.1f);
    grad_out = malloc(LOGREG_FEATURES * sizeof(float));
    call = logreg;
  } else if (!strcmp(workload, "scan")) {
    for (int l = 0; l < SCAN_LANES; l++) q_init[l] = hash_uniform((uint32_t)l, SCAN_Q) * 1.5f;
    call = scan;
  } else {
    fprintf(stderr, "unknown workload %s\n", workload);
    return 2;
  }
  double t0 = now_seconds();
  call();
  const double first = now_seconds() - t0;
  t0 = now_seconds();
  call();
  const double probe = now_seconds() - t0;
  long calls = (long)ceil(min_rep / (probe > 1e-7 ? probe : 1e-7));
  if (calls < 1) calls = 1;
  if (calls > 10000000) calls = 10000000;
  if (probe > 0.5 && reps > 5) reps = 5;
  printf("@@RESULT {\"peer\":\"C\",\"workload\":\"%s\",\"size\":%zu,\"callsPerRep\":%ld,\"firstCallSeconds\":%.9g,\"seconds\":[", workload, size, calls, first);
  for (int r = 0; r < reps; r++) {
    t0 = now_seconds();
    for (long k = 0; k < calls; k++) call();
    printf("%s%.9g", r ? "," : "", (now_seconds() - t0) / (double)calls);
  }
  printf("],\"checksum\":");
  if (call == chain) print_array_checksum(y_out, size);
  else if (call == matmul) print_array_checksum(c_out, size * size);
  else if (call == logreg) {
    printf("[%.9g", loss_out);
    for (int k = 0; k < LOGREG_FEATURES; k++) printf(",%.9g", grad_out[k]);
    printf("]");
  } else {
    printf("[");
    for (int l = 0; l < SCAN_LANES; l++) printf("%s%.9g", l ? "," : "", q_state[l]);
    for (int l = 0; l < SCAN_LANES; l++) printf(",%.9g", p_state[l]);
    printf("]");
  }
  printf("}\n");
  return 0;
}
