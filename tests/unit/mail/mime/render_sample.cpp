// Prints "* n FETCH (RFC822.SIZE s BODYSTRUCTURE ... ENVELOPE ...)" for each
// message file given, as an IMAP server would: compare_dovecot.py compares
// it with a real Dovecot's answer for the same files.
#include <fstream>
#include <iostream>
#include <sstream>

#include "mail/mime/parser.hpp"
#include "proto/imap/structure_render.hpp"

int main(int argc, char** argv) {
    using namespace mailroom;
    for (int i = 1; i < argc; ++i) {
        std::ifstream f(argv[i], std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        const auto stored = ss.str();
        const auto m = mime::parse_message(stored);
        std::string out;
        imap::response_writer w(out);
        w.untagged().number(static_cast<std::uint64_t>(i)).atom("FETCH").open_list().atom("RFC822.SIZE");
        w.number(m.body.header_size + m.body.body_size).atom("BODYSTRUCTURE");
        imap::render_body(w, m.body, true);
        w.atom("BODY");
        imap::render_body(w, m.body, false);
        w.atom("ENVELOPE");
        imap::render_envelope(w, m.env);
        w.close_list();
        w.end_line();
        std::cout << out;
    }
    return 0;
}
