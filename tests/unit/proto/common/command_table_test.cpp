#include "proto/common/command_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailroom::proto {
namespace {

// A toy engine dispatching the way POP3 and SMTP do: look up, check the
// state, then run the handler.
enum class state { start, ready, done };
enum class verb { hello, work, bye, unknown };
struct command {
    verb what;
};

class toy_session {
public:
    std::vector<std::string> log;
    state st = state::start;
    unsigned bad = 0;

    void dispatch(const command& c) {
        const auto* spec = find_command(commands(), c.what);
        if (!spec) return refuse("unknown");
        if (!state_in(spec->states, st)) return refuse(spec->wrong_state.empty() ? "wrong state" : spec->wrong_state);
        (this->*spec->handler)(c);
    }

private:
    using spec_type = command_spec<toy_session, command, verb>;
    static std::span<const spec_type> commands() {
        static constexpr spec_type table[] = {
            {"HELLO", verb::hello, &toy_session::on_hello, in(state::start)},
            {"WORK", verb::work, &toy_session::on_work, in(state::ready), 0, "say hello first"},
            {"BYE", verb::bye, &toy_session::on_bye, in(state::start, state::ready)},
        };
        return table;
    }
    void refuse(std::string_view why) {
        ++bad;
        log.emplace_back(why);
    }
    void on_hello(const command&) { st = state::ready, log.emplace_back("hello"); }
    void on_work(const command&) { log.emplace_back("work"); }
    void on_bye(const command&) { st = state::done, log.emplace_back("bye"); }
};

TEST(command_table, state_is_checked_before_the_handler_runs) {
    toy_session s;
    for (auto v : {verb::work, verb::unknown, verb::hello, verb::hello, verb::work, verb::bye, verb::bye})
        s.dispatch({v});
    EXPECT_EQ(s.log, (std::vector<std::string>{"say hello first", "unknown", "hello", "wrong state", "work", "bye",
                                               "wrong state"}));
    EXPECT_EQ(s.bad, 4u);
    EXPECT_EQ(s.st, state::done);
}

TEST(command_table, state_masks) {
    constexpr auto m = in(state::start, state::done);
    static_assert(state_in(m, state::start) && state_in(m, state::done) && !state_in(m, state::ready));
    static_assert(state_in(any_state, state::ready));
    EXPECT_TRUE(state_in(m, state::start));
}

}  // namespace
}  // namespace mailroom::proto
