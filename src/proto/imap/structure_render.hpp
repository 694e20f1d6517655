// Renders the MIME facts of src/mail/mime (plain structs, no GMime) as IMAP
// text: ENVELOPE, BODY and BODYSTRUCTURE exactly per the RFC 9051 §9 grammar
// (envelope, body, body-ext-1part, body-ext-mpart), strings through
// response_writer (quoted or literal as their bytes need). Called by FETCH.
#pragma once

#include "mail/mime/structure.hpp"
#include "proto/imap/response_writer.hpp"

namespace mailroom::imap {

// ENVELOPE's value: "(" date subject from sender reply-to to cc bcc in-reply-to message-id ")".
void render_envelope(response_writer& w, const mime::envelope& e);

// BODY (extensible = false: no extension data) or BODYSTRUCTURE (true).
void render_body(response_writer& w, const mime::body_part& p, bool extensible);

}  // namespace mailroom::imap
