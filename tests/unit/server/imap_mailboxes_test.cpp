// server::imap_mailboxes on a real Maildir++ in a temporary directory:
// folders, SELECT counts, STATUS, CLOSE expunging \Deleted messages, syncs
// that see new mail, and change events published by the store.
#include "server/imap_mailboxes.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "../store/store_helpers.hpp"
#include "common/errors.hpp"
#include "durable/group_commit.hpp"
#include "store/maildir/maildir_store.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::server {
namespace {

constexpr const char* user = "alice@example.test";

class ImapMailboxes : public ::testing::Test {
protected:
    // The user's store as delivery sees it (the same Maildir imap_mailboxes opens).
    store::maildir::maildir_store delivery_store() {
        return store::maildir::maildir_store(durable::real_file_system(),
                                             store::maildir::mailbox_path(dir_.path(), user), &bus_);
    }
    void deliver(std::string_view text, std::string_view folder = "INBOX", store::flag_set flags = 0) {
        auto s = delivery_store();
        ASSERT_TRUE(store::test::append(s, commits_, text, folder, flags, 1 << 20, &bus_));
    }

    test::temp_dir dir_;
    store::change_bus bus_;
    durable::group_commit commits_{durable::real_file_system()};
    imap_mailboxes boxes_{&bus_};
};

TEST_F(ImapMailboxes, store_is_made_with_inbox_and_folders_change) {
    ASSERT_FALSE(boxes_.open_store(dir_.path(), user));
    auto list = boxes_.list(false);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->folders, std::vector<std::string>{"INBOX"});
    EXPECT_FALSE(boxes_.change({imap::folder_operation::create, "Work", {}}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::create, "Work.Projects", {}}));
    EXPECT_EQ(boxes_.change({imap::folder_operation::create, "Work", {}}), errc::already_exists);
    EXPECT_FALSE(boxes_.change({imap::folder_operation::rename, "Work.Projects", "Work.Done"}));
    list = boxes_.list(false);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->folders, (std::vector<std::string>{"INBOX", "Work", "Work.Done"}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::remove, "Work.Done", {}}));
    EXPECT_TRUE(boxes_.change({imap::folder_operation::remove, "Work.Done", {}}));
    EXPECT_EQ(boxes_.select("Nope").error(), errc::not_found);
}

TEST_F(ImapMailboxes, subscriptions_and_special_use_come_with_the_list) {
    ASSERT_FALSE(boxes_.open_store(dir_.path(), user));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::create, "Sent", {}}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::create, "Entwürfe", {}}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::subscribe, "Entwürfe", {}}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::subscribe, "INBOX", {}}));
    // RFC 9051 §6.3.7: a folder that does not exist is not subscribed.
    EXPECT_EQ(boxes_.change({imap::folder_operation::subscribe, "Nope", {}}), errc::not_found);
    auto list = boxes_.list(true);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->folders, (std::vector<std::string>{"INBOX", "Entwürfe", "Sent"}));
    EXPECT_EQ(list->special_use, (std::vector<std::string>{"", "", "\\Sent"}));
    EXPECT_EQ(list->subscribed, (std::vector<std::string>{"Entwürfe", "INBOX"}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::unsubscribe, "Entwürfe", {}}));
    EXPECT_FALSE(boxes_.change({imap::folder_operation::unsubscribe, "Never", {}}));
    list = boxes_.list(false);
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->subscribed.empty());  // not asked for
    list = boxes_.list(true);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->subscribed, std::vector<std::string>{"INBOX"});
}

TEST_F(ImapMailboxes, select_counts_and_sync_sees_new_mail) {
    ASSERT_FALSE(boxes_.open_store(dir_.path(), user));
    deliver("Subject: 1\n\none\n", "INBOX", store::seen);
    deliver("Subject: 2\n\ntwo\n");
    auto info = boxes_.select("INBOX");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->messages, 2u);
    EXPECT_EQ(info->unseen, 1u);
    EXPECT_EQ(info->first_unseen, 2u);
    EXPECT_EQ(info->uidnext, 3u);
    EXPECT_NE(info->uidvalidity, 0u);
    EXPECT_FALSE(boxes_.changed_since_sync());

    std::atomic<int> events{0};
    auto sub = bus_.subscribe(boxes_.event_key(), [&] { ++events; });
    deliver("Subject: 3\n\nthree\n");
    EXPECT_EQ(events.load(), 1);  // what the driver turns into mailbox_changed()
    EXPECT_TRUE(boxes_.changed_since_sync());
    auto synced = boxes_.sync();
    ASSERT_TRUE(synced);
    EXPECT_EQ(synced->messages, 3u);
    EXPECT_EQ(synced->uidnext, 4u);

    auto status = boxes_.status("INBOX");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->messages, 3u);
    // RFC822.SIZE: CRLF line ends, as IMAP sends the messages.
    const std::string crlf[] = {"Subject: 1\r\n\r\none\r\n", "Subject: 2\r\n\r\ntwo\r\n",
                                "Subject: 3\r\n\r\nthree\r\n"};
    EXPECT_EQ(status->size, crlf[0].size() + crlf[1].size() + crlf[2].size());
}

// RFC 3501 §2.3.2: a claiming SELECT takes \Recent; STATUS and a second
// SELECT see none of it. RFC 7162: the expunge history for QRESYNC.
TEST_F(ImapMailboxes, recent_is_claimed_once_and_vanished_follows_expunges) {
    ASSERT_FALSE(boxes_.open_store(dir_.path(), user));
    deliver("Subject: 1\n\none\n");
    deliver("Subject: 2\n\ntwo\n", "INBOX", store::deleted);
    auto status = boxes_.status("INBOX");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->recent, 2u);
    auto info = boxes_.select("INBOX", true);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->recent, 2u);
    ASSERT_EQ(info->view.size(), 2u);
    EXPECT_TRUE(info->view[0].recent && info->view[1].recent);
    const auto before = info->highest_modseq;
    EXPECT_TRUE(boxes_.vanished(before)->empty());
    auto view = boxes_.expunge({2});
    ASSERT_TRUE(view);
    ASSERT_EQ(view->size(), 1u);
    EXPECT_TRUE((*view)[0].recent);  // kept by the claimant
    EXPECT_EQ(*boxes_.vanished(before), (std::vector<imap::uid_span>{{2, 2}}));
    status = boxes_.status("INBOX");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->recent, 0u);
    imap_mailboxes other{&bus_};
    ASSERT_FALSE(other.open_store(dir_.path(), user));
    info = other.select("INBOX", true);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->recent, 0u);
}

TEST_F(ImapMailboxes, close_expunges_deleted_only_when_asked) {
    ASSERT_FALSE(boxes_.open_store(dir_.path(), user));
    deliver("Subject: keep\n\nk\n");
    deliver("Subject: gone\n\ng\n", "INBOX", store::deleted);
    ASSERT_TRUE(boxes_.select("INBOX"));
    EXPECT_FALSE(boxes_.close(false));  // UNSELECT
    auto info = boxes_.select("INBOX");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->messages, 2u);
    EXPECT_EQ(info->deleted, 1u);
    EXPECT_FALSE(boxes_.close(true));  // CLOSE
    info = boxes_.status("INBOX");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->messages, 1u);
    EXPECT_EQ(info->deleted, 0u);
    EXPECT_EQ(boxes_.sync().error(), errc::not_found);  // nothing selected
}

}  // namespace
}  // namespace mailroom::server
