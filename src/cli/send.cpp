// mailroom send: an SMTP submission client for testing servers and mail
// setups (like swaks): every TLS mode, every AUTH mechanism, --trace with
// AUTH payloads masked. One message to one server through
// delivery::transfer. Exit status: 0 every recipient accepted, 1 usage or
// local error, 2 a recipient refused permanently (5xx), 75 (EX_TEMPFAIL)
// otherwise.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "client/client_tls.hpp"
#include "client/server_address.hpp"
#include "delivery/transfer.hpp"

namespace mailroom::cli {
namespace {

namespace asio = boost::asio;
namespace sc = smtp::client;

constexpr std::size_t max_message_bytes = 64u << 20;
constexpr int exit_permanent = 2;
constexpr int exit_temporary = 75;  // sysexits.h EX_TEMPFAIL

struct send_options {
    std::string server = "localhost";
    std::string tls = "starttls";
    bool verify = false;
    std::string ca_file;
    std::string user;
    std::string password_file;
    std::string mech;
    std::string from;
    std::vector<std::string> to;
    std::string helo;
    std::string data_file;
    bool trace = false;
    unsigned timeout_s = 30;
};

sc::tls_policy parse_tls(const std::string& s) {
    if (s == "none") return sc::tls_policy::none;
    if (s == "starttls") return sc::tls_policy::required;
    if (s == "opportunistic") return sc::tls_policy::opportunistic;
    if (s == "implicit") return sc::tls_policy::implicit;
    throw cli_error("--tls must be none, starttls, opportunistic or implicit");
}

std::string read_all(std::istream& in, const std::string& what) {
    std::string data;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        data.append(buf, static_cast<std::size_t>(in.gcount()));
        if (data.size() > max_message_bytes) throw cli_error(what + " is larger than 64 MiB");
    }
    return data;
}

// Lines end in CRLF on the wire (RFC 5321 §2.3.8): a bare LF becomes CRLF,
// an existing CRLF stays, and the last line gets one.
std::string to_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32 + 2);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
        out += in[i];
    }
    if (!out.empty() && (out.size() < 2 || out.substr(out.size() - 2) != "\r\n")) out += "\r\n";
    return out;
}

std::string rfc5322_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

// A small test message, like swaks's default.
std::string generated_message(const send_options& o, const std::string& helo) {
    const auto now = std::time(nullptr);
    std::ostringstream m;
    m << "Date: " << rfc5322_date(now) << "\r\n"
      << "From: <" << o.from << ">\r\n"
      << "To: ";
    for (std::size_t i = 0; i < o.to.size(); ++i) m << (i ? ", <" : "<") << o.to[i] << ">";
    m << "\r\n"
      << "Subject: test " << rfc5322_date(now) << "\r\n"
      << "Message-ID: <" << now << "." << ::getpid() << ".send@" << helo << ">\r\n"
      << "\r\n"
      << "This is a test message sent by mailroom send.\r\n";
    return m.str();
}

secret read_password(const send_options& o) {
    if (!o.password_file.empty()) {
        std::ifstream f(o.password_file, std::ios::binary);
        if (!f) throw cli_error("cannot read the password file " + o.password_file);
        std::string pw = read_all(f, "the password file");
        // One line: the trailing newline is not part of the password.
        while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
        return secret(std::move(pw));
    }
    if (const char* env = std::getenv("MAILROOM_PASSWORD")) return secret(std::string_view(env));
    throw cli_error("--user needs a password: --password-file FILE or MAILROOM_PASSWORD");
}

std::string_view status_word(sc::delivery_status s) {
    switch (s) {
        case sc::delivery_status::delivered: return "accepted";
        case sc::delivery_status::temporary: return "temporary failure";
        default: return "refused";
    }
}

