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

# privstack_add_proto(<target> <files...>): compile .proto files into a static library.
function(privstack_add_proto target)
  add_library(${target} STATIC)
  protobuf_generate(TARGET ${target} LANGUAGE cpp PROTOS ${ARGN}
                    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/proto
                    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/proto)
  target_include_directories(${target} PUBLIC ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
