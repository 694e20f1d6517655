# The sandbox's HTTP API (issue #14, engineer sandboxweb): search parsing and
# JSON rendering of stored messages, over the MIME code. Included from the
# top-level CMakeLists (not the fuzz build; fuzz/ compiles the sources itself).
#   http_api_search.cpp  query -> message_search; matching
#   http_api_json.cpp    stored message -> summary / detail JSON
add_library(mailroom_sandbox_http_api STATIC ${CMAKE_CURRENT_LIST_DIR}/http_api_search.cpp
                                             ${CMAKE_CURRENT_LIST_DIR}/http_api_json.cpp)
target_include_directories(mailroom_sandbox_http_api PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(mailroom_sandbox_http_api PUBLIC mailroom_http mailroom_mime Boost::json PRIVATE mailroom_warnings)
