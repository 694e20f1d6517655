// imap::session handlers on the mail store's folders (RFC 9051 §6.3, §6.4):
// CREATE, DELETE, RENAME, STATUS, SELECT/EXAMINE, CLOSE, UNSELECT, CHECK,
// and the answers to their storage requests. Names are decoded by
// mailbox_arg (cmd_list.cpp, with LIST, LSUB and SUBSCRIBE). The hierarchy
// delimiter is '.' (Maildir++).
#include <algorithm>

#include "common/errors.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/response_writer.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

constexpr char delimiter = '.';

}  // namespace

void session::cmd_create(const command& c) {
    auto decoded = mailbox_arg(std::get<create_command>(c.args).mailbox);
    if (!decoded) return;
    std::string name = std::move(*decoded);
    // RFC 9051 §6.3.4: a trailing delimiter says the name will have children.
    if (!name.empty() && name.back() == delimiter) name.pop_back();
    if (proto::keyword_equals(name, "INBOX")) return no("ALREADYEXISTS", "Mailbox already exists.");
    // RFC 6154 §3: CREATE-SPECIAL-USE is not offered; the use is the name's.
    if (!std::get<create_command>(c.args).use.empty()) return no("USEATTR", "Special-use attributes cannot be set.");
    if (name.empty()) return bad("Empty mailbox name.");
    request(change_folder{folder_operation::create, std::move(name), {}});
    wait_for(awaiting::folder_change);
}

void session::cmd_delete(const command& c) {
    auto decoded = mailbox_arg(std::get<delete_command>(c.args).mailbox);
    if (!decoded) return;
    std::string name = std::move(*decoded);
    if (name == "INBOX") return no("CANNOT", "INBOX cannot be deleted.");  // RFC 9051 §6.3.5
    if (state_ == state::selected && name == summary_.mailbox)
        return no("INUSE", "Mailbox is selected; close it first.");
    request(change_folder{folder_operation::remove, std::move(name), {}});
    wait_for(awaiting::folder_change);
}

void session::cmd_rename(const command& c) {
    const auto& r = std::get<rename_command>(c.args);
    auto decoded_from = mailbox_arg(r.from);
    auto decoded_to = decoded_from ? mailbox_arg(r.to) : std::nullopt;
    if (!decoded_to) return;
    std::string from = std::move(*decoded_from), to = std::move(*decoded_to);
    // Renaming INBOX moves its messages (RFC 9051 §6.3.6): not this round.
    if (from == "INBOX") return no("CANNOT", "Renaming INBOX is not supported.");
    if (to == "INBOX") return no("ALREADYEXISTS", "Mailbox already exists.");
    request(change_folder{folder_operation::rename, std::move(from), std::move(to)});
    wait_for(awaiting::folder_change);
}

void session::folder_changed(std::error_code ec) {
    if (awaiting_ != awaiting::folder_change) return;
    awaiting_ = awaiting::nothing;
    if (!ec) ok("", "Completed.");
    else if (ec == errc::already_exists) no("ALREADYEXISTS", "Mailbox already exists.");
    else if (ec == errc::not_found) no("NONEXISTENT", "Mailbox does not exist.");
    else if (ec == errc::invalid_argument) no("CANNOT", "Invalid mailbox name.");
    else no("SERVERBUG", "Internal error; try again later.");
    process();
}

void session::cmd_status(const command& c) {
    const auto& s = std::get<status_command>(c.args);
    auto name = mailbox_arg(s.mailbox);
    if (!name) return;
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) enables CONDSTORE.
    if (std::find(s.items.begin(), s.items.end(), status_item::highestmodseq) != s.items.end()) enable_condstore();
    pending_mailbox_ = std::move(*name);
    status_items_ = s.items;
    request(mailbox_status{pending_mailbox_});
    wait_for(awaiting::status);
}

