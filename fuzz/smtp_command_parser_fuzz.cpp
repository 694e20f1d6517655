// Fuzzes the SMTP command line parsers: verbs, MAIL/RCPT paths and their
// ESMTP parameters, xtext and BDAT arguments. Invariants: nothing crashes;
// an accepted path is well-formed (re-parsing its text gives the same
// mailbox) and never carries a source route or '%'/'!'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proto/smtp/command.hpp"

using namespace mailroom::smtp;

namespace {

void check_path(const path_result& p, bool utf8) {
    if (!p.box) return;
    if (p.box->local.find_first_of("%!") != std::string::npos) std::abort();
    const std::string again = "<" + p.box->str() + ">";
    auto r = parse_path(again, false, utf8);
    if (!r.box || r.box->str() != p.box->str() || !r.rest.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    auto cmd = parse_command(line);
    if (!cmd) return 0;
    switch (cmd->what) {
        case verb::mail: {
            auto m = parse_mail(cmd->argument, true);
            if (auto* ok = std::get_if<mail_command>(&m)) check_path(ok->path, ok->params.smtputf8);
            break;
        }
        case verb::rcpt: {
            for (bool utf8 : {false, true}) {
                auto r = parse_rcpt(cmd->argument, utf8);
                if (auto* ok = std::get_if<rcpt_command>(&r)) check_path(ok->path, utf8);
            }
            break;
        }
        case verb::bdat: (void)parse_bdat(cmd->argument); break;
        default: (void)decode_xtext(cmd->argument); break;
    }
    return 0;
}
