# Warnings, sanitizers and release flags shared by every target.
add_library(privstack_warnings INTERFACE)
target_compile_options(privstack_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough)
if(PRIVSTACK_WERROR)
  target_compile_options(privstack_warnings INTERFACE -Werror)
endif()

if(PRIVSTACK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Release")
  # Release: -O2, LTO and stripped symbols, as the Rust original's release profile.
  set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")
  set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG")
  include(CheckIPOSupported)
  check_ipo_supported(RESULT ipo_ok OUTPUT ipo_msg)
  if(ipo_ok)
    set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ON)
  endif()
  add_link_options(-s)
  # GCC 12 numbers the fields of its internal coroutine frame types ("<fn>.Frame") per translation
  # unit, so LTO reports every coroutine template instantiated in two TUs as an ODR violation
  # (GCC bug 101118). The types are the compiler's own; real ODR problems still show in -O0 builds.
  add_link_options(-Wno-odr)
endif()
