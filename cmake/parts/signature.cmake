# Standard Webhooks signatures (include/megaport/webhooks/signature.hpp), defined only when
# OpenSSL 3's libcrypto is found, so that users who do not want signatures never need it. The
# core target never links OpenSSL.
find_package(OpenSSL 3 QUIET)

if(OpenSSL_FOUND)
  add_library(megaport_webhooks_signature INTERFACE)
  add_library(megaport::webhooks_signature ALIAS megaport_webhooks_signature)
  set_target_properties(megaport_webhooks_signature PROPERTIES EXPORT_NAME webhooks_signature)
  target_link_libraries(megaport_webhooks_signature INTERFACE megaport_webhooks OpenSSL::Crypto)
  set(MEGAPORT_WEBHOOKS_HAS_SIGNATURE ON)
else()
  message(STATUS "megaport-webhooks: OpenSSL 3 not found, signatures are left out")
  set(MEGAPORT_WEBHOOKS_HAS_SIGNATURE OFF)
endif()
