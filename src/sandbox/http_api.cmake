# The sandbox's HTTP API (issue #14): search parsing and JSON rendering of
# stored messages, the routes, and the web page embedded in the binary.
# Included from the top-level CMakeLists (not the fuzz build; fuzz/ compiles
# the sources it needs itself).
#   http_api_search.cpp  query -> message_search; matching
#   http_api_json.cpp    stored message -> summary / detail JSON
#   dev_mail.cpp         the captured maildirs through the store
#   message_id.cpp       "<mailbox>:<uid>" ids (fuzz/dev_api_id_fuzz.cpp)
#   http_api*.cpp        add_dev_routes: the routes (http_api_routes.hpp)
#   web/                 the page and openapi.json, embedded by embed_web_assets.cmake
set(mailroom_dev_web_files ${CMAKE_CURRENT_LIST_DIR}/web/index.html ${CMAKE_CURRENT_LIST_DIR}/web/app.js
                           ${CMAKE_CURRENT_LIST_DIR}/web/style.css ${CMAKE_CURRENT_LIST_DIR}/web/openapi.json)
string(REPLACE ";" "|" mailroom_dev_web_list "${mailroom_dev_web_files}")
set(mailroom_dev_web_cpp ${CMAKE_BINARY_DIR}/generated/sandbox/web_assets.cpp)
add_custom_command(OUTPUT ${mailroom_dev_web_cpp}
                   COMMAND ${CMAKE_COMMAND} -DOUTPUT=${mailroom_dev_web_cpp} "-DFILES=${mailroom_dev_web_list}"
                           -P ${CMAKE_CURRENT_LIST_DIR}/embed_web_assets.cmake
                   DEPENDS ${mailroom_dev_web_files} ${CMAKE_CURRENT_LIST_DIR}/embed_web_assets.cmake
                   COMMENT "Embedding the sandbox web page" VERBATIM)
add_library(mailroom_sandbox_http_api STATIC ${CMAKE_CURRENT_LIST_DIR}/http_api_search.cpp
                                             ${CMAKE_CURRENT_LIST_DIR}/http_api_json.cpp)
target_include_directories(mailroom_sandbox_http_api PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(mailroom_sandbox_http_api PUBLIC mailroom_http mailroom_mime Boost::json PRIVATE mailroom_warnings)
add_library(mailroom_sandbox_dev_api STATIC ${CMAKE_CURRENT_LIST_DIR}/dev_mail.cpp ${CMAKE_CURRENT_LIST_DIR}/message_id.cpp
            ${CMAKE_CURRENT_LIST_DIR}/http_api.cpp ${CMAKE_CURRENT_LIST_DIR}/http_api_admin.cpp
            ${CMAKE_CURRENT_LIST_DIR}/http_api_live.cpp ${CMAKE_CURRENT_LIST_DIR}/http_api_web.cpp
            ${mailroom_dev_web_cpp})
target_include_directories(mailroom_sandbox_dev_api PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(mailroom_sandbox_dev_api PUBLIC mailroom_sandbox_http_api mailroom_sandbox mailroom_store
                      PRIVATE mailroom_proto_smtp mailroom_warnings)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC PR middle-end/109224 (Asio's awaitable frames), as in tests/unit/http.
  target_compile_options(mailroom_sandbox_dev_api PRIVATE -Wno-mismatched-new-delete)
endif()
