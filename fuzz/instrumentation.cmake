# Included by the root CMakeLists.txt when PRIVSTACK_FUZZ is on, before any library is defined:
# libFuzzer needs coverage instrumentation in the code under test, not only in the fuzz targets.
# The targets themselves add -fsanitize=fuzzer (which links libFuzzer's main).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PRIVSTACK_FUZZ needs clang (libFuzzer); configure with CXX=clang++ CC=clang")
endif()
add_compile_options(-fsanitize=fuzzer-no-link)
# clang 14's -fsanitize=function (part of "undefined") emits prologue data that cannot be placed
# for C++20 coroutines ("error: Cannot represent a difference across sections"); every other
# UBSan check stays on.
add_compile_options(-fno-sanitize=function)
