// RFC 5256 §3: SORT as a stable comparison chain; THREAD=ORDEREDSUBJECT
// groups by base subject; THREAD=REFERENCES follows steps (1)-(6) on a
// table of containers (indices into a vector, no pointers).
#include "server/imap_search/sort_thread.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

namespace mailroom::imap_search {
namespace {

using imap::sort_key;
using imap::thread_node;

template <class T>
int cmp(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_by(const message_facts& a, const message_facts& b, sort_key k) {
    switch (k) {
        case sort_key::arrival: return cmp(a.arrival, b.arrival);
        case sort_key::cc: return cmp(a.cc, b.cc);
        case sort_key::date: return cmp(a.sent, b.sent);
        case sort_key::from: return cmp(a.from, b.from);
        case sort_key::size: return cmp(a.size, b.size);
        case sort_key::subject: return cmp(a.subject, b.subject);
        case sort_key::to: return cmp(a.to, b.to);
        case sort_key::display_from: return cmp(a.display_from, b.display_from);
        case sort_key::display_to: return cmp(a.display_to, b.display_to);
    }
    return 0;
}

// Sent date, then sequence number: the order of siblings and threads.
bool earlier(const message_facts& a, const message_facts& b) {
    return a.sent != b.sent ? a.sent < b.sent : a.seq < b.seq;
}

// ---- REFERENCES ----

struct container {
    int msg = -1;  // index into the facts, -1: a dummy
    int parent = -1;
    std::vector<int> children;
};

class threader {
public:
    explicit threader(const std::vector<message_facts>& m) : m_(m) {}

    std::vector<thread_node> run() {
        for (std::size_t i = 0; i < m_.size(); ++i) link(static_cast<int>(i));  // step (1)
        std::vector<int> roots;                                                 // step (2)
        for (std::size_t i = 0; i < c_.size(); ++i)
            if (c_[i].parent < 0) roots.push_back(static_cast<int>(i));
        roots = prune(roots, true);  // step (3)
        sort_level(roots);           // step (4)
        roots = group(roots);        // step (5)
        std::vector<thread_node> out;
        for (const auto r : roots) out.push_back(node(r));  // step (6): sorted as built
        return out;
    }

private:
    int make(int msg) {
        c_.push_back({msg, -1, {}});
        return static_cast<int>(c_.size()) - 1;
    }
    int by_id(const std::string& id) {
        auto [it, fresh] = ids_.try_emplace(id, -1);
        if (fresh) it->second = make(-1);
        return it->second;
    }
    bool reachable(int from, int to) const {  // is `to` `from` or an ancestor of it?
        for (int x = from; x >= 0; x = c_[static_cast<std::size_t>(x)].parent)
            if (x == to) return true;
        return false;
    }
    void unlink(int child) {
        auto& p = c_[static_cast<std::size_t>(child)].parent;
        if (p < 0) return;
        auto& ch = c_[static_cast<std::size_t>(p)].children;
        ch.erase(std::remove(ch.begin(), ch.end(), child), ch.end());
        p = -1;
    }
    void adopt(int parent, int child) {
        c_[static_cast<std::size_t>(child)].parent = parent;
        c_[static_cast<std::size_t>(parent)].children.push_back(child);
    }
    void link(int i) {
        const auto& f = m_[static_cast<std::size_t>(i)];
        // (A) the message's container; a duplicate Message-ID gets one of its own.
        int self;
        if (f.message_id.empty()) {
            self = make(i);
        } else {
            self = by_id(f.message_id);
            if (c_[static_cast<std::size_t>(self)].msg >= 0) self = make(i);
            else c_[static_cast<std::size_t>(self)].msg = i;
        }
        // (B) the references, each the parent of the next unless linked already or a loop.
        int prev = -1;
        for (const auto& ref : f.references) {
            const int cur = by_id(ref);
            if (prev >= 0 && cur != prev && c_[static_cast<std::size_t>(cur)].parent < 0 && !reachable(prev, cur))
                adopt(prev, cur);
            prev = cur;
        }
        // (C) the last reference is the message's parent (replacing any other).
        if (prev == self) prev = -1;
        if (prev >= 0 && reachable(prev, self)) prev = -1;
        unlink(self);
        if (prev >= 0) adopt(prev, self);
    }

    // (3) dummies without children go; a dummy's children move up, except
    // at the root a dummy with several children stays.
    std::vector<int> prune(const std::vector<int>& level, bool root) {
        std::vector<int> out;
        for (const auto x : level) {
            auto& cx = c_[static_cast<std::size_t>(x)];
            cx.children = prune(cx.children, false);
            for (const auto ch : cx.children) c_[static_cast<std::size_t>(ch)].parent = x;
            if (cx.msg >= 0) {
                out.push_back(x);
            } else if (!cx.children.empty() && (!root || cx.children.size() == 1)) {
                for (const auto ch : cx.children) c_[static_cast<std::size_t>(ch)].parent = root ? -1 : cx.parent;
                out.insert(out.end(), cx.children.begin(), cx.children.end());
                cx.children.clear();
            } else if (!cx.children.empty()) {
                out.push_back(x);
            }
        }
        return out;
    }

    // The message a container is dated by: its own, or its first child's.
    const message_facts* first(int x) const {
        const auto& cx = c_[static_cast<std::size_t>(x)];
        if (cx.msg >= 0) return &m_[static_cast<std::size_t>(cx.msg)];
        return cx.children.empty() ? nullptr : first(cx.children.front());
    }
    void sort_level(std::vector<int>& level) {
        for (const auto x : level) sort_level(c_[static_cast<std::size_t>(x)].children);
        std::stable_sort(level.begin(), level.end(), [&](int a, int b) {
            const auto *fa = first(a), *fb = first(b);
            if (!fa || !fb) return fa != nullptr;
            return earlier(*fa, *fb);
        });
    }

    // (5) root threads with the same base subject are joined.
    std::vector<int> group(std::vector<int> roots) {
        std::unordered_map<std::string, int> table;
        auto dummy = [&](int x) { return c_[static_cast<std::size_t>(x)].msg < 0; };
        auto reply = [&](int x) {
            return !dummy(x) && m_[static_cast<std::size_t>(c_[static_cast<std::size_t>(x)].msg)].reply;
        };
        for (const auto r : roots) {  // (B)
            const auto* f = first(r);
            if (!f || f->subject.empty()) continue;
            auto [it, fresh] = table.try_emplace(f->subject, r);
            if (!fresh && ((dummy(r) && !dummy(it->second)) || (reply(it->second) && !reply(r)))) it->second = r;
        }
        std::vector<bool> removed(c_.size(), false);
        for (const auto r : roots) {  // (C)
            const auto* f = first(r);
            if (!f || f->subject.empty()) continue;
            auto it = table.find(f->subject);
            if (it == table.end() || it->second == r) continue;
            const int t = it->second;
            if (dummy(t) && dummy(r)) {
                for (const auto ch : c_[static_cast<std::size_t>(r)].children) adopt(t, ch);
                c_[static_cast<std::size_t>(r)].children.clear();
            } else if (dummy(t) || (reply(r) && !reply(t))) {
                adopt(t, r);
            } else if (dummy(r)) {
                adopt(r, t);
                removed[static_cast<std::size_t>(t)] = true;
                it->second = r;
                continue;
            } else {
                const int d = make(-1);
                removed.push_back(false);
                std::replace(roots.begin(), roots.end(), t, d);
                adopt(d, t);
                adopt(d, r);
                it->second = d;
            }
            removed[static_cast<std::size_t>(r)] = true;
        }
        std::vector<int> out;
        for (const auto r : roots)
            if (!removed[static_cast<std::size_t>(r)] && std::find(out.begin(), out.end(), r) == out.end())
                out.push_back(r);
        sort_level(out);  // (6)
        return out;
    }

    thread_node node(int x) const {
        const auto& cx = c_[static_cast<std::size_t>(x)];
        thread_node n;
        n.seq = cx.msg >= 0 ? m_[static_cast<std::size_t>(cx.msg)].seq : 0;
        for (const auto ch : cx.children) n.children.push_back(node(ch));
        return n;
    }

    const std::vector<message_facts>& m_;
    std::vector<container> c_;
    std::unordered_map<std::string, int> ids_;
};

}  // namespace

std::vector<std::uint32_t> sort_messages(std::vector<message_facts> msgs, std::span<const imap::sort_criterion> by) {
    std::sort(msgs.begin(), msgs.end(), [&](const message_facts& a, const message_facts& b) {
        for (const auto& c : by) {
            const int r = compare_by(a, b, c.key);
            if (r != 0) return c.reverse ? r > 0 : r < 0;
        }
        return a.seq < b.seq;
    });
    std::vector<std::uint32_t> out;
    for (const auto& m : msgs) out.push_back(m.seq);
    return out;
}

std::vector<thread_node> thread_messages(std::vector<message_facts> msgs, imap::thread_algorithm algorithm) {
    if (algorithm == imap::thread_algorithm::references) return threader(msgs).run();
    // ORDEREDSUBJECT: by base subject, then date; the first of each subject
    // is the parent of the others; threads by their first message's date.
    std::sort(msgs.begin(), msgs.end(), [](const message_facts& a, const message_facts& b) {
        return a.subject != b.subject ? a.subject < b.subject : earlier(a, b);
    });
    std::vector<std::pair<const message_facts*, thread_node>> threads;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        if (i > 0 && msgs[i].subject == msgs[i - 1].subject) {
            threads.back().second.children.push_back({msgs[i].seq, {}});
            continue;
        }
        threads.push_back({&msgs[i], {msgs[i].seq, {}}});
    }
    std::stable_sort(threads.begin(), threads.end(),
                     [](const auto& a, const auto& b) { return earlier(*a.first, *b.first); });
    std::vector<thread_node> out;
    for (auto& t : threads) out.push_back(std::move(t.second));
    return out;
}

}  // namespace mailroom::imap_search
