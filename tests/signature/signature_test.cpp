#include <megaport/webhooks/signature.hpp>

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"

namespace mw = megaport::webhooks;

namespace {

/// One valid vector of the Standard Webhooks fixture.
struct vector_case {
  std::string secret;
  std::string id;
  std::string timestamp;
  std::string body;
  std::string signature;
};

/// The fixture file, parsed once; it lives in tests/fixtures (copied from the specification's
/// published vectors, expected values recomputed independently).
struct vectors {
  std::vector<vector_case> valid;
  std::vector<std::string> must_not_verify;
  std::string list_with_one_valid_entry;
  std::vector<std::string> invalid_secrets;

  static const vectors& get() {
    static const vectors loaded = load();
    return loaded;
  }

 private:
  static std::string text(simdjson::dom::element e) {
    std::string_view view;
    REQUIRE(e.get_string().get(view) == simdjson::SUCCESS);
    return std::string(view);
  }

  static vectors load() {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    REQUIRE(parser.load(MEGAPORT_WEBHOOKS_SIGNATURE_VECTORS).get(root) == simdjson::SUCCESS);

    vectors v;
    for (simdjson::dom::element item : root["valid"].get_array()) {
      vector_case c;
      c.secret = text(item["secret"]);
      c.id = text(item["id"]);
      c.timestamp = std::to_string(std::int64_t(item["timestamp"].get_int64()));
      c.signature = text(item["signature"]);
      simdjson::dom::element repeat;
      if (item["body_repeat"].get(repeat) == simdjson::SUCCESS) {
        const std::string one = text(repeat["char"]);
        REQUIRE(one.size() == 1);
        c.body.assign(static_cast<std::size_t>(std::int64_t(repeat["count"].get_int64())), one[0]);
      } else {
        c.body = text(item["body"]);
      }
      v.valid.push_back(c);
    }
    for (simdjson::dom::element item : root["must_not_verify_against_first_valid"].get_array()) {
      v.must_not_verify.push_back(text(item));
    }
    v.list_with_one_valid_entry = text(root["list_with_one_valid_entry"]);
    for (simdjson::dom::element item : root["invalid_secrets"].get_array()) {
      v.invalid_secrets.push_back(text(item));
    }
    return v;
  }
};

mw::signature_verifier verifier_for(std::string_view secret,
                                    mw::signature_mode mode = mw::signature_mode::required) {
  mw::signature_verifier verifier(mode);
  REQUIRE_FALSE(verifier.add_secret(secret));
  return verifier;
}

mw::header_match header(std::string_view value) {
  return {value, 1};
}

/// A deterministic ed25519 private key (seed) for tests.
std::string test_seed(unsigned char first) {
  std::string seed(mw::ed25519_key_size, '\0');
  for (std::size_t i = 0; i < seed.size(); ++i)
    seed[i] = static_cast<char>(first + i * 7);
  return seed;
}

const std::string secret_a = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string secret_b = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

}  // namespace

TEST_CASE("the fixture holds the vectors the tests rely on", "[signature][vectors]") {
  const auto& v = vectors::get();
  CHECK(v.valid.size() == 3);
  CHECK(v.must_not_verify.size() == 8);
  CHECK(v.invalid_secrets.size() == 3);
  CHECK(v.valid[2].body.size() == 262144);
}

TEST_CASE("every valid vector verifies and signs to its expected value", "[signature][vectors]") {
  for (const auto& c : vectors::get().valid) {
    INFO("id " << c.id << ", body of " << c.body.size() << " bytes");
    const auto verifier = verifier_for(c.secret);
    CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header(c.signature)));

    const auto signed_entry = mw::sign_v1(c.secret, c.id, c.timestamp, c.body);
    REQUIRE(signed_entry);
    CHECK(*signed_entry == c.signature);
  }
}

TEST_CASE("no invalid signature verifies against the first vector", "[signature][vectors]") {
  const auto& v = vectors::get();
  const auto& c = v.valid[0];
  const auto verifier = verifier_for(c.secret);
  for (const auto& bad : v.must_not_verify) {
    INFO("signature header: '" << bad << "'");
    const mw::error e = verifier.verify(c.id, c.timestamp, c.body, header(bad));
    CHECK(e.code == mw::errc::invalid_signature);
    CHECK(e.subject == "webhook-signature");
  }
}