void session::status_ready(result<mailbox_info> info) {
    if (awaiting_ == awaiting::list_status) {
        // RFC 5819 §2: a mailbox whose status cannot be had is left out.
        awaiting_ = awaiting::nothing;
        const auto& run = *listing_;
        if (info) write_status(run.entries[run.next - 1].name, *info, *run.cmd.return_status);
        list_continue();
        return process();
    }
    if (awaiting_ != awaiting::status) return;
    awaiting_ = awaiting::nothing;
    if (!info) {
        if (info.error() == errc::not_found || info.error() == errc::invalid_argument)
            no("NONEXISTENT", "Mailbox does not exist.");
        else no("UNAVAILABLE", "Unable to open the mailbox. Try again later.");
        return process();
    }
    write_status(pending_mailbox_, *info, status_items_);
    ok("", "STATUS completed.");
    process();
}

void session::write_status(std::string_view mailbox, const mailbox_info& info, const std::vector<status_item>& items) {
    std::string line = "* STATUS ";
    append_mailbox(line, mailbox);
    line += " (";
    bool first = true;
    auto item = [&](std::string_view name, std::uint64_t v) {
        if (!first) line += ' ';
        first = false;
        line += name;
        line += ' ';
        line += std::to_string(v);
    };
    for (auto i : items) {
        switch (i) {
            case status_item::messages: item("MESSAGES", info.messages); break;
            case status_item::recent: item("RECENT", info.recent); break;  // RFC 3501 §6.3.10
            case status_item::uidnext: item("UIDNEXT", info.uidnext); break;
            case status_item::uidvalidity: item("UIDVALIDITY", info.uidvalidity); break;
            case status_item::unseen: item("UNSEEN", info.unseen); break;
            case status_item::deleted: item("DELETED", info.deleted); break;
            case status_item::size: item("SIZE", info.size); break;
            case status_item::highestmodseq: item("HIGHESTMODSEQ", info.highest_modseq); break;
            case status_item::appendlimit: item("APPENDLIMIT", lim_.max_message_bytes); break;
        }
    }
    line += ")\r\n";
    request(send_reply{std::move(line)});
}

void session::cmd_select(const command& c) {
    const auto& s = std::get<select_command>(c.args);
    // RFC 7162 §3.2.5: (QRESYNC ...) only after ENABLE QRESYNC.
    if (s.qresync && !qresync_) return bad("QRESYNC is not enabled.");
    auto name = mailbox_arg(s.mailbox);
    if (!name) return;
    if (s.condstore) condstore_ = true;  // RFC 7162 §3.1.8
    resync_ = s.qresync;
    pending_mailbox_ = std::move(*name);
    pending_read_only_ = s.examine;
    if (state_ == state::selected) {
        // RFC 9051 §6.3.2: the selected mailbox is closed without expunge.
        select_after_close_ = true;
        request(close_mailbox{false});
        return wait_for(awaiting::close);
    }
    finish_select();
}

void session::finish_select() {
    // RFC 3501 §6.3.2: EXAMINE leaves \Recent alone; rev2 has no \Recent (RFC 9051 Appendix E).
    request(open_mailbox{pending_mailbox_, pending_read_only_, !pending_read_only_ && !rev2_});
    wait_for(awaiting::open);
}

void session::mailbox_opened(result<mailbox_info> info) {
    if (awaiting_ != awaiting::open) return;
    awaiting_ = awaiting::nothing;
    auto resync = std::move(resync_);
    resync_.reset();
    if (!info) {
        state_ = state::authenticated;  // RFC 9051 §6.3.2: a failed SELECT leaves none selected
        if (info.error() == errc::not_found || info.error() == errc::invalid_argument)
            no("NONEXISTENT", "Mailbox does not exist.");
        else no("UNAVAILABLE", "Unable to open the mailbox. Try again later.");
        return process();
    }
    state_ = state::selected;
    read_only_ = pending_read_only_;
    changed_ = false;
    view_ = *info;
    selected_.reset(std::move(info->view));
    summary_.mailbox = pending_mailbox_;
    ++summary_.selects;
    write_selected(*info);
    // RFC 7162 §3.2.5: a QRESYNC client with this UIDVALIDITY learns what it missed.
    if (resync && resync->uidvalidity == info->uidvalidity) {
        // A MODSEQ above ours (a rebuilt index on a clock set back): we cannot
        // tell what it saw, so everything is told, as from modseq 0.
        if (resync->modseq > highest_modseq()) resync->modseq = 0;
        resync_ = std::move(resync);
        request(list_vanished{resync_->modseq});
        return wait_for(awaiting::vanished);
    }
    ok(read_only_ ? "READ-ONLY" : "READ-WRITE", read_only_ ? "EXAMINE completed." : "SELECT completed.");
    process();
}

