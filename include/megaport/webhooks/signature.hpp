#pragma once

/// \file
/// Standard Webhooks signatures (`webhook-signature`) checked with OpenSSL 3: `v1` entries
/// (HMAC-SHA256 with `whsec_` secrets) and `v1a` entries (ed25519 with `whpk_` public keys), as
/// a signature policy for the receiver, and the signing side for senders and tests. Needs the
/// `megaport::webhooks_signature` target (OpenSSL's libcrypto); the core never includes it.
///
///     signature_verifier verifier(signature_mode::required);
///     if (auto failure = verifier.add_secret("whsec_...")) { /* failure.message() */ }
///     receiver<default_event_set, tolerance_window, signature_verifier> r(store, {},
///                                                                     tolerance_window(),
///                                                                     verifier);

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "error.hpp"
#include "request.hpp"
#include "version.hpp"

#ifndef MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES
/// How many entries of one `webhook-signature` header are looked at; the rest are ignored, so
/// that a hostile list cannot make the receiver run ed25519 over a large body again and again.
/// The user's value wins.
#define MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES 8
#endif

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// How a receiver treats `webhook-signature`.
enum class signature_mode : std::uint8_t {
  off,                ///< verify nothing (the default: the provider signs nothing today)
  verify_if_present,  ///< a header that is sent must verify; a delivery without one passes
  required,           ///< every delivery must carry a signature that verifies
};

/// Shortest secret accepted, in bytes after base64 decoding: 128 bits. Standard Webhooks
/// senders use 24 to 64 bytes.
constexpr std::size_t min_secret_size = 16;

/// Size of an ed25519 public key, private key (seed) and signature, in bytes.
constexpr std::size_t ed25519_key_size = 32;
constexpr std::size_t ed25519_signature_size = 64;

/// What is wrong with a secret or key handed to the library.
enum class key_errc : int {
  ok = 0,
  empty,           ///< nothing was given
  missing_prefix,  ///< not `whsec_...` (secrets) or `whpk_...` (public keys)
  empty_key,       ///< the prefix with nothing after it
  invalid_base64,  ///< not standard base64 with padding
  too_short,       ///< a secret under `min_secret_size` bytes
  wrong_size,      ///< an ed25519 key that is not 32 bytes
  crypto_failure,  ///< OpenSSL refused the key or failed
};

/// One-line description of a key error.
constexpr std::string_view describe(key_errc code) noexcept {
  switch (code) {
    case key_errc::ok: return "ok";
    case key_errc::empty: return "the secret or key is empty";
    case key_errc::missing_prefix:
      return "a secret starts with whsec_ and a public key with whpk_ (raw bytes: add_raw_...)";
    case key_errc::empty_key: return "nothing follows the whsec_ or whpk_ prefix";
    case key_errc::invalid_base64: return "not standard base64 with padding";
    case key_errc::too_short: return "the secret is shorter than 16 bytes once decoded";
    case key_errc::wrong_size: return "an ed25519 key is 32 bytes";
    case key_errc::crypto_failure: return "OpenSSL failed";
  }
  return "unknown key error";
}

namespace detail {

class key_error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "megaport-webhooks-keys"; }
  std::string message(int value) const override {
    return std::string(describe(static_cast<key_errc>(value)));
  }
};

}  // namespace detail

/// The category of `key_errc` values inside `std::error_code`.
inline const std::error_category& key_error_category() noexcept {
  static const detail::key_error_category_impl category;
  return category;
}

/// Makes `key_errc` usable as a `std::error_code`.
inline std::error_code make_error_code(key_errc code) noexcept {
  return {static_cast<int>(code), key_error_category()};
}

/// A value made from a key (a signature entry, a decoded secret, a public key), or the error
/// that prevented it.
template <class T>
struct [[nodiscard]] key_result {
  T value{};
  std::error_code error;

  explicit operator bool() const noexcept { return !error; }
  const T& operator*() const noexcept { return value; }
  const T* operator->() const noexcept { return &value; }
};

