# services_security_*: mutual TLS, certificate principals, the authorization
# policy (every RPC x every role), development-mode identity and the limits.
# Certificates are made at test time by deploy/make-certs.sh (openssl CLI).
kamgov_test(NAME services_security_test PREFIX services
  SOURCES
    security_test_util.cc
    security_authz_test.cc
    security_tls_test.cc
    security_limits_test.cc
  LIBS kamgov_services)
target_compile_definitions(services_security_test PRIVATE
  KAMGOV_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# The CLI and the server binaries with TLS flags, end to end.
add_test(NAME services_security_cli
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/security_cli_test.py
          ${PROJECT_SOURCE_DIR} $<TARGET_FILE:kamgovd> $<TARGET_FILE:kamgov>)
