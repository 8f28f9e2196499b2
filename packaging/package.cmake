# packaging/package.cmake (included by CMakeLists.txt): the manual pages, bash completion and
# packaged custody.conf, each made at build time by running the built `custody` (so they say
# what --help and the config table say), the install rules of the packaged layout, and the
# Debian package: `cpack -G DEB` in the build folder makes custody_<version>_amd64.deb.

target_compile_definitions(custody PRIVATE CUSTODY_VERSION="${PROJECT_VERSION}")

set(CS_PKG_DIR ${CMAKE_BINARY_DIR}/packaging)
set(CS_PKG_OUTPUTS
    ${CMAKE_BINARY_DIR}/custody.1 ${CMAKE_BINARY_DIR}/custody.conf.5
    ${CMAKE_BINARY_DIR}/custody.bash-completion ${CMAKE_BINARY_DIR}/custody.conf
    ${CS_PKG_DIR}/custody.1.gz ${CS_PKG_DIR}/custody.conf.5.gz)
add_custom_command(
  OUTPUT ${CS_PKG_OUTPUTS}
  COMMAND ${CMAKE_COMMAND} -DCUSTODY=$<TARGET_FILE:custody> -DOUT=${CMAKE_BINARY_DIR}
          -DPKG=${CS_PKG_DIR} -P ${CMAKE_SOURCE_DIR}/packaging/generate.cmake
  DEPENDS custody ${CMAKE_SOURCE_DIR}/packaging/generate.cmake
  COMMENT "Making custody.1, custody.conf.5, the bash completion and custody.conf with custody"
  VERBATIM)
add_custom_target(custody-docs ALL DEPENDS ${CS_PKG_OUTPUTS})

# The packaged layout: /usr/bin/custody finds its worker in ../lib/custody (tools/cli.c).
install(TARGETS custody RUNTIME DESTINATION bin)
install(TARGETS custody-worker RUNTIME DESTINATION lib/custody)
install(FILES ${CS_PKG_DIR}/custody.1.gz DESTINATION share/man/man1)
install(FILES ${CS_PKG_DIR}/custody.conf.5.gz DESTINATION share/man/man5)
install(FILES ${CMAKE_BINARY_DIR}/custody.bash-completion
        DESTINATION share/bash-completion/completions RENAME custody)
install(FILES README.md docs/ARCHITECTURE.md docs/LEDGER.md DESTINATION share/doc/custody)
install(FILES docs/OPERATIONS.md DESTINATION share/doc/custody OPTIONAL)
# Absolute: where Debian keeps units and configuration, whatever the prefix.
install(FILES packaging/custody.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_BINARY_DIR}/custody.conf DESTINATION /etc/custody)

# cpack packages what the build made and builds nothing itself (build first: cmake --build):
# so tests/pkg/test_deb.sh never relinks the programs under the tests that run beside it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME custody)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Custody maintainers <custody@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "keeps law-enforcement evidence: originals, catalog, signed ledger, HTTP API")
set(CPACK_PACKAGE_DESCRIPTION
    "Custody stores each audio, video and photo record unaltered under its SHA-256, catalogs it
in SQLite, links it to its case and party, records every custody event and every read in a
signed append-only ledger, and serves the records over HTTP. Its media worker parses
untrusted files in processes of its own.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # custody_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The runtime libraries, found by dpkg-shlibdeps (dpkg-dev) from what the programs link, plus
# what the maintainer scripts run (adduser; setpriv is util-linux, which is essential), and
# tzdata for an ingest.default_tz given as a zone name (core/tz.c reads its files).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)

# tests/pkg/: the package installed into a scratch root, and the manual and completion. Each
# script exits 77 to skip where it cannot run (not root, no mount namespace).
if(CUSTODY_TESTS)
  foreach(t deb docs setup)
    add_test(NAME pkg/test_${t}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/pkg/test_${t}.sh ${CMAKE_BINARY_DIR})
    set_tests_properties(pkg/test_${t} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
                         ENVIRONMENT "CPACK=${CMAKE_CPACK_COMMAND}")
  endforeach()
endif()
