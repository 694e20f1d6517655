// server::accept_message and plan_acceptance against a real directory,
// spool and Maildir in a temporary folder: alias targets keep the DSN
// options, the local part is all or nothing with the queued copy.
#include "server/acceptance.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "common/errors.hpp"
#include "durable/file_system.hpp"
#include "storage/sqlite/userdb.hpp"
#include "store/maildir/maildir_store.hpp"
#include "support/fixed_env.hpp"
#include "support/temp_dir.hpp"

namespace mailroom::server {
namespace {

using storage::resolution;
constexpr unsigned success = queue::recipient::notify_success, failure = queue::recipient::notify_failure,
                   never = queue::recipient::notify_never;

queue::recipient rcpt(std::string address, unsigned notify = 0, std::string orcpt = {}) {
    queue::recipient r;
    r.address = std::move(address);
    r.notify = notify;
    r.orcpt = std::move(orcpt);
    return r;
}

resolution to(std::vector<std::string> local, std::vector<std::string> remote) {
    resolution r;
    r.local_mailboxes = std::move(local);
    r.remote = std::move(remote);
    r.local_domain = !r.local_mailboxes.empty();
    return r;
}

TEST(server_acceptance, alias_targets_inherit_notify_and_orcpt_less_success) {
    const auto plan = plan_acceptance({rcpt("team@here.test", success | failure, "rfc822;team@here.test"),
                                       rcpt("only-ok@here.test", success), rcpt("far@there.test", success)},
                                      {to({"ann@here.test"}, {"x@there.test"}), to({}, {"y@there.test"}),
                                       to({}, {"far@there.test"})});
    EXPECT_EQ(plan.local_mailboxes, std::vector<std::string>{"ann@here.test"});
    ASSERT_EQ(plan.remote.size(), 3u);
    EXPECT_EQ(plan.remote[0].address, "x@there.test");
    EXPECT_EQ(plan.remote[0].notify, failure);
    EXPECT_EQ(plan.remote[0].orcpt, "rfc822;team@here.test");
    EXPECT_EQ(plan.remote[1].notify, never) << "SUCCESS alone leaves nothing to ask downstream";
    EXPECT_EQ(plan.remote[2].notify, success) << "a relayed recipient keeps its own options";
    EXPECT_EQ(plan.answered_here, (std::vector<std::size_t>{0, 1}));
}

TEST(server_acceptance, duplicates_keep_their_first_options) {
    const auto plan = plan_acceptance({rcpt("a@here.test", never), rcpt("b@here.test", failure)},
                                      {to({"ann@here.test"}, {"x@there.test"}),
                                       to({"ann@here.test"}, {"x@there.test"})});
    EXPECT_EQ(plan.local_mailboxes.size(), 1u);
    ASSERT_EQ(plan.remote.size(), 1u);
    EXPECT_EQ(plan.remote[0].notify, never);
}

class server_accept : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = storage::userdb::open(tmp_.path() / "mailroom.db").value();
        ASSERT_FALSE(db_->add_domain("here.test"));
        storage::user_record u;
        u.address = "ann@here.test";
        u.cred.password_hash = "$y$j9T$salt$hash";
        ASSERT_FALSE(db_->add_user(u));
        ASSERT_FALSE(db_->add_alias("team@here.test", "ann@here.test"));
        ASSERT_FALSE(db_->add_alias("team@here.test", "far@there.test"));
        spool_ = queue::spool::open(tmp_.path() / "queue").value();
    }

    acceptance_context ctx(bool with_spool = true) {
        return {*db_, with_spool ? spool_.get() : nullptr, root_, commits_, clk_, rnd_, "mail.here.test"};
    }

    queue::envelope message(std::vector<queue::recipient> rcpts) {
        queue::envelope env;
        env.sender = "bob@there.test";
        env.recipients = std::move(rcpts);
        env.envid = "env-1";
        env.ret = queue::envelope::ret_kind::headers;
        env.smtputf8 = true;
        env.eight_bit = true;
        env.arrived = clk_.now();
        return env;
    }

    std::size_t mails_of(const std::string& address) {
        const auto dir = store::maildir::mailbox_path(root_, address) / "new";
        if (!std::filesystem::exists(dir)) return 0;
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
    }

