#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include <gnutls/gnutls.h>

#include "crypto/random.h"

namespace privstack::crypto {

namespace {

namespace fs = std::filesystem;

std::string errno_message(int error) {
  return std::generic_category().message(error);
}

// Closes on scope exit; close() errors matter only after writing, where close_checked() is used.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int close_checked() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Secret key bytes read from or written to disk; wiped when dropped.
struct SecretBuffer {
  Bytes bytes;
  ~SecretBuffer() {
    if (!bytes.empty()) gnutls_memset(bytes.data(), 0, bytes.size());
  }
};

// nullopt when nothing exists at `path`; the contents (at most kMaxKeyFileSize + 1 bytes, so a
// huge file is detected without reading it) otherwise.
Result<std::optional<Bytes>> read_key_file(const fs::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ENOENT) return std::optional<Bytes>{};
    return make_error("cannot open identity key file '{}': {}", path.string(),
                      errno_message(error));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return make_error("cannot stat identity key file '{}': {}", path.string(),
                      errno_message(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return make_error("identity key file '{}' is not a regular file", path.string());
  }
  Bytes contents(kMaxKeyFileSize + 1);
  std::size_t total = 0;
  while (total < contents.size()) {
    const ssize_t n = ::read(fd.get(), contents.data() + total, contents.size() - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      gnutls_memset(contents.data(), 0, contents.size());
      return make_error("cannot read identity key file '{}': {}", path.string(),
                        errno_message(error));
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  contents.resize(total);
  return std::optional<Bytes>(std::move(contents));
}

Result<LoadedIdentity> decode_key_file(const fs::path& path, Bytes contents) {
  SecretBuffer secret{std::move(contents)};
  const std::size_t size = secret.bytes.size();
  if (size > kMaxKeyFileSize) {
    return make_error("identity key file '{}' is too large (over {} bytes); expected {} bytes",
                      path.string(), kMaxKeyFileSize, Ed25519Keypair::kProtobufSize);
  }
  if (size != Ed25519Keypair::kProtobufSize) {
    return make_error(
        "identity key file '{}' has {} bytes, expected {} (a libp2p Ed25519 private key); it "
        "was left untouched",
        path.string(), size, Ed25519Keypair::kProtobufSize);
  }
  auto keypair = Ed25519Keypair::from_protobuf(secret.bytes);
  if (!keypair) {
    return make_error(
        "identity key file '{}' is not a valid libp2p Ed25519 key ({}); it was "
        "left untouched",
        path.string(), keypair.error().message);
  }
  return LoadedIdentity{std::move(*keypair), false};
}

Result<void> write_all(int fd, ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("{}", errno_message(errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

enum class Publish { published, already_exists };

// Moves the finished temp file to `path` without ever replacing something already there (another
// process may have created the key meanwhile).
Result<Publish> publish(const fs::path& temp, const fs::path& path) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
    return Publish::published;
  }
  int error = errno;
  if (error == EEXIST) return Publish::already_exists;
  if (error == EINVAL || error == ENOSYS || error == EOPNOTSUPP) {
    // The filesystem lacks RENAME_NOREPLACE; a hard link is the other no-replace primitive.
    if (::link(temp.c_str(), path.c_str()) == 0) {
      ::unlink(temp.c_str());
      return Publish::published;
    }
    error = errno;
    if (error == EEXIST) return Publish::already_exists;
  }
  return make_error("cannot move '{}' to '{}': {}", temp.string(), path.string(),
                    errno_message(error));
}

Result<void> sync_directory(const fs::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return make_error("cannot open '{}': {}", dir.string(), errno_message(errno));
  // EINVAL: the filesystem cannot sync directories; there is nothing more to do then.
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    return make_error("cannot fsync '{}': {}", dir.string(), errno_message(errno));
  }
  return {};
}

std::string random_suffix() {
  std::array<std::uint8_t, 8> bytes{};
  random_bytes(bytes);
  return to_hex(bytes);
}

Result<LoadedIdentity> create_key_file(const fs::path& path) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temp = dir / (path.filename().string() + ".tmp-" + random_suffix());

  FileDescriptor fd(
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return make_error("cannot create identity key file '{}': directory '{}' does not exist",
                        path.string(), dir.string());
    }
    return make_error("cannot create identity key file '{}' (temp file '{}'): {}", path.string(),
                      temp.string(), errno_message(error));
  }
  // From here on a failure must not leave the temp file behind.
  struct RemoveTemp {
    const fs::path* temp;
    bool armed = true;
    ~RemoveTemp() {
      if (armed) ::unlink(temp->c_str());
    }
  } remove_temp{&temp};

  Ed25519Keypair keypair = Ed25519Keypair::generate();
  {
    SecretBuffer encoded{keypair.to_protobuf()};
    if (auto written = write_all(fd.get(), encoded.bytes); !written) {
      return make_error("cannot write identity key file '{}': {}", temp.string(),
                        written.error().message);
    }
  }
  if (::fsync(fd.get()) != 0 || fd.close_checked() != 0) {
    return make_error("cannot flush identity key file '{}': {}", temp.string(),
                      errno_message(errno));
  }
  auto published = publish(temp, path);
  if (!published) {
    return make_error("cannot create identity key file: {}", published.error().message);
  }
  if (*published == Publish::already_exists) {
    // Someone created the key between our check and now: theirs wins, and we load it.
    auto contents = read_key_file(path);
    if (!contents) return contents.error();
    if (!contents->has_value()) {
      return make_error("identity key file '{}' exists but cannot be opened (dangling symlink?)",
                        path.string());
    }
    return decode_key_file(path, std::move(**contents));
  }
  remove_temp.armed = false;
  if (auto synced = sync_directory(dir); !synced) {
    return make_error("identity key file '{}' written but not made durable: {}", path.string(),
                      synced.error().message);
  }
  return LoadedIdentity{std::move(keypair), true};
}

}  // namespace

Result<LoadedIdentity> load_or_create_identity(const std::filesystem::path& path) {
  if (path.empty()) return make_error("identity key file path is empty");
  auto contents = read_key_file(path);
  if (!contents) return contents.error();
  if (contents->has_value()) return decode_key_file(path, std::move(**contents));
  return create_key_file(path);
}

}  // namespace privstack::crypto