TEST_CASE("a list verifies when one entry of it matches", "[signature][vectors]") {
  const auto& v = vectors::get();
  const auto& c = v.valid[0];
  const auto verifier = verifier_for(c.secret);
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header(v.list_with_one_valid_entry)));

  // The same list without its valid entry matches nothing.
  std::string rest = v.list_with_one_valid_entry;
  const std::size_t at = rest.find(c.signature);
  REQUIRE(at != std::string::npos);
  rest.erase(at, c.signature.size() + 1);
  CHECK(verifier.verify(c.id, c.timestamp, c.body, header(rest)).code ==
        mw::errc::invalid_signature);
}

TEST_CASE("the fixture's invalid secrets are refused with a clear error", "[signature][secrets]") {
  const auto& invalid = vectors::get().invalid_secrets;
  REQUIRE(invalid.size() == 3);

  mw::signature_verifier verifier;
  CHECK(verifier.add_secret(invalid[0]) == mw::key_errc::empty);
  CHECK(verifier.add_secret(invalid[1]) == mw::key_errc::empty_key);
  CHECK(verifier.add_secret(invalid[2]) == mw::key_errc::invalid_base64);
  CHECK(verifier.secret_count() == 0);

  for (const auto& s : invalid) {
    const auto signed_entry = mw::sign_v1(s, "id", "1", "{}");
    CHECK_FALSE(signed_entry);
    CHECK(signed_entry.value.empty());
    CHECK_FALSE(signed_entry.error.message().empty());
  }
}

TEST_CASE("secrets are decoded strictly", "[signature][secrets]") {
  mw::signature_verifier verifier;
  CHECK(verifier.add_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == mw::key_errc::missing_prefix);
  CHECK(verifier.add_secret("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") ==
        mw::key_errc::missing_prefix);
  // Unpadded, URL-safe alphabet, inner whitespace, misplaced padding, non-zero spare bits.
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqr TwjUPD8ILPZIo2LaLaSw") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La=aSw") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLR==") ==
        mw::key_errc::invalid_base64);
  CHECK(verifier.add_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLQ==") == std::error_code());

  // 15 bytes is too short, 16 is enough.
  CHECK(verifier.add_secret("whsec_AAECAwQFBgcICQoLDA0O") == mw::key_errc::too_short);
  CHECK(verifier.add_secret("whsec_AAECAwQFBgcICQoLDA0ODw==") == std::error_code());
  CHECK(verifier.secret_count() == 2);

  const auto decoded = mw::decode_secret("whsec_AAECAwQFBgcICQoLDA0ODw==");
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 16);
  for (std::size_t i = 0; i < 16; ++i)
    CHECK(static_cast<unsigned char>((*decoded)[i]) == i);
}

TEST_CASE("a raw secret is used as given", "[signature][secrets]") {
  const auto& c = vectors::get().valid[1];
  const auto key = mw::decode_secret(c.secret);
  REQUIRE(key);

  mw::signature_verifier verifier(mw::signature_mode::required);
  CHECK(verifier.add_raw_secret("") == mw::key_errc::empty);
  REQUIRE_FALSE(verifier.add_raw_secret(*key));
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header(c.signature)));

  const auto entry = mw::sign_v1_raw(*key, c.id, c.timestamp, c.body);
  REQUIRE(entry);
  CHECK(*entry == c.signature);

  // The whsec_ text itself used as raw bytes is another key.
  mw::signature_verifier literal(mw::signature_mode::required);
  REQUIRE_FALSE(literal.add_raw_secret(c.secret));
  CHECK(literal.verify(c.id, c.timestamp, c.body, header(c.signature)).code ==
        mw::errc::invalid_signature);
}

TEST_CASE("tampered body, id or timestamp fail", "[signature][tamper]") {
  const auto& c = vectors::get().valid[1];
  const auto verifier = verifier_for(c.secret);
  const auto h = header(c.signature);

  std::string body = c.body;
  body[body.size() / 2] ^= 1;
  CHECK(verifier.verify(c.id, c.timestamp, body, h).code == mw::errc::invalid_signature);
  CHECK(verifier.verify(c.id, c.timestamp, c.body + " ", h).code == mw::errc::invalid_signature);
  CHECK(verifier.verify(c.id, c.timestamp, c.body.substr(1), h).code ==
        mw::errc::invalid_signature);
  CHECK(verifier.verify(c.id + "x", c.timestamp, c.body, h).code == mw::errc::invalid_signature);
  CHECK(verifier.verify(c.id, std::to_string(std::stoll(c.timestamp) + 1), c.body, h).code ==
        mw::errc::invalid_signature);
  // The timestamp is the header's own text: a leading zero is another message.
  CHECK(verifier.verify(c.id, "0" + c.timestamp, c.body, h).code == mw::errc::invalid_signature);
  // Moving the separator between id and timestamp changes the message too.
  CHECK(verifier.verify(c.id + ".", c.timestamp.substr(1), c.body, h).code ==
        mw::errc::invalid_signature);
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, h));
}

