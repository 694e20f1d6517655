// sandbox::dev_mail: the captured mailboxes through store::maildir (see the header).
#include "sandbox/dev_mail.hpp"

#include <algorithm>

#include "common/errors.hpp"
#include "store/maildir/maildir_store.hpp"

namespace mailroom::sandbox {
namespace {

namespace fs = std::filesystem;

result<std::unique_ptr<store::mailbox>> open_inbox(const fs::path& root, const std::string& mailbox) {
    const auto dir = store::maildir::mailbox_path(root, mailbox);
    std::error_code ec;
    if (!fs::is_directory(dir / "cur", ec)) return make_error_code(errc::not_found);
    store::maildir::maildir_store st(durable::real_file_system(), dir);
    return st.open("INBOX");
}

}  // namespace

std::vector<std::string> dev_mail::mailboxes() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& domain : fs::directory_iterator(root_, ec)) {
        std::error_code ec2;
        if (!domain.is_directory(ec2)) continue;
        for (const auto& local : fs::directory_iterator(domain.path(), ec2)) {
            const auto name = local.path().filename().string() + "@" + domain.path().filename().string();
            std::error_code ec3;
            if (valid_mailbox_name(name) && fs::is_directory(local.path() / "cur", ec3)) out.push_back(name);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

result<std::vector<stored_message>> dev_mail::messages(const std::string& mailbox) const {
    if (!valid_mailbox_name(mailbox)) return make_error_code(errc::invalid_argument);
    auto box = open_inbox(root_, mailbox);
    if (!box)
        return box.error() == errc::not_found ? result<std::vector<stored_message>>(std::vector<stored_message>{})
                                              : result<std::vector<stored_message>>(box.error());
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    std::vector<stored_message> out;
    out.reserve(snap->messages.size());
    for (const auto& m : snap->messages) out.push_back({{mailbox, m.uid}, m.size, m.internal_date});
    return out;
}

std::vector<stored_message> dev_mail::all_messages() const {
    std::vector<stored_message> out;
    for (const auto& mb : mailboxes())
        if (auto some = messages(mb)) out.insert(out.end(), some->begin(), some->end());
    std::stable_sort(out.begin(), out.end(), [](const stored_message& a, const stored_message& b) {
        if (a.received != b.received) return a.received > b.received;
        return a.ref.uid > b.ref.uid;
    });
    return out;
}

std::optional<stored_message> dev_mail::find(const message_ref& ref) const {
    auto all = messages(ref.mailbox);
    if (!all) return std::nullopt;
    for (const auto& m : *all)
        if (m.ref.uid == ref.uid) return m;
    return std::nullopt;
}

result<std::string> dev_mail::read(const message_ref& ref, std::size_t max_bytes) const {
    if (!valid_mailbox_name(ref.mailbox)) return make_error_code(errc::not_found);
    auto box = open_inbox(root_, ref.mailbox);
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    const auto it = std::find_if(snap->messages.begin(), snap->messages.end(),
                                 [&](const store::message_record& m) { return m.uid == ref.uid; });
    if (it == snap->messages.end()) return make_error_code(errc::not_found);
    return (*box)->read(ref.uid, 0, static_cast<std::size_t>(std::min<std::uint64_t>(it->size, max_bytes)));
}

result<bool> dev_mail::remove(const message_ref& ref) {
    if (!valid_mailbox_name(ref.mailbox)) return false;
    auto box = open_inbox(root_, ref.mailbox);
    if (!box)
        return box.error() == errc::not_found ? result<bool>(false)
                                              : result<bool>(boost::system::in_place_error, box.error());
    auto snap = (*box)->sync();  // expunge acts on the UIDs this object has seen
    if (!snap) return result<bool>(boost::system::in_place_error, snap.error());
    if (std::none_of(snap->messages.begin(), snap->messages.end(),
                     [&](const store::message_record& m) { return m.uid == ref.uid; }))
        return false;
    if (auto ec = (*box)->expunge({ref.uid})) return result<bool>(boost::system::in_place_error, ec);
    return true;
}

std::error_code dev_mail::clear_mailbox(const std::string& mailbox) {
    if (!valid_mailbox_name(mailbox)) return make_error_code(errc::not_found);
    auto box = open_inbox(root_, mailbox);
    if (!box) return box.error();
    auto snap = (*box)->sync();
    if (!snap) return snap.error();
    std::vector<std::uint32_t> uids;
    for (const auto& m : snap->messages) uids.push_back(m.uid);
    return uids.empty() ? std::error_code{} : (*box)->expunge(uids);
}

std::error_code dev_mail::clear_all() {
    for (const auto& mb : mailboxes())
        if (auto ec = clear_mailbox(mb)) return ec;
    return {};
}

result<std::vector<message_ref>> dev_mail::inject(const std::vector<std::string>& mailboxes, std::string_view bytes) {
    std::vector<store::pending_append> appends;
    for (const auto& mb : mailboxes) {
        if (!valid_mailbox_name(mb)) return make_error_code(errc::invalid_argument);
        const auto dir = store::maildir::mailbox_path(root_, mb);
        auto& fsys = durable::real_file_system();
        if (auto ec = store::maildir::make_directories_durably(fsys, dir.parent_path())) return ec;
        store::maildir::maildir_store st(fsys, dir);
        if (auto ec = st.create()) return ec;
        auto w = st.begin_append("INBOX");
        if (!w) return w.error();
        if (auto ec = (*w)->write(bytes)) return ec;
        auto done = (*w)->finish(0);
        if (!done) return done.error();
        appends.push_back(std::move(*done));
    }
    auto uids = store::commit_appends(commits_, std::move(appends), nullptr);
    if (!uids) return uids.error();
    std::vector<message_ref> out;
    for (std::size_t i = 0; i < mailboxes.size(); ++i) {
        auto uid = (*uids)[i];
        if (uid == 0) {  // assigned at the next sync: the highest one there
            auto list = messages(mailboxes[i]);
            if (list && !list->empty()) uid = list->back().ref.uid;
        }
        out.push_back({mailboxes[i], uid});
    }
    return out;
}

}  // namespace mailroom::sandbox
