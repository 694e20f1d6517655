// GMime's process-wide initialisation, done once (thread-safe) before any
// GMime call in this library; GMime is never shut down (other threads may
// still use it at exit). Called by every .cpp here that uses GMime.
#pragma once

typedef struct _GMimeParserOptions GMimeParserOptions;  // NOLINT: GMime's own typedef, repeated

namespace mailroom::mime::detail {

void ensure_gmime();

// The options the Content-* fields are parsed with (made once, never freed):
// encoded words inside parameter values are left as written, as Dovecot
// leaves them (RFC 2047 §5 does not allow them there).
GMimeParserOptions* parser_options();

}  // namespace mailroom::mime::detail
