// The emulator process: reads launch requests on stdin, runs the kernel on the emulator (emu.h)
// and answers with the memory regions the launch could touch. The Java test driver
// (io.github.seqrec.cuda.EmulatedDriver) speaks this protocol; all numbers are little-endian.
//
// request : u32 magic 'SQEM' | u32 name length | name | u32 grid[3] | u32 block[3] | u32 shared bytes
//           | u32 params | params x (u8 tag 'P'|'I'|'J'|'F', u64 value)
//           | u32 regions | regions x (u64 address, u64 bytes, bytes)
// response: u32 0 | regions' bytes in request order      (success)
//           u32 1 | u32 length | message                  (failure)
#include "emu.h"

#include <map>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../../main/cuda/attention.cu"
#include "../../main/cuda/convolution.cu"
#include "../../main/cuda/dense.cu"
#include "../../main/cuda/hashing.cu"
#include "../../main/cuda/recurrent.cu"
#include "../../main/cuda/selection.cu"

namespace {

struct Param {
  char tag;
  uint64_t value;
};

struct Region {
  uint64_t address;
  uint64_t bytes;
  unsigned char* data;
};

std::vector<Region> regions;
dim3 grid, block;
uint32_t sharedBytes;

void* translate(uint64_t address) {
  if (address == 0) return nullptr;
  for (const Region& r : regions) {
    if (address >= r.address && address <= r.address + r.bytes) return r.data + (address - r.address);
  }
  throw std::runtime_error("pointer parameter " + std::to_string(address) + " is in no region sent with the launch");
}

template <class T>
T unpack(const Param& p, size_t index) {
  char want = std::is_pointer_v<T> ? 'P' : std::is_same_v<T, float> ? 'F' : sizeof(T) == 8 ? 'J' : 'I';
  if (p.tag != want) {
    throw std::runtime_error("parameter " + std::to_string(index) + " has tag " + std::string(1, p.tag) +
                             " but the kernel expects " + std::string(1, want));
  }
  if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<T>(translate(p.value));
  } else if constexpr (std::is_same_v<T, float>) {
    uint32_t bits = (uint32_t)p.value;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  } else if constexpr (sizeof(T) == 8) {
    return (T)(int64_t)p.value;
  } else {
    return (T)(int32_t)(uint32_t)p.value;
  }
}

template <class... A, size_t... I>
void invoke(void (*fn)(A...), const std::vector<Param>& ps, std::index_sequence<I...>) {
  if (ps.size() != sizeof...(A)) {
    throw std::runtime_error(std::to_string(ps.size()) + " parameters given, the kernel takes " + std::to_string(sizeof...(A)));
  }
  std::tuple<A...> args(unpack<A>(ps[I], I)...);
  emu::launch(grid, block, sharedBytes, [&] { std::apply(fn, args); });
}

template <class... A>
std::function<void(const std::vector<Param>&)> kernel(void (*fn)(A...)) {
  return [fn](const std::vector<Param>& ps) { invoke(fn, ps, std::index_sequence_for<A...>{}); };
}

const std::map<std::string, std::function<void(const std::vector<Param>&)>> kernels = {
    {"seqrec_gemm", kernel(seqrec_gemm)},
    {"seqrec_gemm_tf32", kernel(seqrec_gemm_tf32)},
    {"seqrec_copy", kernel(seqrec_copy)},
    {"seqrec_target_attention", kernel(seqrec_target_attention)},
    {"seqrec_attention_combine", kernel(seqrec_attention_combine)},
    {"seqrec_gru_scan", kernel(seqrec_gru_scan)},
    {"seqrec_lstm_scan", kernel(seqrec_lstm_scan)},
    {"seqrec_causal_conv1d", kernel(seqrec_causal_conv1d)},
    {"seqrec_simhash", kernel(seqrec_simhash)},
    {"seqrec_hamming_topk", kernel(seqrec_hamming_topk)},
    {"seqrec_topk_rows", kernel(seqrec_topk_rows)},
};

bool readAll(void* p, size_t n) { return std::fread(p, 1, n, stdin) == n; }
uint32_t u32() {
  uint32_t v;
  if (!readAll(&v, 4)) std::exit(0);  // the driver closed the pipe
  return v;
}
uint64_t u64() {
  uint64_t v;
  if (!readAll(&v, 8)) throw std::runtime_error("truncated request");
  return v;
}
void writeU32(uint32_t v) { std::fwrite(&v, 4, 1, stdout); }

}  // namespace

int main() {
  for (;;) {
    if (u32() != 0x4d455153u) {
      std::fprintf(stderr, "seqrec-emu: bad magic\n");
      return 2;
    }
    std::string name(u32(), '\0');
    readAll(name.data(), name.size());
    grid.x = u32(); grid.y = u32(); grid.z = u32();
    block.x = u32(); block.y = u32(); block.z = u32();
    sharedBytes = u32();
    std::vector<Param> params(u32());
    for (Param& p : params) {
      readAll(&p.tag, 1);
      p.value = u64();
    }
    regions.assign(u32(), Region());
    for (Region& r : regions) {
      r.address = u64();
      r.bytes = u64();
      r.data = static_cast<unsigned char*>(std::malloc(r.bytes == 0 ? 1 : r.bytes));
      readAll(r.data, r.bytes);
    }
    std::string error;
    try {
      auto it = kernels.find(name);
      if (it == kernels.end()) throw std::runtime_error("no kernel named " + name);
      it->second(params);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) {
      writeU32(0);
      for (const Region& r : regions) std::fwrite(r.data, 1, r.bytes, stdout);
    } else {
      writeU32(1);
      writeU32((uint32_t)error.size());
      std::fwrite(error.data(), 1, error.size(), stdout);
    }
    std::fflush(stdout);
    for (Region& r : regions) std::free(r.data);
  }
}