namespace detail {

constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Characters of the padded standard base64 of `size` bytes.
constexpr std::size_t base64_size(std::size_t size) noexcept {
  return (size + 2) / 3 * 4;
}

/// Writes the padded standard base64 of `data` to `out` (`base64_size(size)` characters).
inline void encode_base64(const unsigned char* data, std::size_t size, char* out) noexcept {
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v =
        std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | data[i + 2];
    *out++ = base64_alphabet[v >> 18];
    *out++ = base64_alphabet[v >> 12 & 63];
    *out++ = base64_alphabet[v >> 6 & 63];
    *out++ = base64_alphabet[v & 63];
  }
  if (i == size) return;

  const bool two = size - i == 2;
  const std::uint32_t v =
      std::uint32_t{data[i]} << 16 | (two ? std::uint32_t{data[i + 1]} << 8 : 0);
  *out++ = base64_alphabet[v >> 18];
  *out++ = base64_alphabet[v >> 12 & 63];
  *out++ = two ? base64_alphabet[v >> 6 & 63] : '=';
  *out++ = '=';
}

constexpr int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/// Bytes that `text` decodes to, or -1 if it is not canonical padded standard base64 (length a
/// multiple of 4, padding only at the end, unused bits zero).
constexpr std::ptrdiff_t decoded_base64_size(std::string_view text) noexcept {
  if (text.empty() || text.size() % 4 != 0) return -1;

  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text[text.size() - 2] == '=') ++padding;
  if (padding == 1 && text[text.size() - 2] == '=') return -1;

  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (base64_value(text[i]) < 0) return -1;
  }

  const int last = base64_value(text[text.size() - padding - 1]);
  if (padding == 1 && (last & 3) != 0) return -1;
  if (padding == 2 && (last & 15) != 0) return -1;
  return static_cast<std::ptrdiff_t>(text.size() / 4 * 3 - padding);
}

/// Decodes `text`, already checked by `decoded_base64_size`, into `out`.
inline void decode_base64(std::string_view text, unsigned char* out) noexcept {
  std::uint32_t bits = 0;
  int held = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = bits << 6 | static_cast<std::uint32_t>(base64_value(c));
    held += 6;
    if (held >= 8) {
      held -= 8;
      *out++ = static_cast<unsigned char>(bits >> held);
    }
  }
}

/// Decodes `text` into `out`; false if it is not canonical padded standard base64.
inline bool decode_base64(std::string_view text, std::vector<unsigned char>& out) {
  const std::ptrdiff_t size = decoded_base64_size(text);
  if (size < 0) return false;
  out.resize(static_cast<std::size_t>(size));
  decode_base64(text, out.data());
  return true;
}

/// Bytes of a secret, wiped when they are dropped.
class secret_bytes {
 public:
  secret_bytes() = default;
  explicit secret_bytes(std::vector<unsigned char> bytes) noexcept : bytes_(std::move(bytes)) {}
  secret_bytes(const secret_bytes&) = default;
  secret_bytes(secret_bytes&&) noexcept = default;
  secret_bytes& operator=(const secret_bytes& other) {
    if (this != &other) {
      wipe();
      bytes_ = other.bytes_;
    }
    return *this;
  }
  secret_bytes& operator=(secret_bytes&& other) noexcept {
    if (this != &other) {
      wipe();
      bytes_ = std::move(other.bytes_);
    }
    return *this;
  }
  ~secret_bytes() { wipe(); }

  const unsigned char* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }

 private:
  void wipe() noexcept {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }

  std::vector<unsigned char> bytes_;
};

/// Checks `text` as `prefix` + base64 and decodes it into `out`.
inline key_errc decode_prefixed(std::string_view text, std::string_view prefix,
                                std::vector<unsigned char>& out) {
  if (text.empty()) return key_errc::empty;
  if (text.substr(0, prefix.size()) != prefix) return key_errc::missing_prefix;
  text.remove_prefix(prefix.size());
  if (text.empty()) return key_errc::empty_key;
  if (!decode_base64(text, out)) return key_errc::invalid_base64;
  return key_errc::ok;
}