    test::temp_dir tmp_;
    std::filesystem::path root_ = tmp_.path() / "mail";
    std::unique_ptr<storage::userdb> db_;
    std::unique_ptr<queue::spool> spool_;
    durable::group_commit commits_{durable::real_file_system()};
    test::fixed_clock clk_;
    test::seeded_random rnd_;
};

TEST_F(server_accept, alias_with_a_remote_target_queues_it_with_the_message_options) {
    auto done = accept_message(ctx(), message({rcpt("team@here.test", success | failure, "rfc822;team@here.test")}),
                               "Subject: x\r\n\r\n\xc3\xa9\r\n", "t1");
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(mails_of("ann@here.test"), 1u);
    ASSERT_EQ(done->to_schedule.size(), 2u) << "the queued copy and the delivered notice";
    const auto& q = done->to_schedule[0];
    EXPECT_EQ(q.id, done->queued_as);
    EXPECT_EQ(q.sender, "bob@there.test");
    EXPECT_EQ(q.envid, "env-1");
    EXPECT_EQ(q.ret, queue::envelope::ret_kind::headers);
    EXPECT_TRUE(q.smtputf8);
    EXPECT_TRUE(q.eight_bit);
    ASSERT_EQ(q.recipients.size(), 1u);
    EXPECT_EQ(q.recipients[0].address, "far@there.test");
    EXPECT_EQ(q.recipients[0].notify, failure);
    EXPECT_EQ(q.recipients[0].orcpt, "rfc822;team@here.test");
    EXPECT_EQ(done->to_schedule[1].sender, "") << "the notice comes from the null sender";
    auto queued = spool_->recover();
    ASSERT_TRUE(queued);
    EXPECT_EQ(queued->size(), 2u);
}

TEST_F(server_accept, a_failed_local_part_withdraws_the_queued_copy) {
    // A file where ann's Maildir should be: staging fails.
    std::filesystem::create_directories(root_ / "here.test");
    std::ofstream(store::maildir::mailbox_path(root_, "ann@here.test")) << "in the way";
    auto done = accept_message(ctx(), message({rcpt("team@here.test")}), "Subject: x\r\n\r\nbody\r\n", "t2");
    EXPECT_FALSE(done);
    auto queued = spool_->recover();
    ASSERT_TRUE(queued);
    EXPECT_TRUE(queued->empty()) << "nothing may stay queued after a refusal";
}

TEST_F(server_accept, without_a_spool_remote_targets_are_refused_before_any_copy) {
    auto done = accept_message(ctx(false), message({rcpt("team@here.test")}), "Subject: x\r\n\r\nbody\r\n", "t3");
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error(), errc::unsupported);
    EXPECT_EQ(mails_of("ann@here.test"), 0u);
}

TEST_F(server_accept, unknown_recipient_is_not_found) {
    auto done = accept_message(ctx(), message({rcpt("ghost@here.test")}), "Subject: x\r\n\r\nbody\r\n", "t4");
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error(), errc::not_found);
}

TEST_F(server_accept, local_copy_starts_with_return_path_unless_asked_not_to) {
    ASSERT_TRUE(accept_message(ctx(), message({rcpt("ann@here.test")}), "Subject: x\r\n\r\nbody\r\n", "t5"));
    auto plain = ctx(false);
    plain.return_path = false;
    ASSERT_TRUE(accept_message(plain, message({rcpt("ann@here.test")}), "Subject: y\r\n\r\nbody\r\n", "t6"));
    std::vector<std::string> heads;
    for (const auto& f :
         std::filesystem::directory_iterator(store::maildir::mailbox_path(root_, "ann@here.test") / "new")) {
        std::ifstream in(f.path());
        std::string line;
        std::getline(in, line);
        heads.push_back(line);
    }
    std::sort(heads.begin(), heads.end());
    ASSERT_EQ(heads.size(), 2u);
    EXPECT_EQ(heads[0].rfind("Return-Path: <bob@there.test>", 0), 0u) << heads[0];
    EXPECT_EQ(heads[1].rfind("Subject: y", 0), 0u) << heads[1];
}

}  // namespace
}  // namespace mailroom::server
