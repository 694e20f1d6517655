// Fuzzes the recording and fault layer of `mailroom dev` (src/sandbox/
// session_tap.cpp, command_reader.cpp, fault_apply.cpp): a script of client
// reads and server writes on SMTP, POP3 or IMAP under one fault rule. Any
// flow is recorded within the journal's bounds and never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.hpp"
#include "sandbox/session_tap.hpp"

using namespace mailroom::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mailroom::fuzz::fuzz_input in(data, size);
    static const char* protocols[] = {"smtp", "pop3", "imap"};
    static const char* commands[] = {"", "greeting", "tls", "RETR", "DATA", "FETCH", "AUTH", "BDAT"};
    const fault_action actions[] = {error_reply{in.byte() % 2, "x"},
                                    delay_reply{},
                                    drip_reply{5},
                                    truncate_drop{in.byte()},
                                    drop_connection{},
                                    malformed_reply{malformation::bare_lf},
                                    malformed_reply{malformation::wrong_octet_count},
                                    malformed_reply{malformation::missing_final_dot},
                                    tls_failure{}};
    session_journal journal({4, 4096, 8});
    fault_book book(1);
    fault_rule r;
    r.match.command = commands[in.byte() % std::size(commands)];
    r.action = actions[in.byte() % std::size(actions)];
    r.times = 0;
    book.add(r);
    const std::string protocol = protocols[in.byte() % 3];
    session_tap tap(journal, book, {protocol, protocol, "127.0.0.1:1", false});
    while (!in.done()) {
        const auto op = in.byte();
        const auto chunk = in.bytes(op & 0x3f);
        switch (op >> 6) {
            case 0: tap.received(chunk); break;
            case 1: {
                auto plan = tap.before_write(chunk);
                // A fault never makes a reply longer than the real one, except an error line or a count's digits.
                if (plan.bytes.size() > chunk.size() + 300) std::abort();
                break;
            }
            case 2: (void)tap.before_tls(); break;
            default: tap.tls_started("TLSv1.3"); break;
        }
    }
    tap.ended();
    auto rec = journal.get(tap.session());
    if (!rec || rec->dialogue_bytes > 4096) std::abort();
    return 0;
}
