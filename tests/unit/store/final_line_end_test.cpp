// store::maildir: a message file without a final line end (written by
// Dovecot or another MUA). The index counts the "\n" it lacks, and every
// reader (mailbox::read, message_file, range_reader) supplies it, so the
// sizes IMAP and POP3 announce equal the octets they send (RFC 9051 §7.5.2).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "store/maildir/maildir_store.hpp"
#include "store/message_reader.hpp"
#include "store_helpers.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::store {
namespace {
namespace fs = std::filesystem;

std::string read_all(message_reader& r, std::size_t range) {
    std::string out, buf(range, '\0');
    for (;;) {
        auto n = r.read(buf);
        EXPECT_TRUE(n) << n.error().message();
        if (!n) return out;
        out.append(buf, 0, *n);
        EXPECT_EQ(r.position(), out.size());
        if (*n < range) return out;
    }
}

// What a client receives: every line end CRLF.
std::string on_wire(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

void put(const fs::path& p, std::string_view text) { std::ofstream(p, std::ios::binary) << text; }

class store_final_line_end : public ::testing::Test {
protected:
    mailroom::test::temp_dir tmp;
    durable::file_system& disk = durable::real_file_system();
    maildir::maildir_store st{disk, tmp.path() / "example.test" / "alice"};
    const std::string text = "Subject: no end\n\nlast line";  // 26 octets, no final "\n"
};

// Without S=/W= (sync reads the file) and with Dovecot's S=/W= (the exact
// sizes of what the file holds, so sync reads only its last octet).
TEST_F(store_final_line_end, SizesCountTheLineEndEveryReaderSupplies) {
    auto box = st.open("INBOX").value();
    put(st.root() / "cur" / "1600000000.plain.host:2,S", text);
    put(st.root() / "cur" / "1600000001.dove.host,S=26,W=28:2,", text);
    put(st.root() / "cur" / "1600000002.ends.host:2,", text + "\n");
    put(st.root() / "cur" / "1600000003.empty.host:2,", "");
    auto s = box->sync().value();
    ASSERT_EQ(s.messages.size(), 4u);
    const std::string full = text + "\n";
    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        const auto& m = s.messages[i];
        EXPECT_EQ(m.size, full.size());
        EXPECT_EQ(m.crlf_size, on_wire(full).size());
        EXPECT_EQ(box->read(m.uid, 0, 1000).value(), full);
        EXPECT_EQ(box->read(m.uid, 20, 1000).value(), full.substr(20));
        EXPECT_EQ(box->read(m.uid, 26, 1000).value(), "\n");
        EXPECT_EQ(box->read(m.uid, 27, 1000).value(), "");
        EXPECT_EQ(box->read(m.uid, 0, 26).value(), text);  // a range short of the end gets no "\n"
        for (std::size_t range : {1u, 5u, 26u, 27u, 4096u}) {
            auto r = box->open_message(m.uid, read_mode::may_block).value();
            EXPECT_EQ(read_all(*r, range), full) << range;
        }
        auto cached = box->open_message(m.uid, read_mode::cached_only);
        if (cached) {
            std::string buf(100, '\0');
            auto part = (*cached)->read_cached(buf).value();
            EXPECT_EQ(buf.substr(0, part.bytes), full);
            EXPECT_TRUE(part.at_end);
        }
    }
    EXPECT_EQ(s.messages[3].size, 0u);
    EXPECT_EQ(s.messages[3].crlf_size, 0u);
    EXPECT_EQ(box->read(s.messages[3].uid, 0, 10).value(), "");
}

// An index written before (version 2) recorded the file's own size: the
// next sync checks each message's last octet once and corrects it.
TEST_F(store_final_line_end, AnIndexOfVersion2IsCorrectedOnce) {
    auto box = st.open("INBOX").value();
    put(st.root() / "cur" / "1600000000.plain.host:2,S", text);
    put(st.root() / "cur" / "1600000001.dove.host,S=26,W=28:2,", text);
    auto first = box->sync().value();
    const auto uidvalidity = first.uidvalidity;
    put(st.root() / "mailroom-index", "mailroom-index 2 V" + std::to_string(uidvalidity) +
                                          " M50 E50\n1 40 1600000000 26 30 S\n2 50 1600000001 26 28 -\n");
    auto again = st.open("INBOX").value();
    auto s = again->sync().value();
    ASSERT_EQ(s.messages.size(), 2u);
    for (const auto& m : s.messages) {
        EXPECT_EQ(m.size, 27u) << m.uid;
        EXPECT_EQ(m.crlf_size, 30u) << m.uid;
        EXPECT_EQ(again->read(m.uid, 0, 100).value(), text + "\n");
    }
    EXPECT_EQ(s.messages[0].modseq, 40u);  // the messages' own facts are kept
    EXPECT_TRUE(test::slurp(st.root() / "mailroom-index").starts_with("mailroom-index 3 "));
    EXPECT_EQ(st.open("INBOX").value()->sync().value().messages[1].crlf_size, 30u);
}

// Through range_reader (what other file systems get): the same octets.
TEST_F(store_final_line_end, RangeReaderGetsTheLineEndToo) {
    auto box = st.open("INBOX").value();
    put(st.root() / "new" / "1600000000.x.host", "a\nb");
    auto s = box->sync().value();
    ASSERT_EQ(s.messages.size(), 1u);
    EXPECT_EQ(s.messages[0].size, 4u);
    EXPECT_EQ(s.messages[0].crlf_size, 6u);
    for (std::size_t range : {1u, 3u, 4u, 9u}) {
        range_reader r(*box, s.messages[0].uid);
        EXPECT_EQ(read_all(r, range), "a\nb\n") << range;
    }
}

}  // namespace
}  // namespace mailroom::store
