#include "multiformats/multiaddr.h"

#include <cassert>

#include "multiformats/varint.h"

namespace privstack::multiformats {

namespace {

// One component located inside a multiaddr's bytes.
struct RawComponent {
  const ProtocolInfo* info;
  ByteView value;
  std::size_t begin;  // offset of the protocol code
};

// Splits and validates binary multiaddr bytes. The single place that trusts nothing: every other
// member relies on bytes_ having passed through here (or being built from validated parts).
Result<std::vector<RawComponent>> split(ByteView bytes) {
  std::vector<RawComponent> out;
  ByteView rest = bytes;
  while (!rest.empty()) {
    const std::size_t begin = bytes.size() - rest.size();
    auto code = consume_uvarint(rest);
    if (!code) {
      return make_error("multiaddr protocol code at offset {}: {}", begin, code.error().message);
    }
    const ProtocolInfo* info = find_protocol(*code);
    if (info == nullptr) return make_error("unknown multiaddr protocol code {}", *code);

    std::size_t size = info->fixed_size;
    if (info->length_prefixed()) {
      auto length = consume_uvarint(rest);
      if (!length) return make_error("/{} value length: {}", info->name, length.error().message);
      if (*length > info->max_size) {
        return make_error("/{} value length {} exceeds {}", info->name, *length, info->max_size);
      }
      size = static_cast<std::size_t>(*length);
    }
    if (size > rest.size()) {
      return make_error("/{} value truncated ({} of {} bytes)", info->name, rest.size(), size);
    }
    const ByteView value = rest.first(size);
    if (auto valid = validate_value(*info, value); !valid) return valid.error();
    rest = rest.subspan(size);
    out.push_back(RawComponent{info, value, begin});
  }
  return out;
}

// For members that walk bytes_, which are valid by construction.
std::vector<RawComponent> split_valid(const Bytes& bytes) {
  auto parts = split(bytes);
  assert(parts.ok());
  return parts.ok() ? std::move(parts).value() : std::vector<RawComponent>{};
}

void append_component(Bytes& out, const ProtocolInfo& info, ByteView value) {
  append_uvarint(out, static_cast<std::uint64_t>(info.protocol));
  if (info.length_prefixed()) append_uvarint(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace

std::string Component::value_string() const {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint64_t>(protocol));
  if (info == nullptr) return "0x" + to_hex(value);
  return value_to_string(*info, value);
}

std::string Component::to_string() const {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint64_t>(protocol));
  if (info == nullptr) {
    return fmt::format("/{}/0x{}", static_cast<std::uint32_t>(protocol), to_hex(value));
  }
  std::string out = "/";
  out += info->name;
  if (info->has_value()) {
    out.push_back('/');
    out += value_to_string(*info, value);
  }
  return out;
}

std::optional<std::uint16_t> Component::port() const {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint64_t>(protocol));
  if (info == nullptr || info->kind != ValueKind::port || value.size() != 2) return std::nullopt;
  return static_cast<std::uint16_t>(value[0] << 8 | value[1]);
}

Result<Multiaddr> Multiaddr::parse(std::string_view text) {
  if (text.size() > kMaxMultiaddrTextLength) {
    return make_error("multiaddr text too long ({} chars)", text.size());
  }
  if (text.empty() || text.front() != '/') return make_error("multiaddr must start with '/'");
  text.remove_prefix(1);
  // go-multiaddr accepts one trailing slash ("/ip4/1.2.3.4/tcp/1/"); so do we.
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.empty()) return make_error("empty multiaddr");

  // Yields the next '/'-separated segment (possibly empty, so "a//b" and "a//" are caught), or
  // nullopt after the last one.
  std::size_t pos = 0;
  bool done = false;
  auto next_segment = [&]() -> std::optional<std::string_view> {
    if (done) return std::nullopt;
    const auto slash = text.find('/', pos);
    if (slash == std::string_view::npos) {
      done = true;
      return text.substr(pos);
    }
    const std::string_view segment = text.substr(pos, slash - pos);
    pos = slash + 1;
    return segment;
  };

