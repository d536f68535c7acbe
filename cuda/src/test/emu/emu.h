// A host emulator for the seqrec CUDA kernels, used only by tests on machines without a GPU.
//
// Each CUDA thread of a block is a fiber (ucontext) on one OS thread; blocks run one after
// another. __syncthreads and the warp collectives (shuffles, ballots) yield to a scheduler that
// releases a barrier only when every live thread of the block (or every lane of the warp) has
// reached it, so divergent barriers, collectives with exited lanes and deadlocks are reported
// as errors instead of passing silently. Static __shared__ variables become function statics
// (blocks never overlap); dynamic shared memory is poisoned with NaN bytes for every block.
// Arithmetic is IEEE float on the host (compile with -ffp-contract=off so that a*b+c stays two
// roundings; fmaf is a true fused multiply-add), so results match the GPU up to the ulp-level
// differences of expf/tanhf.
#pragma once
#define SEQREC_EMULATED 1

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <ucontext.h>
#include <vector>

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
struct float4 {
  float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

namespace emu {

enum State { RUNNABLE, AT_BLOCK, AT_WARP, DONE };

struct Fiber {
  ucontext_t ctx;
  dim3 tid;
  int linear = 0;
  State state = RUNNABLE;
};

struct Runtime {
  std::vector<Fiber> fibers;
  std::vector<std::vector<char>> stacks;
  Fiber* current = nullptr;
  ucontext_t scheduler;
  dim3 blockIdx, blockDim, gridDim;
  std::vector<unsigned char> dynamicShared;
  std::vector<uint64_t> slots;
  std::vector<float> mmaSlots;  // 10 values per lane for the emulated mma.sync
  std::function<void()> body;
  std::string error;
};

inline Runtime& rt() {
  static Runtime r;
  return r;
}

[[noreturn]] inline void fail(const std::string& message) {
  throw std::runtime_error(message);
}

inline void yield(State state) {
  Runtime& r = rt();
  Fiber* f = r.current;
  f->state = state;
  swapcontext(&f->ctx, &r.scheduler);
}

inline void trampoline() {
  Runtime& r = rt();
  try {
    r.body();
  } catch (const std::exception& e) {
    if (r.error.empty()) r.error = e.what();
  }
  r.current->state = DONE;
  // returning resumes uc_link (the scheduler)
}

inline const char* stateName(State s) {
  switch (s) {
    case RUNNABLE: return "running";
    case AT_BLOCK: return "__syncthreads";
    case AT_WARP: return "warp collective";
    default: return "exited";
  }
}

// Runs one block to completion; throws on a deadlock or a warp collective with exited lanes.
inline void runBlock() {
  Runtime& r = rt();
  const int n = (int)(r.blockDim.x * r.blockDim.y * r.blockDim.z);
  std::memset(r.dynamicShared.data(), 0xff, r.dynamicShared.size());
  for (int i = 0; i < n; i++) {
    Fiber& f = r.fibers[i];
    f.linear = i;
    f.tid.x = i % r.blockDim.x;
    f.tid.y = (i / r.blockDim.x) % r.blockDim.y;
    f.tid.z = i / (r.blockDim.x * r.blockDim.y);
    f.state = RUNNABLE;
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = r.stacks[i].data();
    f.ctx.uc_stack.ss_size = r.stacks[i].size();
    f.ctx.uc_link = &r.scheduler;
    makecontext(&f.ctx, trampoline, 0);
  }
  for (;;) {
    for (int i = 0; i < n; i++) {
      if (r.fibers[i].state == RUNNABLE) {
        r.current = &r.fibers[i];
        swapcontext(&r.scheduler, &r.fibers[i].ctx);
        if (!r.error.empty()) fail(r.error);
      }
    }
    bool released = false;
    int live = 0, atBlock = 0;
    for (int i = 0; i < n; i++) {
      if (r.fibers[i].state != DONE) live++;
      if (r.fibers[i].state == AT_BLOCK) atBlock++;
    }
    if (live == 0) return;
    for (int w = 0; w < n; w += 32) {
      int atWarp = 0, done = 0;
      for (int i = w; i < w + 32; i++) {
        if (r.fibers[i].state == AT_WARP) atWarp++;
        if (r.fibers[i].state == DONE) done++;
      }
      if (atWarp > 0 && atWarp + done == 32) {
        if (done > 0) fail("warp collective with exited lanes in warp " + std::to_string(w / 32));
        for (int i = w; i < w + 32; i++) r.fibers[i].state = RUNNABLE;
        released = true;
      }
    }
    if (!released && atBlock == live) {
      for (int i = 0; i < n; i++)
        if (r.fibers[i].state == AT_BLOCK) r.fibers[i].state = RUNNABLE;
      released = true;
    }
    if (!released) {
      std::string msg = "deadlock (divergent barrier) in block (" + std::to_string(r.blockIdx.x) + "," +
                        std::to_string(r.blockIdx.y) + "): ";
      for (int i = 0; i < n; i += 32) msg += "warp " + std::to_string(i / 32) + " lane0 at " + stateName(r.fibers[i].state) + "; ";
      fail(msg);
    }
  }
}

inline void launch(dim3 grid, dim3 block, size_t sharedBytes, std::function<void()> body) {
  Runtime& r = rt();
  const int n = (int)(block.x * block.y * block.z);
  if (n <= 0 || n > 1024 || n % 32 != 0) fail("block of " + std::to_string(n) + " threads: the emulator needs a multiple of 32 up to 1024");
  if (sharedBytes > 48 * 1024) fail("dynamic shared memory over 48 KiB: " + std::to_string(sharedBytes));
  r.fibers.assign(n, Fiber());
  if ((int)r.stacks.size() < n) r.stacks.resize(n, std::vector<char>(256 * 1024));
  r.blockDim = block;
  r.gridDim = grid;
  r.dynamicShared.assign(sharedBytes, 0);
  r.slots.assign(n, 0);
  r.body = std::move(body);
  r.error.clear();
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++) {
        r.blockIdx.x = x;
        r.blockIdx.y = y;
        r.blockIdx.z = z;
        runBlock();
      }
}

inline void* dynamicShared() { return rt().dynamicShared.data(); }

template <class T>
inline uint64_t toBits(T v) {
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T>
inline T fromBits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

inline void checkMask(unsigned mask) {
  if (mask != 0xffffffffu) fail("the emulator supports full-warp collectives only");
}

// Every lane publishes v, then reads lane src's value.
template <class T>
inline T exchange(T v, int (*pick)(int lane, int arg), int arg) {
  Runtime& r = rt();
  const int me = r.current->linear;
  const int base = me & ~31;
  r.slots[me] = toBits(v);
  yield(AT_WARP);
  T out = fromBits<T>(r.slots[base + pick(me & 31, arg)]);
  yield(AT_WARP);
  return out;
}

inline int pickXor(int lane, int arg) { return (lane ^ arg) & 31; }
inline int pickIndex(int, int arg) { return arg & 31; }

}  // namespace emu

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static
#define SEQREC_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(emu::dynamicShared())
#define threadIdx (emu::rt().current->tid)
#define blockIdx (emu::rt().blockIdx)
#define blockDim (emu::rt().blockDim)
#define gridDim (emu::rt().gridDim)

inline void __syncthreads() { emu::yield(emu::AT_BLOCK); }

template <class T>
inline T __shfl_xor_sync(unsigned mask, T v, int laneMask) {
  emu::checkMask(mask);
  return emu::exchange(v, emu::pickXor, laneMask);
}
template <class T>
inline T __shfl_sync(unsigned mask, T v, int srcLane) {
  emu::checkMask(mask);
  return emu::exchange(v, emu::pickIndex, srcLane);
}
inline unsigned __ballot_sync(unsigned mask, bool predicate) {
  emu::checkMask(mask);
  emu::Runtime& r = emu::rt();
  const int me = r.current->linear;
  const int base = me & ~31;
  r.slots[me] = predicate ? 1 : 0;
  emu::yield(emu::AT_WARP);
  unsigned bits = 0;
  for (int i = 0; i < 32; i++)
    if (r.slots[base + i]) bits |= 1u << i;
  emu::yield(emu::AT_WARP);
  return bits;
}

inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
// One OS thread runs every fiber and a fiber only yields at barriers: atomics are plain updates.
inline unsigned atomicAdd(unsigned* p, unsigned v) { unsigned old = *p; *p = old + v; return old; }
inline int atomicAdd(int* p, int v) { int old = *p; *p = old + v; return old; }
inline int atomicMin(int* p, int v) { int old = *p; if (v < old) *p = v; return old; }
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  unsigned long long old = *p; if (v < old) *p = v; return old;
}
inline unsigned __float_as_uint(float f) { return emu::fromBits<unsigned>(emu::toBits(f)); }
inline float __uint_as_float(unsigned u) { return emu::fromBits<float>(emu::toBits(u)); }
inline float __int_as_float(int i) { return emu::fromBits<float>(emu::toBits(i)); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

// TF32 tensor-core helpers of common.cuh. cvt.rna.tf32.f32: keep 10 mantissa bits, rounding to
// nearest with ties away from zero (adding half of the dropped part to the magnitude does that);
// NaN and infinities pass unchanged.
inline unsigned seqrec_to_tf32(float x) {
  unsigned u = __float_as_uint(x);
  if ((u & 0x7f800000u) != 0x7f800000u) {
    u = (u + 0x1000u) & 0xffffe000u;
  }
  return u;
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 as a warp collective: every lane publishes its
// fragments (the PTX ISA layout: g = lane / 4, t = lane % 4; a: A[g][t], A[g+8][t], A[g][t+4],
// A[g+8][t+4]; b: B[t][g], B[t+4][g]; d: D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1]), then each
// computes its four sums D += A B in FP32, depth 0 to 7 (products of TF32 values are exact in FP32).
inline void seqrec_mma_tf32_16x8x8(float* d, const unsigned* a, const unsigned* b) {
  emu::Runtime& r = emu::rt();
  const int me = r.current->linear;
  const int base = me & ~31;
  if (r.mmaSlots.size() < r.fibers.size() * 10) r.mmaSlots.assign(r.fibers.size() * 10, 0.0f);
  float* mine = &r.mmaSlots[me * 10];
  for (int i = 0; i < 4; i++) mine[i] = __uint_as_float(a[i]);
  mine[4] = __uint_as_float(b[0]);
  mine[5] = __uint_as_float(b[1]);
  for (int i = 0; i < 4; i++) mine[6 + i] = d[i];
  emu::yield(emu::AT_WARP);
  float A[16][8], B[8][8], C[16][8];
  for (int lane = 0; lane < 32; lane++) {
    const int g = lane >> 2, t = lane & 3;
    const float* s = &r.mmaSlots[(base + lane) * 10];
    A[g][t] = s[0]; A[g + 8][t] = s[1]; A[g][t + 4] = s[2]; A[g + 8][t + 4] = s[3];
    B[t][g] = s[4]; B[t + 4][g] = s[5];
    C[g][2 * t] = s[6]; C[g][2 * t + 1] = s[7]; C[g + 8][2 * t] = s[8]; C[g + 8][2 * t + 1] = s[9];
  }
  const int g = (me & 31) >> 2, t = me & 3;
  const int rows[4] = {g, g, g + 8, g + 8};
  const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
  for (int e = 0; e < 4; e++) {
    float acc = C[rows[e]][cols[e]];
    for (int p = 0; p < 8; p++) acc += A[rows[e]][p] * B[p][cols[e]];
    d[e] = acc;
  }
  emu::yield(emu::AT_WARP);  // every lane has read the slots before any lane writes them again
}
