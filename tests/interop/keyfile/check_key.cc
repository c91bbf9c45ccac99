// Usage: keyfile_interop_check <key file>
// Loads an identity key file written by another implementation and prints its peer id. Fails if
// the file is missing (it must never be created here) or does not load.
#include <cstdio>
#include <exception>

#include "crypto/key_file.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: keyfile_interop_check <key file>\n", stderr);
    return 2;
  }
  try {
    auto loaded = privstack::crypto::load_or_create_identity(argv[1]);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
      return 1;
    }
    if (loaded->created) {
      std::fprintf(stderr, "%s did not exist; a new key was created instead\n", argv[1]);
      return 1;
    }
    std::printf("%s\n", loaded->keypair.peer_id().to_base58().c_str());
    return 0;
  } catch (const std::exception& e) {  // only allocation failures can get here
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