/// The process's HMAC implementation, fetched once from OpenSSL's default provider.
struct hmac_algorithm {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  hmac_algorithm() = default;
  hmac_algorithm(const hmac_algorithm&) = delete;
  hmac_algorithm& operator=(const hmac_algorithm&) = delete;
  ~hmac_algorithm() { EVP_MAC_free(mac); }

  static EVP_MAC* get() noexcept {
    static const hmac_algorithm algorithm;
    return algorithm.mac;
  }
};

/// One HMAC-SHA256 context per thread, made on first use and re-keyed for every message.
struct hmac_context {
  EVP_MAC_CTX* ctx = nullptr;
  hmac_context() = default;
  hmac_context(const hmac_context&) = delete;
  hmac_context& operator=(const hmac_context&) = delete;
  ~hmac_context() { EVP_MAC_CTX_free(ctx); }

  static EVP_MAC_CTX* get() noexcept {
    static thread_local hmac_context holder;
    if (holder.ctx != nullptr) return holder.ctx;

    EVP_MAC* mac = hmac_algorithm::get();
    if (mac == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    if (ctx == nullptr) return nullptr;

    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    holder.ctx = ctx;
    return ctx;
  }
};

constexpr std::size_t hmac_size = 32;
constexpr std::size_t v1_signature_chars = base64_size(hmac_size);                // 44
constexpr std::size_t v1a_signature_chars = base64_size(ed25519_signature_size);  // 88

inline bool update(EVP_MAC_CTX* ctx, std::string_view bytes) noexcept {
  return bytes.empty() || EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(bytes.data()),
                                         bytes.size()) == 1;
}

/// HMAC-SHA256 of `id.timestamp.body` with `key`, fed piece by piece (no copy of the body).
inline bool hmac_v1(const unsigned char* key, std::size_t key_size, std::string_view id,
                    std::string_view timestamp, std::string_view body,
                    unsigned char (&mac)[hmac_size]) noexcept {
  EVP_MAC_CTX* ctx = hmac_context::get();
  if (ctx == nullptr || EVP_MAC_init(ctx, key, key_size, nullptr) != 1) return false;

  const bool fed = update(ctx, id) && update(ctx, ".") && update(ctx, timestamp) &&
                   update(ctx, ".") && update(ctx, body);
  std::size_t size = 0;
  return fed && EVP_MAC_final(ctx, mac, &size, sizeof mac) == 1 && size == hmac_size;
}

/// `id.timestamp.body` in one buffer from `std::malloc`, for ed25519, which signs whole messages.
class signed_content {
 public:
  signed_content(std::string_view id, std::string_view timestamp, std::string_view body) noexcept
      : size_(id.size() + timestamp.size() + body.size() + 2),
        data_(static_cast<unsigned char*>(std::malloc(size_))) {
    if (data_ == nullptr) return;
    unsigned char* out = data_;
    out = put(out, id);
    *out++ = '.';
    out = put(out, timestamp);
    *out++ = '.';
    put(out, body);
  }
  signed_content(const signed_content&) = delete;
  signed_content& operator=(const signed_content&) = delete;
  ~signed_content() { std::free(data_); }

  const unsigned char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }

 private:
  static unsigned char* put(unsigned char* out, std::string_view bytes) noexcept {
    for (char c : bytes)
      *out++ = static_cast<unsigned char>(c);
    return out;
  }

  std::size_t size_;
  unsigned char* data_;
};

/// An ed25519 public key held by OpenSSL; copies share it.
class public_key {
 public:
  explicit public_key(EVP_PKEY* key) noexcept : key_(key) {}
  public_key(const public_key& other) noexcept : key_(other.key_) {
    if (key_ != nullptr) EVP_PKEY_up_ref(key_);
  }
  public_key(public_key&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}
  public_key& operator=(public_key other) noexcept {
    std::swap(key_, other.key_);
    return *this;
  }
  ~public_key() { EVP_PKEY_free(key_); }

  EVP_PKEY* get() const noexcept { return key_; }

 private:
  EVP_PKEY* key_;
};