void session::write_selected(const mailbox_info& info) {
    // RFC 9051 §6.3.2 (and RFC 3501 §6.3.1 for the rev1 responses).
    untagged("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
    untagged(read_only_ ? "OK [PERMANENTFLAGS ()] No permanent flags permitted."
                        : "OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.");
    untagged(std::to_string(info.messages) + " EXISTS");
    if (!rev2_) {
        recent_told_ = selected_.recent();
        untagged(std::to_string(recent_told_) + " RECENT");  // RFC 3501 §7.3.2
        if (info.first_unseen) untagged("OK [UNSEEN " + std::to_string(info.first_unseen) + "] First unseen.");
    }
    untagged("OK [UIDVALIDITY " + std::to_string(info.uidvalidity) + "] UIDs valid.");
    untagged("OK [UIDNEXT " + std::to_string(info.uidnext) + "] Predicted next UID.");
    // RFC 7162 §3.1.2.1: every mailbox keeps MODSEQs (never NOMODSEQ); 1 is the least value.
    untagged("OK [HIGHESTMODSEQ " + std::to_string(highest_modseq()) + "] Highest.");
}

void session::cmd_close(const command&) {
    // RFC 9051 §6.4.1: CLOSE expunges \Deleted messages, unless read-only.
    request(close_mailbox{!read_only_});
    wait_for(awaiting::close);
}

void session::cmd_unselect(const command&) {
    request(close_mailbox{false});  // RFC 3691: as CLOSE, without the expunge
    wait_for(awaiting::close);
}

void session::cmd_check(const command&) { ok("", "CHECK completed."); }  // RFC 3501 §6.4.1

void session::mailbox_closed(std::error_code ec) {
    if (awaiting_ != awaiting::close) return;
    awaiting_ = awaiting::nothing;
    state_ = state::authenticated;
    changed_ = false;
    selected_.clear();
    if (select_after_close_) {
        select_after_close_ = false;
        // RFC 9051 §7.1: [CLOSED] marks where the old mailbox's responses end.
        // RFC 7162 §3.2.11: a QRESYNC client needs it as well.
        if (rev2_ || qresync_) untagged("OK [CLOSED] Previous mailbox closed.");
        finish_select();
        return process();
    }
    if (ec) no("UNAVAILABLE", "Unable to close the mailbox cleanly.");
    else ok("", "Completed.");
    process();
}

void session::mailbox_synced(result<mailbox_info> info) {
    if (awaiting_ != awaiting::sync) return;
    awaiting_ = awaiting::nothing;
    changed_ = false;
    if (info) write_changes(*info);
    const auto next = after_sync_;
    after_sync_ = after_sync::nothing;
    if (next == after_sync::noop) ok("", "NOOP completed.");
    if (next == after_sync::append) ok(append_code_, "APPEND completed.");
    if (next == after_sync::deferred && deferred_) {
        auto c = std::move(*deferred_);
        deferred_.reset();
        run(*deferred_row_, c);
    }
    process();
}

void session::write_changes(const mailbox_info& info) {
    // EXPUNGE, EXISTS and others' flag changes (H1: cmd_store.cpp).
    view_ = info;
    tell_update(selected_.sync(info.view, expunge_allowed()), {});
}

}  // namespace mailroom::imap
