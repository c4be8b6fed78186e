// Standard Webhooks v1 verification against its floor: what any correct verifier must spend.
//
//   signature/v1/verify/PAYLOAD             signature_verifier::verify with one secret, the
//                                           header holding one matching `v1,` entry
//   signature/openssl_hmac_floor/PAYLOAD    the same HMAC-SHA256 of id.timestamp.body with
//                                           OpenSSL's EVP_MAC (algorithm fetched and context made
//                                           once, re-keyed per message as verify does), plus
//                                           EVP_EncodeBlock of the MAC; no header parsing and no
//                                           comparison
//
// Bodies: the provider's three samples (testing.hpp's delivery_builder) and a 4 KiB body of an
// unknown event type. Bytes counted are id + timestamp + body + 2 separators.

#include <benchmark/benchmark.h>

#include <megaport/webhooks/signature.hpp>
#include <megaport/webhooks/testing.hpp>

#include <openssl/evp.h>

#include <cstdlib>
#include <string>

namespace {

namespace mw = megaport::webhooks;
using mw::testing::delivery_builder;

const char* const bench_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One signed delivery: the texts verify sees.
struct signed_delivery {
  std::string id;
  std::string timestamp;
  std::string body;
  std::string signature;

  std::size_t signed_bytes() const { return id.size() + timestamp.size() + body.size() + 2; }
};

std::string unknown_4k_body() {
  delivery_builder b("network.port.maintenance_scheduled");
  std::string padding;
  b.data_field("notes", mw::testing::json_string(padding));
  const std::size_t overhead = b.body().size();
  padding.assign(4096 - overhead, 'n');
  b.data_field("notes", mw::testing::json_string(padding));
  return b.body();
}

signed_delivery make(const std::string& body) {
  signed_delivery d;
  d.id = "2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
  d.timestamp = "1767225600";
  d.body = body;
  const auto entry = mw::sign_v1(bench_secret, d.id, d.timestamp, d.body);
  if (!entry) std::abort();
  d.signature = *entry;
  return d;
}

signed_delivery payload(const std::string& name) {
  if (name == "login_failure") return make(delivery_builder::login_failure().body());
  if (name == "user_registration") return make(delivery_builder::user_registration().body());
  if (name == "password_reset_request") {
    return make(delivery_builder::password_reset_request().body());
  }
  return make(unknown_4k_body());
}

void count(benchmark::State& state, const signed_delivery& d) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.signed_bytes()));
}

void verify_v1(benchmark::State& state, const std::string& name) {
  const signed_delivery d = payload(name);
  mw::signature_verifier verifier(mw::signature_mode::required);
  if (verifier.add_secret(bench_secret)) std::abort();
  const mw::header_match header{d.signature, 1};

  for (auto _ : state) {
    const mw::error e = verifier.verify(d.id, d.timestamp, d.body, header);
    if (e) state.SkipWithError("the signature did not verify");
    benchmark::DoNotOptimize(e);
  }
  count(state, d);
}

void hmac_floor(benchmark::State& state, const std::string& name) {
  const signed_delivery d = payload(name);
  const auto key = mw::decode_secret(bench_secret);
  const auto* key_bytes = reinterpret_cast<const unsigned char*>(key->data());

  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  EVP_MAC_CTX_set_params(ctx, params);
  const auto feed = [ctx](const std::string& s) {
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  const std::string dot = ".";
  unsigned char text[45] = {};

  for (auto _ : state) {
    unsigned char out[32];
    std::size_t size = 0;
    EVP_MAC_init(ctx, key_bytes, key->size(), nullptr);
    feed(d.id);
    feed(dot);
    feed(d.timestamp);
    feed(dot);
    feed(d.body);
    EVP_MAC_final(ctx, out, &size, sizeof out);
    EVP_EncodeBlock(text, out, static_cast<int>(size));
    benchmark::DoNotOptimize(text);
  }
  // The floor computed the very signature that verify compares.
  if (d.signature.substr(3) != reinterpret_cast<const char*>(text)) {
    state.SkipWithError("the floor computed another MAC");
  }
  count(state, d);

  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}

void register_all() {
  for (const char* name :
       {"login_failure", "user_registration", "password_reset_request", "unknown_4k"}) {
    const std::string n = name;
    benchmark::RegisterBenchmark(("signature/v1/verify/" + n).c_str(),
                                 [n](benchmark::State& s) { verify_v1(s, n); });
    benchmark::RegisterBenchmark(("signature/openssl_hmac_floor/" + n).c_str(),
                                 [n](benchmark::State& s) { hmac_floor(s, n); });
  }
}

[[maybe_unused]] const int registered = (register_all(), 0);

}  // namespace
