#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "crypto/key_file.h"
#include "test_util.h"
#include "vectors.h"

namespace privstack::crypto {
namespace {

namespace fs = std::filesystem;
using testing::flip_bit;
using testing::hex;
namespace v = vectors;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "privstack-keyfile-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write_file(const fs::path& path, ByteView contents) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(contents.data()),
              static_cast<std::streamsize>(contents.size()));
  }
  static Bytes read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  // Loading `contents` fails with a message naming the file, and leaves the file as it was.
  void expect_rejected(ByteView contents, std::string_view expected_phrase) {
    const fs::path path = dir_ / "identity.key";
    write_file(path, contents);
    auto loaded = load_or_create_identity(path);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().message.find(path.string()), std::string::npos)
        << loaded.error().message;
    EXPECT_NE(loaded.error().message.find(expected_phrase), std::string::npos)
        << loaded.error().message;
    EXPECT_EQ(read_file(path), Bytes(contents.begin(), contents.end()));
    EXPECT_EQ(entries(), 1u);  // no temp file, no replacement
  }

  fs::path dir_;
};

TEST_F(KeyFileTest, CreatesWithMode0600AndReloadsTheSameKey) {
  const fs::path path = dir_ / "relay-identity.key";
  auto created = load_or_create_identity(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created->created);

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  const Bytes contents = read_file(path);
  EXPECT_EQ(contents, created->keypair.to_protobuf());
  EXPECT_EQ(contents.size(), 68u);
  EXPECT_EQ(entries(), 1u);  // the temp file was renamed, not left behind

  auto reloaded = load_or_create_identity(path);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_FALSE(reloaded->created);
  EXPECT_EQ(reloaded->keypair.peer_id(), created->keypair.peer_id());
  EXPECT_EQ(read_file(path), contents);
}

TEST_F(KeyFileTest, LoadsTheSpecKeyFile) {
  // A file holding the libp2p/specs Ed25519 private key (what rust-libp2p would write for it).
  const fs::path path = dir_ / "identity.key";
  write_file(path, hex(v::kSpecEd25519PrivateKey));
  auto loaded = load_or_create_identity(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_FALSE(loaded->created);
  EXPECT_EQ(loaded->keypair.peer_id().to_base58(), v::kSpecEd25519PeerId);
  EXPECT_EQ(to_hex(read_file(path)), v::kSpecEd25519PrivateKey);
}

TEST_F(KeyFileTest, LoadsThroughASymlink) {
  write_file(dir_ / "real.key", hex(v::kGoEd25519PrivateKey));
  fs::create_symlink(dir_ / "real.key", dir_ / "link.key");
  auto loaded = load_or_create_identity(dir_ / "link.key");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->keypair.peer_id().to_base58(), v::kGoEd25519PeerId);
}

TEST_F(KeyFileTest, MissingDirectoryIsAnError) {
  const fs::path path = dir_ / "missing" / "identity.key";
  auto loaded = load_or_create_identity(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find(path.string()), std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("does not exist"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(KeyFileTest, TruncatedFileIsRejectedAndKept) {
  const Bytes spec = hex(v::kSpecEd25519PrivateKey);
  expect_rejected(ByteView(spec).first(40), "has 40 bytes, expected 68");
}

TEST_F(KeyFileTest, EmptyFileIsRejectedAndKept) {
  expect_rejected({}, "has 0 bytes");
}

TEST_F(KeyFileTest, CorruptFileIsRejectedAndKept) {
  // Right size, but the public half does not belong to the seed.
  expect_rejected(flip_bit(hex(v::kSpecEd25519PrivateKey), 60), "not a valid libp2p Ed25519 key");
  // Right size, wrong key type.
  Bytes wrong_type = hex(v::kSpecEd25519PrivateKey);
  wrong_type[1] = 0x02;
  expect_rejected(wrong_type, "not a valid libp2p Ed25519 key");
  // Right size, not a protobuf at all.
  expect_rejected(Bytes(68, 0xff), "not a valid libp2p Ed25519 key");
}

TEST_F(KeyFileTest, OtherKeyTypeIsRejectedAndKept) {
  expect_rejected(hex(v::kSpecSecp256k1PrivateKey), "expected 68");
  expect_rejected(hex(v::kGoEd25519RedundantPrivateKey), "has 100 bytes");
}

TEST_F(KeyFileTest, HugeFileIsRejectedWithoutReadingItAll) {
  const fs::path path = dir_ / "identity.key";
  {
    std::ofstream out(path, std::ios::binary);
    out.seekp(64 * 1024 * 1024 - 1);  // sparse 64 MiB
    out.put('\0');
  }
  auto loaded = load_or_create_identity(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("too large"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(fs::file_size(path), 64u * 1024 * 1024);
}

TEST_F(KeyFileTest, DirectoryAtThePathIsAnError) {
  fs::create_directory(dir_ / "identity.key");
  auto loaded = load_or_create_identity(dir_ / "identity.key");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("not a regular file"), std::string::npos)
      << loaded.error().message;
}

TEST_F(KeyFileTest, DanglingSymlinkIsNeverReplaced) {
  // Something exists at the path (a symlink to nowhere): we must not create a key over it.
  fs::create_symlink(dir_ / "nowhere.key", dir_ / "identity.key");
  auto loaded = load_or_create_identity(dir_ / "identity.key");
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(fs::is_symlink(dir_ / "identity.key"));
  EXPECT_FALSE(fs::exists(dir_ / "nowhere.key"));
  EXPECT_EQ(entries(), 1u);  // the temp file was cleaned up
}

TEST_F(KeyFileTest, UnreadableFileIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  const fs::path path = dir_ / "identity.key";
  write_file(path, hex(v::kSpecEd25519PrivateKey));
  fs::permissions(path, fs::perms::none);
  auto loaded = load_or_create_identity(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("cannot open"), std::string::npos);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(to_hex(read_file(path)), v::kSpecEd25519PrivateKey);
}

TEST_F(KeyFileTest, EmptyPathIsAnError) {
  EXPECT_FALSE(load_or_create_identity({}).ok());
}

}  // namespace
}  // namespace privstack::crypto