TEST_CASE("bodies are hashed as raw bytes: UTF-8, escapes, empty, 1 MiB", "[signature][bodies]") {
  const std::vector<std::string> bodies = {
      "",
      R"({"data":{"first_name":"Zoë","last_name":"Ångström","city":"東京","mood":"🙂"}})",
      R"({"data":{"first_name":"Zo\u00eb","note":"\ud83d\ude42 \"quoted\" \\ back"}})",
      std::string(1024 * 1024, 'x'),
      std::string("{\"nul\":\"") + std::string(1, '\0') + "\"}",
  };
  const std::string id = "2b1c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
  const std::string ts = "1767225600";
  const auto verifier = verifier_for(secret_b);

  for (const auto& body : bodies) {
    INFO("body of " << body.size() << " bytes");
    const auto entry = mw::sign_v1(secret_b, id, ts, body);
    REQUIRE(entry);
    CHECK(entry->size() == 3 + 44);
    CHECK_FALSE(verifier.verify(id, ts, body, header(*entry)));
    CHECK(verifier.verify(id, ts, body + "\n", header(*entry)).code == mw::errc::invalid_signature);
  }

  // The escaped and the unescaped spellings of one string are different bytes.
  const auto unescaped = mw::sign_v1(secret_b, id, ts, R"({"n":"Zoë"})");
  const auto escaped = mw::sign_v1(secret_b, id, ts, R"({"n":"Zo\u00eb"})");
  CHECK(*unescaped != *escaped);
}

TEST_CASE("several secrets: any of them verifies (rotation)", "[signature][rotation]") {
  const std::string id = "msg_rotation";
  const std::string ts = "1767225600";
  const std::string body = R"({"type":"security.login.failed"})";

  const auto fresh = mw::generate_secret();
  REQUIRE(fresh);
  CHECK(fresh->rfind("whsec_", 0) == 0);
  CHECK(mw::generate_secret(8).error == mw::key_errc::too_short);

  mw::signature_verifier verifier(mw::signature_mode::required);
  REQUIRE_FALSE(verifier.add_secret(secret_a));
  REQUIRE_FALSE(verifier.add_secret(*fresh));
  CHECK(verifier.secret_count() == 2);

  const auto by_old = mw::sign_v1(secret_a, id, ts, body);
  const auto by_new = mw::sign_v1(*fresh, id, ts, body);
  const auto by_other = mw::sign_v1(secret_b, id, ts, body);
  CHECK_FALSE(verifier.verify(id, ts, body, header(*by_old)));
  CHECK_FALSE(verifier.verify(id, ts, body, header(*by_new)));
  CHECK(verifier.verify(id, ts, body, header(*by_other)).code == mw::errc::invalid_signature);

  // A sender in the middle of a rotation sends both.
  const std::string both = *by_other + " " + *by_new;
  CHECK_FALSE(verifier.verify(id, ts, body, header(both)));

  // A copy verifies alike.
  const mw::signature_verifier copy = verifier;
  CHECK_FALSE(copy.verify(id, ts, body, header(*by_old)));
}