/// True if `signature` (64 bytes) is `key`'s ed25519 signature of `content`.
inline bool verify_ed25519(EVP_MD_CTX* ctx, EVP_PKEY* key, const unsigned char* signature,
                           const signed_content& content) noexcept {
  EVP_MD_CTX_reset(ctx);
  if (EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx, signature, ed25519_signature_size, content.data(), content.size()) ==
         1;
}

/// One `version,signature` entry of a `webhook-signature` list.
struct signature_entry {
  std::string_view version;
  std::string_view signature;
};

/// Splits the space-separated list `header` into at most `capacity` entries; returns how many.
/// Entries without a comma are dropped.
inline std::size_t split_entries(std::string_view header, signature_entry* out,
                                 std::size_t capacity) noexcept {
  std::size_t count = 0;
  while (!header.empty() && count < capacity) {
    const std::size_t space = header.find(' ');
    const std::string_view entry = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view() : header.substr(space + 1);

    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos) continue;
    out[count++] = {entry.substr(0, comma), entry.substr(comma + 1)};
  }
  return count;
}

}  // namespace detail

/// Decodes a `whsec_` secret into the key bytes HMAC uses.
inline key_result<std::string> decode_secret(std::string_view secret) {
  std::vector<unsigned char> bytes;
  const key_errc failure = detail::decode_prefixed(secret, "whsec_", bytes);
  if (failure != key_errc::ok) return {{}, make_error_code(failure)};
  if (bytes.size() < min_secret_size) return {{}, make_error_code(key_errc::too_short)};
  return {std::string(bytes.begin(), bytes.end()), {}};
}

/// Checks Standard Webhooks signatures: a signature policy for `receiver`.
///
/// Holds any number of `v1` secrets and `v1a` public keys at once, so that a secret can be
/// rotated: a delivery verifies when any entry of its header matches any of them. Entries of
/// other versions, and entries that are malformed, match nothing.
///
/// \note Set-up (`add_...`, `set_mode`) is not thread-safe; `verify` is, once set-up is done.
/// \note When `webhook-signature` is sent more than once, only the first one is looked at.
/// \note `v1` feeds the body to HMAC in place. `v1a` copies id, timestamp and body into one
/// buffer from `std::malloc` (ed25519 signs the whole message at once), and only when the
/// header has a `v1a` entry and a public key is set; a failed allocation refuses the delivery.
class signature_verifier {
 public:
  /// A verifier in mode `off`.
  signature_verifier() noexcept = default;
  explicit signature_verifier(signature_mode mode) noexcept : mode_(mode) {}

  signature_mode mode() const noexcept { return mode_; }
  signature_verifier& set_mode(signature_mode mode) noexcept {
    mode_ = mode;
    return *this;
  }

  /// Adds a `v1` secret given as `whsec_` + base64 (strict: standard alphabet, padded, at least
  /// `min_secret_size` bytes once decoded).
  [[nodiscard]] std::error_code add_secret(std::string_view secret) {
    std::vector<unsigned char> bytes;
    const key_errc failure = detail::decode_prefixed(secret, "whsec_", bytes);
    if (failure != key_errc::ok) return make_error_code(failure);
    if (bytes.size() < min_secret_size) return make_error_code(key_errc::too_short);
    secrets_.emplace_back(std::move(bytes));
    return {};
  }

  /// Adds a `v1` secret whose bytes are the HMAC key exactly as given (no prefix, no base64).
  /// \warning Only emptiness is refused: a short raw key is as weak as it looks.
  [[nodiscard]] std::error_code add_raw_secret(std::string_view key) {
    if (key.empty()) return make_error_code(key_errc::empty);
    secrets_.emplace_back(std::vector<unsigned char>(key.begin(), key.end()));
    return {};
  }

