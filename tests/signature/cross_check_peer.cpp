// The C++ side of the npm cross-check (npm_cross_check.py): signs and verifies one delivery
// whose body is read from a file, with the library's own functions.
//
//     cross-check-peer sign SECRET ID TIMESTAMP BODY_FILE            prints the v1 entry
//     cross-check-peer verify SECRET ID TIMESTAMP BODY_FILE HEADER   exit 0 verified, 1 refused

#include <megaport/webhooks/signature.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace mw = megaport::webhooks;

namespace {

bool read_file(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

int usage() {
  std::cerr << "usage: cross-check-peer sign SECRET ID TIMESTAMP BODY_FILE\n"
               "       cross-check-peer verify SECRET ID TIMESTAMP BODY_FILE HEADER\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) return usage();
  const std::string command = argv[1];
  const std::string secret = argv[2];
  const std::string id = argv[3];
  const std::string timestamp = argv[4];
  std::string body;
  if (!read_file(argv[5], body)) {
    std::cerr << "cannot read " << argv[5] << "\n";
    return 2;
  }

  if (command == "sign" && argc == 6) {
    const auto entry = mw::sign_v1(secret, id, timestamp, body);
    if (!entry) {
      std::cerr << "cannot sign: " << entry.error.message() << "\n";
      return 2;
    }
    std::cout << *entry << "\n";
    return 0;
  }

  if (command == "verify" && argc == 7) {
    mw::signature_verifier verifier(mw::signature_mode::required);
    if (const auto failure = verifier.add_secret(secret)) {
      std::cerr << "bad secret: " << failure.message() << "\n";
      return 2;
    }
    const mw::error e = verifier.verify(id, timestamp, body, {argv[6], 1});
    std::cout << (e ? e.message() : std::string("verified")) << "\n";
    return e ? 1 : 0;
  }
  return usage();
}
