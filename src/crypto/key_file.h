// The relay's identity key file: rust-libp2p's `Keypair::to_protobuf_encoding` bytes
// (`08 01 12 40 seed‖pub`, 68 bytes), also what go and js write for an Ed25519 key.
#pragma once

#include <cstddef>
#include <filesystem>

#include "common/result.h"
#include "crypto/ed25519.h"

namespace privstack::crypto {

/// Files larger than this are rejected before parsing (a valid file is 68 bytes).
inline constexpr std::size_t kMaxKeyFileSize = 4096;

struct LoadedIdentity {
  Ed25519Keypair keypair;
  bool created;  // true if the file did not exist and was written now
};

/// Loads the key at `path`, or, if nothing exists there, generates one and writes it atomically
/// (temp file in the same directory, mode 0600, fsync, rename without replacing, fsync of the
/// directory). An existing file is never modified: if it cannot be read or is not a valid
/// Ed25519 key the result is an error naming the path. A missing parent directory is an error,
/// not something to create.
Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& path);

}  // namespace privstack::crypto
