#include "dns/resolver.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "dns/detail/answer.hpp"
#include "dns/errors.hpp"
#include "dns/host_name.hpp"

namespace mailroom::dns {

namespace asio = boost::asio;

// One query handed to libunbound. Shared by the waiting coroutine and
// in_flight_, so neither a late answer nor a late timer touches freed memory.
struct resolver::pending {
    pending(resolver* o, asio::any_io_executor ex, std::string n, int type)
        : owner(o), deadline(std::move(ex)), name(std::move(n)), rr_type(type) {}
    resolver* owner;  // null once the resolver is gone
    asio::steady_timer deadline;
    std::string name;
    int rr_type;
    int async_id = 0;
    bool done = false;
    bool abandoned = false;
    std::error_code error;  // set without an answer: invalid name, start failure
    int err = 0;            // libunbound's callback error
    detail::unique_ub_result answer;
};

namespace {

void check(int rc, const char* what) {
    if (rc != 0) throw std::runtime_error(fmt::format("libunbound: {}: {}", what, ub_strerror(rc)));
}

detail::unique_ub_ctx make_context(const resolver_options& options) {
    detail::unique_ub_ctx ctx(ub_ctx_create());
    if (!ctx) throw std::runtime_error("libunbound: cannot create a context");
    // A thread, not the default forked process, answers in the background.
    check(ub_ctx_async(ctx.get(), 1), "async");
    // Both branches leave unbound in forward mode (ub_ctx_resolvconf falls
    // back to 127.0.0.1 when resolv.conf lists no server), so only the
    // forwarders are ever asked; a loopback forwarder (a local cache, or
    // dnsmasq in tests) must then be allowed explicitly.
    check(ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no"), "do-not-query-localhost");
    for (const auto& zone : options.forwarded_special_zones) {
        if (!is_valid_host_name(zone)) throw std::runtime_error("dns: not a zone name: " + zone);
        check(ub_ctx_set_option(ctx.get(), "local-zone:", (canonical_host_name(zone) + ". transparent").c_str()),
              "local-zone");
    }
    if (options.forwarder_address.empty()) {
        check(ub_ctx_resolvconf(ctx.get(), nullptr), "resolv.conf");
    } else {
        boost::system::error_code ec;
        auto address = asio::ip::make_address(options.forwarder_address, ec);
        if (ec) throw std::runtime_error("dns forwarder is not an IP address: " + options.forwarder_address);
        check(ub_ctx_set_fwd(ctx.get(), fmt::format("{}@{}", address.to_string(), options.forwarder_port).c_str()),
              "forwarder");
    }
    return ctx;
}

int descriptor_of(ub_ctx* ctx) {
    int fd = ub_fd(ctx);
    if (fd < 0) throw std::runtime_error("libunbound: no file descriptor to watch");
    return fd;
}

}  // namespace

resolver::resolver(asio::any_io_executor executor, const resolver_options& options)
    : executor_(executor), timeout_(options.lookup_timeout), ctx_(make_context(options)),
      fd_(executor, descriptor_of(ctx_.get())) {}

resolver::~resolver() {
    *alive_ = false;
    boost::system::error_code ignored;
    fd_.cancel(ignored);
    fd_.release();
    ctx_.reset();  // joins unbound's thread: no callback runs after this
    // Waiting coroutines wake with resolver_failure instead of a dangling owner.
    for (auto& [raw, p] : in_flight_) {
        p->owner = nullptr;
        p->deadline.cancel();
    }
}

std::shared_ptr<resolver::pending> resolver::start(const std::string& name, int rr_type) {
    auto p = std::make_shared<pending>(this, executor_, canonical_host_name(name), rr_type);
    if (!is_valid_host_name(name) || looks_like_ip_address(name)) {
        p->done = true;
        p->error = make_error_code(errc::invalid_name);
        return p;
    }
    // Registered before asking, so an answer delivered at once still finds it.
    p->deadline.expires_after(timeout_);
    in_flight_.emplace(p.get(), p);
    ++active_;
    int rc = ub_resolve_async(ctx_.get(), p->name.c_str(), rr_type, detail::rr_class_in, p.get(), &resolver::on_answer,
                              &p->async_id);
    if (rc != 0) {
        spdlog::warn("dns start failed name={} type={} error=\"{}\"", p->name, rr_type, ub_strerror(rc));
        in_flight_.erase(p.get());
        --active_;
        p->done = true;
        p->error = make_error_code(errc::resolver_failure);
        return p;
    }
    watch();
    return p;
}

void resolver::on_answer(void* data, int err, ub_result* answer) {
    auto* p = static_cast<pending*>(data);
    p->owner->deliver(*p, err, answer);
}

void resolver::deliver(pending& p, int err, ub_result* answer) {
    detail::unique_ub_result owned(answer);
    auto it = in_flight_.find(&p);
    if (it == in_flight_.end()) return;  // cannot happen: unbound answers each id once
    auto keep = std::move(it->second);
    in_flight_.erase(it);
    if (p.abandoned) return;  // its caller already gave up; freed with `keep`
    --active_;
    if (owned && owned->bogus)
        spdlog::warn("dns bogus answer name={} type={} why=\"{}\"", p.name, p.rr_type,
                     owned->why_bogus ? owned->why_bogus : "");
    else if (owned && owned->canonname && p.name != canonical_host_name(owned->canonname))
        spdlog::debug("dns cname name={} canonical={} secure={}", p.name, owned->canonname, owned->secure);
    p.err = err;
    p.answer = std::move(owned);
    p.done = true;
    p.deadline.cancel();
}

void resolver::abandon(pending& p) {
    // The answer may still arrive (it can be in the pipe already): then
    // deliver() drops it. If cancelling succeeds no callback will come.
    p.abandoned = true;
    --active_;
    if (ub_cancel(ctx_.get(), p.async_id) == 0) in_flight_.erase(&p);
    // Nothing left to wait for: stop watching, so an idle io_context can
    // run out of work. A late answer is read with the next lookup's.
    if (active_ == 0 && watching_) fd_.cancel();
}

asio::awaitable<std::error_code> resolver::finish(std::shared_ptr<pending> p) {
    if (p->done) co_return p->error;
    auto [ec] = co_await p->deadline.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled: answered (or resolver gone); expired: timed out
    if (p->done) co_return p->error;
    if (p->owner == nullptr) co_return make_error_code(errc::resolver_failure);
    spdlog::info("dns timeout name={} type={}", p->name, p->rr_type);
    p->owner->abandon(*p);
    co_return make_error_code(errc::timed_out);
}

void resolver::watch() {
    if (watching_ || active_ == 0) return;
    watching_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read, [this, alive = alive_](boost::system::error_code ec) {
        if (!*alive) return;
        watching_ = false;
        if (ec == asio::error::operation_aborted) {
            watch();  // a lookup may have started since the cancel
            return;
        }
        if (ec) {
            // Not re-armed, to avoid a busy loop; lookups end at their deadlines.
            spdlog::error("dns wait failed: {}", ec.message());
            return;
        }
        if (int rc = ub_process(ctx_.get()); rc != 0) spdlog::error("dns ub_process failed: {}", ub_strerror(rc));
        watch();
    });
}

asio::awaitable<result<std::vector<mx_record>>> resolver::lookup_mx(std::string name) {
    auto p = start(name, detail::rr_type_mx);
    auto ec = co_await finish(p);
    if (ec) co_return ec;
    co_return detail::mx_answer(p->err, p->answer.get());
}

asio::awaitable<v4_answer> resolver::lookup_a(std::string name) {
    auto p = start(name, detail::rr_type_a);
    auto ec = co_await finish(p);
    if (ec) co_return ec;
    co_return detail::a_answer(p->err, p->answer.get());
}

asio::awaitable<v6_answer> resolver::lookup_aaaa(std::string name) {
    auto p = start(name, detail::rr_type_aaaa);
    auto ec = co_await finish(p);
    if (ec) co_return ec;
    co_return detail::aaaa_answer(p->err, p->answer.get());
}

asio::awaitable<result<std::vector<asio::ip::address>>> resolver::lookup_addresses(std::string name,
                                                                                   address_policy policy) {
    const bool want_v6 = policy.order != address_order::ipv4_only;
    const bool want_v4 = policy.order != address_order::ipv6_only;
    // Both queries are in flight before either is awaited.
    auto p6 = want_v6 ? start(name, detail::rr_type_aaaa) : nullptr;
    auto p4 = want_v4 ? start(name, detail::rr_type_a) : nullptr;
    v6_answer aaaa = make_error_code(errc::no_data);
    v4_answer a = make_error_code(errc::no_data);
    if (p6) {
        auto ec = co_await finish(p6);
        aaaa = ec ? v6_answer(ec) : detail::aaaa_answer(p6->err, p6->answer.get());
    }
    if (p4) {
        auto ec = co_await finish(p4);
        a = ec ? v4_answer(ec) : detail::a_answer(p4->err, p4->answer.get());
    }
    co_return plan_addresses(aaaa, a, policy);
}

}  // namespace mailroom::dns