  Bytes out;
  while (auto name = next_segment()) {
    if (name->empty()) return make_error("empty protocol name in multiaddr");
    const ProtocolInfo* info = find_protocol(*name);
    if (info == nullptr) return make_error("unknown multiaddr protocol '{}'", *name);
    if (!info->has_value()) {
      append_component(out, *info, {});
      continue;
    }
    auto value_text = next_segment();
    if (!value_text) return make_error("/{} needs a value", info->name);
    auto value = value_from_string(*info, *value_text);
    if (!value) return value.error();
    append_component(out, *info, *value);
  }
  if (out.size() > kMaxMultiaddrBytes) {
    return make_error("multiaddr too long ({} bytes)", out.size());
  }
  return Multiaddr(std::move(out));
}

Result<Multiaddr> Multiaddr::from_bytes(ByteView bytes) {
  if (bytes.empty()) return make_error("empty multiaddr");
  if (bytes.size() > kMaxMultiaddrBytes) {
    return make_error("multiaddr too long ({} bytes)", bytes.size());
  }
  auto parts = split(bytes);
  if (!parts) return parts.error();
  return Multiaddr(Bytes(bytes.begin(), bytes.end()));
}

Result<Multiaddr> Multiaddr::from_components(std::span<const Component> components) {
  Multiaddr out;
  for (const auto& c : components) {
    auto next = out.try_with(c.protocol, c.value);
    if (!next) return next.error();
    out = std::move(next).value();
  }
  return out;
}

std::string Multiaddr::to_string() const {
  if (bytes_.empty()) return "/";
  std::string out;
  for (const auto& part : split_valid(bytes_)) {
    out.push_back('/');
    out += part.info->name;
    if (part.info->has_value()) {
      out.push_back('/');
      out += value_to_string(*part.info, part.value);
    }
  }
  return out;
}

std::vector<Component> Multiaddr::components() const {
  std::vector<Component> out;
  for (const auto& part : split_valid(bytes_)) {
    out.push_back(Component{part.info->protocol, Bytes(part.value.begin(), part.value.end())});
  }
  return out;
}

Multiaddr Multiaddr::encapsulate(const Multiaddr& inner) const {
  Bytes out = bytes_;
  out.insert(out.end(), inner.bytes_.begin(), inner.bytes_.end());
  return Multiaddr(std::move(out));
}

Result<Multiaddr> Multiaddr::try_with(Protocol protocol, ByteView value) const {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint64_t>(protocol));
  if (info == nullptr) {
    return make_error("unknown multiaddr protocol code {}", static_cast<std::uint32_t>(protocol));
  }
  if (auto valid = validate_value(*info, value); !valid) return valid.error();
  Bytes out = bytes_;
  append_component(out, *info, value);
  return Multiaddr(std::move(out));
}

Multiaddr Multiaddr::with(Protocol protocol, Bytes value) const {
  auto result = try_with(protocol, value);
  assert(result.ok() && "Multiaddr::with: invalid value for protocol");
  return result.ok() ? std::move(result).value() : *this;
}

Multiaddr Multiaddr::with_port(Protocol protocol, std::uint16_t port) const {
  return with(protocol,
              Bytes{static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port & 0xff)});
}

std::optional<Bytes> Multiaddr::peer_id_bytes() const {
  std::optional<Bytes> found;
  for (const auto& part : split_valid(bytes_)) {
    if (part.info->protocol == Protocol::p2p) found.emplace(part.value.begin(), part.value.end());
  }
  return found;
}

Multiaddr Multiaddr::decapsulate_p2p() const {
  const auto parts = split_valid(bytes_);
  if (parts.empty() || parts.back().info->protocol != Protocol::p2p) return *this;
  return Multiaddr(
      Bytes(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(parts.back().begin)));
}

Multiaddr Multiaddr::decapsulate(Protocol protocol) const {
  const auto parts = split_valid(bytes_);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (it->info->protocol == protocol) {
      return Multiaddr(
          Bytes(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(it->begin)));
    }
  }
  return *this;
}

bool Multiaddr::contains(Protocol protocol) const {
  return value_for(protocol).has_value();
}

std::optional<Bytes> Multiaddr::value_for(Protocol protocol) const {
  for (const auto& part : split_valid(bytes_)) {
    if (part.info->protocol == protocol) return Bytes(part.value.begin(), part.value.end());
  }
  return std::nullopt;
}

}  // namespace privstack::multiformats

std::size_t std::hash<privstack::multiformats::Multiaddr>::operator()(
    const privstack::multiformats::Multiaddr& addr) const noexcept {
  // FNV-1a over the canonical bytes: addresses are short, and equal addresses have equal bytes.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : addr.bytes()) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return static_cast<std::size_t>(h);
}