TEST_CASE("modes: off, verify if present, required", "[signature][modes]") {
  const auto& c = vectors::get().valid[0];
  const mw::header_match absent{};
  const auto good = header(c.signature);
  const auto bad = header(vectors::get().must_not_verify[0]);

  auto off = verifier_for(c.secret, mw::signature_mode::off);
  CHECK(mw::signature_verifier().mode() == mw::signature_mode::off);
  CHECK_FALSE(off.verify(c.id, c.timestamp, c.body, absent));
  CHECK_FALSE(off.verify(c.id, c.timestamp, c.body, bad));

  const auto if_present = verifier_for(c.secret, mw::signature_mode::verify_if_present);
  CHECK_FALSE(if_present.verify(c.id, c.timestamp, c.body, absent));
  CHECK_FALSE(if_present.verify(c.id, c.timestamp, c.body, good));
  CHECK(if_present.verify(c.id, c.timestamp, c.body, bad).code == mw::errc::invalid_signature);

  const auto required = verifier_for(c.secret, mw::signature_mode::required);
  const mw::error missing = required.verify(c.id, c.timestamp, c.body, absent);
  CHECK(missing.code == mw::errc::missing_signature);
  CHECK(missing.message() == "webhook-signature: signature required");
  CHECK_FALSE(required.verify(c.id, c.timestamp, c.body, good));
  CHECK(required.verify(c.id, c.timestamp, c.body, bad).message() ==
        "webhook-signature: no signature matched");

  // Required without any secret or key: nothing verifies.
  const mw::signature_verifier empty(mw::signature_mode::required);
  CHECK(empty.verify(c.id, c.timestamp, c.body, good).code == mw::errc::invalid_signature);

  // A repeated header: the first value is the one looked at.
  CHECK_FALSE(required.verify(c.id, c.timestamp, c.body, {c.signature, 2}));
  CHECK(off.set_mode(mw::signature_mode::required).mode() == mw::signature_mode::required);
}

TEST_CASE("malformed headers match nothing and never crash", "[signature][hostile]") {
  const auto& c = vectors::get().valid[0];
  auto verifier = verifier_for(c.secret);
  REQUIRE_FALSE(verifier.add_public_key(*mw::public_key_of(test_seed(1))));

  const std::string valid_sig = c.signature.substr(3);
  const std::vector<std::string> hostile = {
      "",
      " ",
      "   ",
      ",",
      ",,,,",
      "v1",
      "v1,",
      "v1a,",
      "v1a," + std::string(88, '='),
      "v1a," + std::string(88, 'A'),
      "v1a," + std::string(86, 'A') + "==",
      "v1a," + valid_sig,
      "V1," + valid_sig,
      " v1 ," + valid_sig,
      "v1," + valid_sig + "=",
      "v1," + valid_sig.substr(0, 43),
      "v1,," + valid_sig,
      "v1," + std::string(44, '\0'),
      std::string(8192, ' '),
      std::string(8192, ','),
      std::string(8192, 'v'),
  };
  for (const auto& h : hostile) {
    INFO("header of " << h.size() << " bytes: '" << h.substr(0, 60) << "'");
    CHECK(verifier.verify(c.id, c.timestamp, c.body, header(h)).code ==
          mw::errc::invalid_signature);
  }

  // Separators around a valid entry are fine.
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header("  " + c.signature + "  ")));
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header("x v2,abc " + c.signature)));
}

TEST_CASE("only the first entries of a long list are looked at", "[signature][hostile]") {
  const auto& c = vectors::get().valid[0];
  const auto verifier = verifier_for(c.secret);
  std::string list;
  for (int i = 0; i < MEGAPORT_WEBHOOKS_MAX_SIGNATURE_ENTRIES - 1; ++i)
    list += "v1,AAAA ";
  CHECK_FALSE(verifier.verify(c.id, c.timestamp, c.body, header(list + c.signature)));
  list += "v1,AAAA ";
  CHECK(verifier.verify(c.id, c.timestamp, c.body, header(list + c.signature)).code ==
        mw::errc::invalid_signature);
}