  /// Adds a `v1a` ed25519 public key given as `whpk_` + base64 of its 32 bytes.
  [[nodiscard]] std::error_code add_public_key(std::string_view key) {
    std::vector<unsigned char> bytes;
    const key_errc failure = detail::decode_prefixed(key, "whpk_", bytes);
    if (failure != key_errc::ok) return make_error_code(failure);
    return add_raw_public_key(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  /// Adds a `v1a` ed25519 public key given as its 32 raw bytes.
  [[nodiscard]] std::error_code add_raw_public_key(std::string_view key) {
    if (key.empty()) return make_error_code(key_errc::empty);
    if (key.size() != ed25519_key_size) return make_error_code(key_errc::wrong_size);

    EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    if (pkey == nullptr) return make_error_code(key_errc::crypto_failure);
    detail::public_key held(pkey);
    keys_.push_back(std::move(held));
    return {};
  }

  std::size_t secret_count() const noexcept { return secrets_.size(); }
  std::size_t public_key_count() const noexcept { return keys_.size(); }

  /// The signature policy: `missing_signature` or `invalid_signature` refuse the delivery.
  [[nodiscard]] error verify(std::string_view id, std::string_view timestamp, std::string_view body,
                             const header_match& signature) const noexcept {
    if (mode_ == signature_mode::off) return {};
    if (signature.count == 0) {
      if (mode_ == signature_mode::required) {
        return {errc::missing_signature, {}, "webhook-signature"};
      }
      return {};
    }
    if (matches(id, timestamp, body, signature.value)) return {};
    return {errc::invalid_signature, {}, "webhook-signature"};
  }

  /// True if some entry of the `webhook-signature` value `header` verifies, whatever the mode.
  [[nodiscard]] bool matches(std::string_view id, std::string_view timestamp, std::string_view body,
                             std::string_view header) const noexcept {
    detail::signature_entry entries[MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES];
    const std::size_t count =
        detail::split_entries(header, entries, MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES);

    bool has_v1 = false;
    bool has_v1a = false;
    for (std::size_t i = 0; i < count; ++i) {
      has_v1 = has_v1 || entries[i].version == "v1";
      has_v1a = has_v1a || entries[i].version == "v1a";
    }

    if (has_v1 && match_v1(id, timestamp, body, entries, count)) return true;
    return has_v1a && match_v1a(id, timestamp, body, entries, count);
  }

 private:
  bool match_v1(std::string_view id, std::string_view timestamp, std::string_view body,
                const detail::signature_entry* entries, std::size_t count) const noexcept {
    for (const auto& secret : secrets_) {
      unsigned char mac[detail::hmac_size];
      if (!detail::hmac_v1(secret.data(), secret.size(), id, timestamp, body, mac)) continue;
      char expected[detail::v1_signature_chars];
      detail::encode_base64(mac, sizeof mac, expected);

      for (std::size_t i = 0; i < count; ++i) {
        const auto& entry = entries[i];
        if (entry.version != "v1" || entry.signature.size() != sizeof expected) continue;
        if (CRYPTO_memcmp(entry.signature.data(), expected, sizeof expected) == 0) return true;
      }
    }
    return false;
  }

  bool match_v1a(std::string_view id, std::string_view timestamp, std::string_view body,
                 const detail::signature_entry* entries, std::size_t count) const noexcept {
    if (keys_.empty()) return false;
    const detail::signed_content content(id, timestamp, body);
    if (!content) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return false;

    bool verified = false;
    for (std::size_t i = 0; i < count && !verified; ++i) {
      const auto& entry = entries[i];
      if (entry.version != "v1a" || entry.signature.size() != detail::v1a_signature_chars ||
          detail::decoded_base64_size(entry.signature) !=
              static_cast<std::ptrdiff_t>(ed25519_signature_size)) {
        continue;
      }
      unsigned char signature[ed25519_signature_size];
      detail::decode_base64(entry.signature, signature);

      for (const auto& key : keys_) {
        if (detail::verify_ed25519(ctx, key.get(), signature, content)) {
          verified = true;
          break;
        }
      }
    }
    EVP_MD_CTX_free(ctx);
    return verified;
  }

  signature_mode mode_ = signature_mode::off;
  std::vector<detail::secret_bytes> secrets_;
  std::vector<detail::public_key> keys_;
};

/// The `v1,<base64>` entry for `id.timestamp.body` with raw HMAC key bytes `key`.
inline key_result<std::string> sign_v1_raw(std::string_view key, std::string_view id,
                                           std::string_view timestamp, std::string_view body) {
  if (key.empty()) return {{}, make_error_code(key_errc::empty)};

  unsigned char mac[detail::hmac_size];
  if (!detail::hmac_v1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), id,
                       timestamp, body, mac)) {
    return {{}, make_error_code(key_errc::crypto_failure)};
  }
  std::string entry = "v1,";
  entry.resize(entry.size() + detail::v1_signature_chars);
  detail::encode_base64(mac, sizeof mac, &entry[3]);
  OPENSSL_cleanse(mac, sizeof mac);
  return {std::move(entry), {}};
}