void run_send(const send_options& o) {
    if (o.from.empty() && o.data_file.empty()) throw cli_error("--from is required");
    if (o.to.empty()) throw cli_error("at least one --to is required");
    const auto policy = parse_tls(o.tls);
    const auto addr = client::parse_server(o.server, policy == sc::tls_policy::implicit ? 465 : 587);
    if (!addr) throw cli_error("bad --server: " + o.server);
    const auto& [host, port] = *addr;
    const std::string helo = o.helo.empty() ? "localhost" : o.helo;

    sc::outgoing_message msg;
    msg.id = "send";
    msg.sender = o.from;
    for (const auto& r : o.to) msg.recipients.push_back({r, 0, ""});
    if (o.data_file.empty()) {
        msg.content = generated_message(o, helo);
    } else if (o.data_file == "-") {
        msg.content = to_crlf(read_all(std::cin, "standard input"));
    } else {
        std::ifstream f(o.data_file, std::ios::binary);
        if (!f) throw cli_error("cannot read " + o.data_file);
        msg.content = to_crlf(read_all(f, o.data_file));
    }
    for (unsigned char c : msg.content)
        if (c >= 0x80) msg.eight_bit = true;

    delivery::smtp_destination dest;
    dest.host = host;
    dest.port = port;
    dest.tls = policy;
    dest.verify_certificate = o.verify || !o.ca_file.empty();
    // The user chose cleartext explicitly: PLAIN/LOGIN may go in clear.
    dest.plaintext_auth = policy == sc::tls_policy::none;
    if (!o.user.empty()) dest.auth = delivery::credentials{o.user, read_password(o)};
    if (!o.mech.empty()) dest.sasl_mechanisms = {o.mech};
    for (auto& m : dest.sasl_mechanisms)
        for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

    std::shared_ptr<asio::ssl::context> tls;
    try {
        tls = client::make_client_context({dest.verify_certificate, o.ca_file});
    } catch (const std::runtime_error& e) {
        throw cli_error(std::string("--ca: ") + e.what());
    }
    boost::system::error_code ec;

    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto resolved = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw cli_error("cannot resolve " + host + ": " + ec.message());
    for (const auto& e : resolved) dest.endpoints.push_back(e.endpoint());

    delivery::transfer_options topt;
    topt.helo_name = helo;
    topt.tls_client = tls.get();
    topt.connect_timeout = std::chrono::seconds(o.timeout_s);
    if (o.trace)
        topt.trace = [](std::string_view dir, std::string_view line) { std::cerr << dir << ": " << line << "\n"; };

    delivery::transfer_report report;
    asio::co_spawn(io, delivery::transfer(topt, dest, {msg}),
                   [&report](std::exception_ptr e, delivery::transfer_report r) {
                       if (e) std::rethrow_exception(e);
                       report = std::move(r);
                   });
    io.run();

    if (!report.peer.empty()) std::cout << "server: " << report.peer << "\n";
    std::cout << "tls: " << (report.tls.empty() ? "none" : report.tls) << "\n";
    bool permanent = false;
    bool all_ok = !report.messages.empty();
    for (const auto& m : report.messages) {
        for (const auto& r : m.recipients) {
            std::cout << r.address << ": " << status_word(r.status) << ": " << r.response.summary() << "\n";
            if (r.status != sc::delivery_status::delivered) all_ok = false;
            if (r.status == sc::delivery_status::permanent) permanent = true;
        }
    }
    if (report.why != sc::close_reason::quit || !all_ok)
        std::cout << "session: " << (report.detail.empty() ? "ended" : report.detail) << "\n";
    if (all_ok) return;
    throw CLI::RuntimeError(permanent ? exit_permanent : exit_temporary);
}

}  // namespace

void add_send(CLI::App& app) {
    auto o = std::make_shared<send_options>();
    auto* cmd = app.add_subcommand("send",
                                   "Submit one message to an SMTP server (exit 0: every recipient accepted; "
                                   "2: a recipient refused; 75: temporary failure)");
    cmd->add_option("--server", o->server, "HOST[:PORT]; port 587, or 465 with --tls implicit")->capture_default_str();
    cmd->add_option("--tls", o->tls, "none | starttls (required) | opportunistic | implicit")->capture_default_str();
    cmd->add_flag("--verify", o->verify,
                  "Verify the server certificate against the system CAs and the host name "
                  "(off by default, as in swaks: this is a testing tool)");
    cmd->add_option("--ca", o->ca_file, "Verify against the CA certificates in FILE (implies --verify)");
    cmd->add_option("--user", o->user, "AUTH as this user; password from --password-file or MAILROOM_PASSWORD");
    cmd->add_option("--password-file", o->password_file, "File whose first line is the password");
    cmd->add_option("--mech", o->mech,
                    "AUTH mechanism (default: best offered of SCRAM-SHA-256, SCRAM-SHA-1, "
                    "PLAIN, LOGIN, CRAM-MD5)");
    cmd->add_option("--from", o->from, "Envelope sender")->required();
    cmd->add_option("--to", o->to, "Recipient (repeatable)")->required();
    cmd->add_option("--helo", o->helo, "EHLO name (default localhost)");
    cmd->add_option("--data", o->data_file,
                    "Message file, '-' for standard input (LF becomes CRLF); "
                    "default: a generated test message");
    cmd->add_flag("--trace", o->trace, "Show the dialogue on standard error (C:/S:, AUTH data masked)");
    cmd->add_option("--timeout", o->timeout_s, "Connect timeout in seconds")->capture_default_str();
    cmd->callback([o] { run_send(*o); });
}

}  // namespace mailroom::cli