TEST_CASE("v1a: ed25519 signatures with whpk_ public keys", "[signature][v1a]") {
  const std::string seed = test_seed(3);
  const auto public_key = mw::public_key_of(seed);
  REQUIRE(public_key);
  CHECK(public_key->rfind("whpk_", 0) == 0);
  CHECK(public_key->size() == 5 + 44);

  const std::string id = "msg_2Lc9b6ZHkYfW3Iq";
  const std::string ts = "1767225600";
  const std::vector<std::string> bodies = {"", R"({"name":"Zoë 🙂"})",
                                           std::string(1024 * 1024, 'y')};

  mw::signature_verifier verifier(mw::signature_mode::required);
  REQUIRE_FALSE(verifier.add_public_key(*public_key));
  CHECK(verifier.public_key_count() == 1);

  for (const auto& body : bodies) {
    INFO("body of " << body.size() << " bytes");
    const auto entry = mw::sign_v1a(seed, id, ts, body);
    REQUIRE(entry);
    CHECK(entry->rfind("v1a,", 0) == 0);
    CHECK(entry->size() == 4 + 88);
    CHECK_FALSE(verifier.verify(id, ts, body, header(*entry)));

    CHECK(verifier.verify(id, ts, body + "!", header(*entry)).code == mw::errc::invalid_signature);
    CHECK(verifier.verify(id + "!", ts, body, header(*entry)).code == mw::errc::invalid_signature);
    CHECK(verifier.verify(id, "1767225601", body, header(*entry)).code ==
          mw::errc::invalid_signature);

    // The same signature under another version tag is not looked at as ed25519.
    CHECK(verifier.verify(id, ts, body, header("v1," + entry->substr(4))).code ==
          mw::errc::invalid_signature);
  }

  // Another key's signature fails; with both keys set (rotation) both verify.
  const std::string other_seed = test_seed(90);
  const auto by_other = mw::sign_v1a(other_seed, id, ts, "{}");
  CHECK(verifier.verify(id, ts, "{}", header(*by_other)).code == mw::errc::invalid_signature);
  REQUIRE_FALSE(verifier.add_public_key(*mw::public_key_of(other_seed)));
  CHECK_FALSE(verifier.verify(id, ts, "{}", header(*by_other)));

  // v1 and v1a side by side: either verifies.
  REQUIRE_FALSE(verifier.add_secret(secret_a));
  const auto hmac = mw::sign_v1(secret_a, id, ts, "{}");
  CHECK_FALSE(verifier.verify(id, ts, "{}", header("v1a," + std::string(86, 'A') + "== " + *hmac)));
  CHECK_FALSE(verifier.verify(id, ts, "{}", header(*hmac + " " + *by_other)));
}

TEST_CASE("public keys are checked when added", "[signature][v1a]") {
  mw::signature_verifier verifier;
  CHECK(verifier.add_public_key("") == mw::key_errc::empty);
  CHECK(verifier.add_public_key("whpk_") == mw::key_errc::empty_key);
  CHECK(verifier.add_public_key("whsec_AAECAwQFBgcICQoLDA0ODw==") == mw::key_errc::missing_prefix);
  CHECK(verifier.add_public_key("whpk_!!") == mw::key_errc::invalid_base64);
  CHECK(verifier.add_public_key("whpk_AAECAwQFBgcICQoLDA0ODw==") == mw::key_errc::wrong_size);
  CHECK(verifier.add_raw_public_key(std::string(31, 'k')) == mw::key_errc::wrong_size);
  CHECK(verifier.public_key_count() == 0);
  CHECK(mw::sign_v1a("short", "id", "1", "{}").error == mw::key_errc::wrong_size);
  CHECK(mw::public_key_of("short").error == mw::key_errc::wrong_size);

  CHECK(mw::make_error_code(mw::key_errc::too_short).message() ==
        "the secret is shorter than 16 bytes once decoded");
  CHECK(std::string(mw::key_error_category().name()) == "megaport-webhooks-keys");
}

TEST_CASE("base64 round-trips every length and refuses what is not canonical",
          "[signature][base64]") {
  std::vector<unsigned char> data;
  for (std::size_t size = 0; size < 70; ++size) {
    std::string text(mw::detail::base64_size(size), '?');
    mw::detail::encode_base64(data.data(), size, text.data());
    INFO("size " << size << ": " << text);
    if (size == 0) {
      CHECK(text.empty());
      CHECK(mw::detail::decoded_base64_size(text) == -1);
    } else {
      std::vector<unsigned char> back;
      REQUIRE(mw::detail::decode_base64(text, back));
      CHECK(back == data);
    }
    data.push_back(static_cast<unsigned char>(size * 37 + 11));
  }

  CHECK(mw::detail::decoded_base64_size("Zm9vYmFy") == 6);
  CHECK(mw::detail::decoded_base64_size("Zm9vYg==") == 4);
  CHECK(mw::detail::decoded_base64_size("Zm9vYmE=") == 5);
  CHECK(mw::detail::decoded_base64_size("Zm9vYh==") == -1);
  CHECK(mw::detail::decoded_base64_size("Zm9vYmF=") == -1);
  CHECK(mw::detail::decoded_base64_size("Zm9vY===") == -1);
  CHECK(mw::detail::decoded_base64_size("Zm9v=mFy") == -1);
  CHECK(mw::detail::decoded_base64_size("Zm9vYmF") == -1);
  CHECK(mw::detail::decoded_base64_size("Zm9vYm\nF") == -1);
}