/// The `v1,<base64>` entry for `id.timestamp.body` with a `whsec_` secret, as a sender puts it
/// in `webhook-signature`. `timestamp` is the header's text; `body` the exact bytes sent.
inline key_result<std::string> sign_v1(std::string_view secret, std::string_view id,
                                       std::string_view timestamp, std::string_view body) {
  auto key = decode_secret(secret);
  if (!key) return {{}, key.error};
  auto entry = sign_v1_raw(key.value, id, timestamp, body);
  OPENSSL_cleanse(&key.value[0], key.value.size());
  return entry;
}

/// The `whpk_` public key of the ed25519 private key `private_key` (its 32-byte seed).
inline key_result<std::string> public_key_of(std::string_view private_key) {
  if (private_key.size() != ed25519_key_size) return {{}, make_error_code(key_errc::wrong_size)};

  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_key.data()),
      private_key.size());
  unsigned char raw[ed25519_key_size];
  std::size_t size = sizeof raw;
  const bool ok =
      pkey != nullptr && EVP_PKEY_get_raw_public_key(pkey, raw, &size) == 1 && size == sizeof raw;
  EVP_PKEY_free(pkey);
  if (!ok) return {{}, make_error_code(key_errc::crypto_failure)};

  std::string text = "whpk_";
  text.resize(text.size() + detail::base64_size(sizeof raw));
  detail::encode_base64(raw, sizeof raw, &text[5]);
  return {std::move(text), {}};
}

/// The `v1a,<base64>` entry for `id.timestamp.body`, signed with the ed25519 private key
/// `private_key` (its 32-byte seed).
inline key_result<std::string> sign_v1a(std::string_view private_key, std::string_view id,
                                        std::string_view timestamp, std::string_view body) {
  if (private_key.size() != ed25519_key_size) return {{}, make_error_code(key_errc::wrong_size)};

  const detail::signed_content content(id, timestamp, body);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_key.data()),
      private_key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();

  unsigned char signature[ed25519_signature_size];
  std::size_t size = sizeof signature;
  const bool ok = content && pkey != nullptr && ctx != nullptr &&
                  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
                  EVP_DigestSign(ctx, signature, &size, content.data(), content.size()) == 1 &&
                  size == sizeof signature;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  if (!ok) return {{}, make_error_code(key_errc::crypto_failure)};

  std::string entry = "v1a,";
  entry.resize(entry.size() + detail::v1a_signature_chars);
  detail::encode_base64(signature, sizeof signature, &entry[4]);
  return {std::move(entry), {}};
}

/// A new random `whsec_` secret of `size` bytes (at least `min_secret_size`), from OpenSSL's
/// generator.
inline key_result<std::string> generate_secret(std::size_t size = 32) {
  if (size < min_secret_size) return {{}, make_error_code(key_errc::too_short)};

  std::vector<unsigned char> bytes(size);
  if (RAND_bytes(bytes.data(), static_cast<int>(size)) != 1) {
    return {{}, make_error_code(key_errc::crypto_failure)};
  }
  std::string text = "whsec_";
  text.resize(text.size() + detail::base64_size(size));
  detail::encode_base64(bytes.data(), size, &text[6]);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return {std::move(text), {}};
}

MEGAPORT_WEBHOOKS_NAMESPACE_END

namespace std {
template <>
struct is_error_code_enum<megaport::webhooks::key_errc> : true_type {};
}  // namespace std
