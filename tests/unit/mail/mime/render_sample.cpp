// Prints "* n FETCH (RFC822.SIZE s BODYSTRUCTURE ... ENVELOPE ... BODY[...] ...)"
// for each message file given, as an IMAP server would (a section that does
// not exist is sent empty, as Dovecot sends it): compare_dovecot.py compares
// it with a real Dovecot's answer for the same files and sections.
#include <fstream>
#include <iostream>
#include <sstream>

#include "mail/mime/parser.hpp"
#include "mail/mime/section.hpp"
#include "proto/imap/structure_render.hpp"

namespace {

using namespace mailroom;

struct named_section {
    const char* name;  // as Dovecot echoes it
    mime::section_spec spec;
};

using st = mime::section_text;
const std::vector<std::string> fields = {"From", "Subject", "Content-Type"};
const named_section sections[] = {
    {"BODY[]", {{}, st::none, {}}},
    {"BODY[HEADER]", {{}, st::header, {}}},
    {"BODY[TEXT]", {{}, st::text, {}}},
    {"BODY[1]", {{1}, st::none, {}}},
    {"BODY[1.MIME]", {{1}, st::mime, {}}},
    {"BODY[2]", {{2}, st::none, {}}},
    {"BODY[2.MIME]", {{2}, st::mime, {}}},
    {"BODY[1.1]", {{1, 1}, st::none, {}}},
    {"BODY[1.2.MIME]", {{1, 2}, st::mime, {}}},
    {"BODY[3.HEADER]", {{3}, st::header, {}}},
    {"BODY[3.TEXT]", {{3}, st::text, {}}},
    {"BODY[3.1]", {{3, 1}, st::none, {}}},
    {"BODY[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE)]", {{}, st::header_fields, fields}},
    {"BODY[HEADER.FIELDS.NOT (FROM SUBJECT CONTENT-TYPE)]", {{}, st::header_fields_not, fields}},
};

}  // namespace

int main(int argc, char** argv) {
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
        for (const auto& s : sections) {
            const auto loc = mime::locate_section(m, stored, s.spec);
            w.atom(s.name).literal(loc ? mime::section_bytes(stored, *loc) : std::string());
        }
        w.close_list();
        w.end_line();
        std::cout << out;
    }
    return 0;
}
