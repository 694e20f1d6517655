// imap::session handlers of the folder listing and subscription commands:
// LIST with the RFC 5258 extended forms (selection and return options,
// several patterns), RETURN (STATUS) of RFC 5819 and SPECIAL-USE attributes
// (RFC 6154), LSUB (RFC 3501 §6.3.9), SUBSCRIBE, UNSUBSCRIBE; and how mailbox
// names cross the wire: modified UTF-7 for IMAP4rev1 clients, UTF-8 after
// ENABLE IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §5.1, RFC 6855 §3). The matching
// itself is mailbox_list.cpp's.
#include "common/mutf7.hpp"
#include "proto/common/keyword.hpp"
#include "proto/imap/session.hpp"

namespace mailroom::imap {
namespace {

// Bounds on what one LIST may ask (RFC 5258 §3 allows any number of
// patterns): each pattern costs a pass over every folder name.
constexpr std::size_t max_list_patterns = 32;
constexpr std::size_t max_list_pattern_bytes = 4096;  // all patterns together

std::string canonical(std::string name) {
    if (proto::keyword_equals(name, "INBOX")) return "INBOX";
    return name;
}

bool is_option(const list_command& l, std::string_view option) {
    for (const auto& o : l.selection)
        if (o == option) return true;
    return false;
}

}  // namespace

std::optional<std::string> session::decoded_mailbox(std::string_view sent) const {
    // RFC 6855 §3: UTF-8 names (checked: utf8_to_mutf7 refuses what is not UTF-8).
    if (utf8_names()) return utf8_to_mutf7(sent) ? std::optional(canonical(std::string(sent))) : std::nullopt;
    auto utf8 = mutf7_to_utf8(sent);  // RFC 3501 §5.1.3
    if (!utf8) return std::nullopt;
    return canonical(std::move(*utf8));
}

std::optional<std::string> session::mailbox_arg(std::string_view sent) {
    auto name = decoded_mailbox(sent);
    if (name) return name;
    // Not UTF-8 where the grammar says UTF-8: BAD; bad modified UTF-7: NO, as Dovecot.
    if (utf8_names()) bad("Mailbox name is not valid UTF-8.");
    else no("", "Mailbox name is not valid mUTF-7.");
    return std::nullopt;
}

void session::append_mailbox(std::string& line, std::string_view utf8) const {
    if (utf8_names()) return append_astring(line, utf8, name_style());
    // The store's names are UTF-8, so they always encode.
    auto encoded = utf8_to_mutf7(utf8);
    append_astring(line, encoded ? std::string_view(*encoded) : utf8);
}

void session::cmd_list(const command& c) {
    const auto& l = std::get<list_command>(c.args);
    if (l.patterns.size() > max_list_patterns) return bad("Too many LIST patterns.");
    if (l.selection.empty() && l.patterns.size() == 1 && l.patterns[0].empty()) {
        // RFC 9051 §6.3.9: an empty pattern asks for the delimiter.
        untagged("LIST (\\Noselect) \".\" \"\"");
        return ok("", "LIST completed.");
    }
    std::size_t bytes = l.reference.size();
    for (const auto& p : l.patterns) bytes += p.size();
    if (bytes > max_list_pattern_bytes) return bad("LIST patterns too long.");
    // RFC 5258 §3.1: RECURSIVEMATCH needs an option it can recurse on.
    if (is_option(l, "RECURSIVEMATCH") && !is_option(l, "SUBSCRIBED") && !is_option(l, "SPECIAL-USE"))
        return bad("RECURSIVEMATCH needs another selection option");
    list_run run{l, false, {}, 0};
    // The patterns are names with wildcards ("*" and "%" are plain ASCII
    // in modified UTF-7): decoded as names are.
    auto reference = mailbox_arg(l.reference);
    if (!reference) return;
    run.cmd.reference.clear();
    for (auto& p : run.cmd.patterns) {
        auto decoded = mailbox_arg(p);
        if (!decoded) return;
        p = full_pattern(*reference, *decoded);
    }
    const bool subscriptions = l.return_subscribed || is_option(l, "SUBSCRIBED");
    listing_ = std::move(run);
    request(list_folders{subscriptions});
    wait_for(awaiting::folders);
}

void session::cmd_lsub(const command& c) {
    const auto& l = std::get<lsub_command>(c.args);
    list_run run;
    run.lsub = true;
    auto reference = mailbox_arg(l.reference);
    if (!reference) return;
    auto pattern = mailbox_arg(l.pattern);
    if (!pattern) return;
    // RFC 3501 §6.3.9: as LIST, and "" names the delimiter too.
    if (reference->empty() && pattern->empty()) {
        untagged("LSUB (\\Noselect) \".\" \"\"");
        return ok("", "LSUB completed.");
    }
    run.cmd.patterns.push_back(full_pattern(*reference, *pattern));
    listing_ = std::move(run);
    request(list_folders{true});
    wait_for(awaiting::folders);
}

void session::folders_listed(result<folder_list> folders) {
    if (awaiting_ != awaiting::folders) return;
    awaiting_ = awaiting::nothing;
    if (!folders) {
        no("UNAVAILABLE", "Unable to list mailboxes. Try again later.");
        listing_.reset();
        return process();
    }
    const auto& l = listing_->cmd;
    list_selection sel;
    sel.patterns = l.patterns;
    sel.lsub = listing_->lsub;
    sel.subscribed = is_option(l, "SUBSCRIBED");
    sel.recursive = sel.subscribed && is_option(l, "RECURSIVEMATCH");  // CHILDINFO is SUBSCRIBED's only
    sel.special_use = is_option(l, "SPECIAL-USE");
    sel.return_subscribed = sel.subscribed || l.return_subscribed;  // RFC 5258 §3.1: implied
    // RFC 5258 §3.4: \NonExistent is LIST-EXTENDED's (and IMAP4rev2's);
    // RFC 3501 clients know \Noselect.
    sel.nonexistent = l.extended || rev2_;
    listing_->entries = list_mailboxes(*folders, sel);
    listing_->next = 0;
    list_continue();
    process();
}

void session::list_continue() {
    auto& run = *listing_;
    while (run.next < run.entries.size()) {
        const auto& e = run.entries[run.next++];
        std::string line = run.lsub ? "* LSUB (" : "* LIST (";
        line += e.attributes;
        line += ") \".\" ";
        append_mailbox(line, e.name);
        if (e.childinfo_subscribed) line += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";  // RFC 5258 §3.5
        line += "\r\n";
        request(send_reply{std::move(line)});
        // RFC 5819 §2: the STATUS of each selectable mailbox follows its LIST.
        if (run.cmd.return_status && e.selectable) {
            request(mailbox_status{e.name});
            return wait_for(awaiting::list_status);
        }
    }
    const bool lsub = run.lsub;
    listing_.reset();
    ok("", lsub ? "LSUB completed." : "LIST completed.");
}

void session::cmd_subscribe(const command& c) {
    auto name = mailbox_arg(std::get<subscribe_command>(c.args).mailbox);
    if (!name) return;
    request(change_folder{folder_operation::subscribe, std::move(*name), {}});
    wait_for(awaiting::folder_change);
}

void session::cmd_unsubscribe(const command& c) {
    auto name = mailbox_arg(std::get<unsubscribe_command>(c.args).mailbox);
    if (!name) return;
    request(change_folder{folder_operation::unsubscribe, std::move(*name), {}});
    wait_for(awaiting::folder_change);
}

}  // namespace mailroom::imap
