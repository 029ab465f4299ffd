#pragma once
// std::bit_cast for every standard library we build with: libc++ 13 (Debian's emscripten, the WebAssembly
// build) lacks it. The compilers' builtin is what GCC's and clang's own std::bit_cast are made of, so the
// native code is the same.
namespace lenet5 {

template <class To, class From>
constexpr To bit_cast(const From& from) noexcept {
  static_assert(sizeof(To) == sizeof(From), "bit_cast between types of different sizes");
  return __builtin_bit_cast(To, from);
}

}  // namespace lenet5
