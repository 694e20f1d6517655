# `mailroom dev` itself (issue #14, engineer devcore): included from the
# top-level CMakeLists (not the fuzz build).
#   dev_settings.cpp         options -> configuration, --users file, JSON line
#   any_login.cpp            the accept-any-login policy (server/login_policy.hpp)
#   catch_all_directory.cpp  every address a local mailbox
#   smarthost_release.cpp    a captured message sent on to [delivery.smarthost]
#   dev_server.cpp           start-up, HTTP listener, stop, temporary data dir
add_library(mailroom_sandbox_dev STATIC ${CMAKE_CURRENT_LIST_DIR}/dev_settings.cpp ${CMAKE_CURRENT_LIST_DIR}/any_login.cpp
                                        ${CMAKE_CURRENT_LIST_DIR}/catch_all_directory.cpp ${CMAKE_CURRENT_LIST_DIR}/smarthost_release.cpp
                                        ${CMAKE_CURRENT_LIST_DIR}/dev_server.cpp)
target_include_directories(mailroom_sandbox_dev PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(mailroom_sandbox_dev PUBLIC mailroom_sandbox mailroom_sandbox_dev_api mailroom_sandbox_http_api mailroom_server Boost::json
                      PRIVATE fmt::fmt spdlog::spdlog mailroom_warnings)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC PR middle-end/109224 (Asio's awaitable frames), as in http_api.cmake.
  target_compile_options(mailroom_sandbox_dev PRIVATE -Wno-mismatched-new-delete)
endif()
