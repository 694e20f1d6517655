// Test helper: a one-line text summary of a typed imap::command, so the
// parser tests can state every field they expect in a table.
#pragma once

#include <string>
#include <variant>

#include "proto/imap/command.hpp"

namespace mailroom::imap::test {

inline std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
    return out;
}

inline std::string show(const sequence_set& s) {
    if (s.saved) return "$";
    std::string out;
    for (std::size_t i = 0; i < s.ranges.size(); ++i)
        out += (i ? "," : "") + std::to_string(s.ranges[i].first) + ":" + std::to_string(s.ranges[i].last);
    return out;
}

inline std::string show(const std::vector<status_item>& items) {
    static const char* names[] = {"messages", "recent", "uidnext",       "uidvalidity", "unseen",
                                  "deleted",  "size",   "highestmodseq", "appendlimit"};
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? "," : "") + std::string(names[static_cast<int>(items[i])]);
    return out;
}

inline std::string uid(bool u) { return u ? "UID " : ""; }

struct summarize {
    std::string operator()(const capability_command&) const { return "CAPABILITY"; }
    std::string operator()(const noop_command&) const { return "NOOP"; }
    std::string operator()(const logout_command&) const { return "LOGOUT"; }
    std::string operator()(const id_command& c) const {
        if (!c.fields) return "ID NIL";
        std::string out = "ID";
        for (const auto& [k, v] : *c.fields) out += " " + k + "=" + (v ? *v : "NIL");
        return out;
    }
    std::string operator()(const starttls_command&) const { return "STARTTLS"; }
    std::string operator()(const authenticate_command& c) const {
        return "AUTHENTICATE " + c.mechanism + (c.initial_response ? " ir=" + *c.initial_response : "");
    }
    std::string operator()(const login_command& c) const { return "LOGIN " + c.user + " " + c.password; }
    std::string operator()(const enable_command& c) const { return "ENABLE " + join(c.capabilities); }
    std::string operator()(const select_command& c) const {
        std::string out = (c.examine ? "EXAMINE " : "SELECT ") + c.mailbox + (c.condstore ? " condstore" : "");
        if (c.qresync) {
            out += " qresync=" + std::to_string(c.qresync->uidvalidity) + "/" + std::to_string(c.qresync->modseq);
            if (c.qresync->known_uids) out += "/" + show(*c.qresync->known_uids);
            if (c.qresync->match) out += "/" + show(c.qresync->match->sequences) + "=" + show(c.qresync->match->uids);
        }
        return out;
    }
    std::string operator()(const create_command& c) const {
        return "CREATE " + c.mailbox + (c.use.empty() ? "" : " use=" + join(c.use));
    }
    std::string operator()(const delete_command& c) const { return "DELETE " + c.mailbox; }
    std::string operator()(const rename_command& c) const { return "RENAME " + c.from + " " + c.to; }
    std::string operator()(const subscribe_command& c) const { return "SUBSCRIBE " + c.mailbox; }
    std::string operator()(const unsubscribe_command& c) const { return "UNSUBSCRIBE " + c.mailbox; }
    std::string operator()(const list_command& c) const {
        std::string out = std::string("LIST") + (c.extended ? "-EXT" : "") + " sel=" + join(c.selection) +
                          " ref=" + c.reference + " pat=" + join(c.patterns);
        if (c.return_subscribed) out += " ret-subscribed";
        if (c.return_children) out += " ret-children";
        if (c.return_special_use) out += " ret-special-use";
        if (c.return_status) out += " ret-status=" + show(*c.return_status);
        return out;
    }
    std::string operator()(const lsub_command& c) const { return "LSUB ref=" + c.reference + " pat=" + c.pattern; }
    std::string operator()(const namespace_command&) const { return "NAMESPACE"; }
    std::string operator()(const status_command& c) const { return "STATUS " + c.mailbox + " " + show(c.items); }
    std::string operator()(const append_command& c) const {
        std::string out = "APPEND " + c.mailbox;
        for (const auto& m : c.messages) {
            out += " [flags=" + join(m.flags);
            if (m.internal_date)
                out += " date=" + std::to_string(m.internal_date->day.year) + "/" +
                       std::to_string(m.internal_date->zone_minutes);
            if (m.catenate) {
                for (const auto& p : *m.catenate) out += (p.is_url ? " url=" : " text=") + p.data;
            } else {
                out += std::string(m.binary ? " binary=" : " data=") + m.data;
            }
            out += "]";
        }
        return out;
    }
    std::string operator()(const idle_command&) const { return "IDLE"; }
    std::string operator()(const check_command&) const { return "CHECK"; }
    std::string operator()(const close_command&) const { return "CLOSE"; }
    std::string operator()(const unselect_command&) const { return "UNSELECT"; }
    std::string operator()(const expunge_command& c) const {
        return c.uids ? "UID EXPUNGE " + show(*c.uids) : "EXPUNGE";
    }
    std::string operator()(const search_command& c) const {
        std::string out = uid(c.uid) + "SEARCH";
        if (c.ret.present)
            out += std::string(" ret=") + (c.ret.min ? "min," : "") + (c.ret.max ? "max," : "") +
                   (c.ret.all ? "all," : "") + (c.ret.count ? "count," : "") + (c.ret.save ? "save," : "");
        if (c.charset) out += " charset=" + *c.charset;
        return out + " keys=" + std::to_string(c.program.children.size());
    }
    std::string operator()(const fetch_command& c) const {
        std::string out = uid(c.uid) + "FETCH " + show(c.set) + " items=" + std::to_string(c.items.size());
        if (c.changedsince) out += " changedsince=" + std::to_string(*c.changedsince);
        if (c.vanished) out += " vanished";
        return out;
    }
    std::string operator()(const store_command& c) const {
        static const char* modes[] = {"", "+", "-"};
        std::string out = uid(c.uid) + "STORE " + show(c.set);
        if (c.unchangedsince) out += " unchangedsince=" + std::to_string(*c.unchangedsince);
        return out + " " + modes[static_cast<int>(c.mode)] + "FLAGS" + (c.silent ? ".SILENT " : " ") + join(c.flags);
    }
    std::string operator()(const copy_command& c) const { return uid(c.uid) + "COPY " + show(c.set) + " " + c.mailbox; }
    std::string operator()(const move_command& c) const { return uid(c.uid) + "MOVE " + show(c.set) + " " + c.mailbox; }
    std::string operator()(const sort_command& c) const {
        std::string out = uid(c.uid) + "SORT";
        for (const auto& k : c.criteria)
            out += std::string(" ") + (k.reverse ? "-" : "") + std::to_string(static_cast<int>(k.key));
        return out + " charset=" + c.charset + " keys=" + std::to_string(c.program.children.size());
    }
    std::string operator()(const thread_command& c) const {
        return uid(c.uid) + "THREAD " +
               (c.algorithm == thread_algorithm::references ? "REFERENCES" : "ORDEREDSUBJECT") +
               " charset=" + c.charset + " keys=" + std::to_string(c.program.children.size());
    }
    // QUOTA (RFC 9208)
    std::string operator()(const getquota_command& c) const { return "GETQUOTA root=" + c.root; }
    std::string operator()(const getquotaroot_command& c) const { return "GETQUOTAROOT " + c.mailbox; }
    std::string operator()(const setquota_command& c) const {
        std::string out = "SETQUOTA root=" + c.root;
        for (const auto& [name, limit] : c.limits) out += " " + name + "=" + std::to_string(limit);
        return out;
    }
};

inline std::string summary(const command& c) { return c.tag + " " + std::visit(summarize{}, c.args); }

}  // namespace mailroom::imap::test
