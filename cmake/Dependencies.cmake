# Every dependency comes from Debian 12 (+ bookworm-backports); scripts/setup.sh installs them.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls>=3.7)
pkg_check_modules(NGTCP2 REQUIRED IMPORTED_TARGET libngtcp2>=1.11)
pkg_check_modules(NGTCP2_CRYPTO REQUIRED IMPORTED_TARGET libngtcp2_crypto_gnutls>=1.11)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(SYSTEMD IMPORTED_TARGET libsystemd)

find_package(Boost 1.83.0 EXACT REQUIRED COMPONENTS json CONFIG)
find_package(Protobuf REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)

if(PRIVSTACK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PRIVSTACK_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# privstack_add_proto(<target> <paths relative to proto/...>): a static library of generated code,
# e.g. privstack_add_proto(privstack_crypto_proto crypto/keys.proto). Includes look like
# "crypto/keys.pb.h". The include dir is SYSTEM, and the library does not link privstack_warnings,
# so generated code never trips our -Werror flags.
function(privstack_add_proto target)
  set(protos)
  foreach(proto ${ARGN})
    list(APPEND protos ${PROJECT_SOURCE_DIR}/proto/${proto})
  endforeach()
  # CMake 3.25's protobuf_generate names its outputs relative to CMAKE_CURRENT_SOURCE_DIR (and puts
  # it first on protoc's -I), so called from src/<layer> it would expect the .pb.h in the source
  # tree while protoc writes <build>/proto/...; pointing it at proto/ makes both agree. The change
  # is local to this function's scope. protoc also needs the output root to exist.
  set(CMAKE_CURRENT_SOURCE_DIR ${PROJECT_SOURCE_DIR}/proto)
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/proto)
  add_library(${target} STATIC)
  protobuf_generate(TARGET ${target} LANGUAGE cpp PROTOS ${protos}
                    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/proto
                    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/proto)
  target_include_directories(${target} SYSTEM PUBLIC ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
