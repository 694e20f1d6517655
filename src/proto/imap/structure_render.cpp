// ENVELOPE / BODY / BODYSTRUCTURE renderers (see structure_render.hpp).
#include "proto/imap/structure_render.hpp"

namespace mailroom::imap {

namespace {

using opt = std::optional<std::string_view>;

opt view(const std::optional<std::string>& s) { return s ? opt(*s) : std::nullopt; }

// env-from etc.: "(" 1*address ")" / nil; addresses are not separated by SP.
void render_addresses(response_writer& w, const std::vector<mime::address>& list) {
    if (list.empty()) {
        w.nil();
        return;
    }
    w.open_list();
    bool first = true;
    for (const auto& a : list) {
        if (!first) w.glue();
        first = false;
        w.open_list().nstring(view(a.name)).nstring(view(a.adl)).nstring(view(a.mailbox)).nstring(view(a.host));
        w.close_list();
    }
    w.close_list();
}

// body-fld-param: "(" string SP string *(SP string SP string) ")" / nil.
void render_params(response_writer& w, const std::vector<mime::parameter>& params) {
    if (params.empty()) {
        w.nil();
        return;
    }
    w.open_list();
    for (const auto& p : params) w.string(p.name).string(p.value);
    w.close_list();
}

// body-fld-dsp SP body-fld-lang SP body-fld-loc, shared by both extension forms.
void render_dsp_lang_loc(response_writer& w, const mime::body_part& p) {
    if (p.disp) {
        w.open_list().string(p.disp->type);
        render_params(w, p.disp->params);
        w.close_list();
    } else {
        w.nil();
    }
    // body-fld-lang: nstring / "(" string *(SP string) ")"; always the list
    // form, as Dovecot writes it.
    if (p.language.empty()) {
        w.nil();
    } else {
        w.open_list();
        for (const auto& l : p.language) w.string(l);
        w.close_list();
    }
    w.nstring(view(p.location));
}

}  // namespace

void render_envelope(response_writer& w, const mime::envelope& e) {
    w.open_list().nstring(view(e.date)).nstring(view(e.subject));
    for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) render_addresses(w, *list);
    w.nstring(view(e.in_reply_to)).nstring(view(e.message_id));
    w.close_list();
}

void render_body(response_writer& w, const mime::body_part& p, bool extensible) {
    w.open_list();
    if (p.is_multipart()) {
        // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]: parts not separated.
        bool first = true;
        for (const auto& c : p.children) {
            if (!first) w.glue();
            first = false;
            render_body(w, c, extensible);
        }
        w.string(p.subtype);
        if (extensible) {
            render_params(w, p.params);
            render_dsp_lang_loc(w, p);
        }
        w.close_list();
        return;
    }
    // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets.
    w.string(p.type).string(p.subtype);
    render_params(w, p.params);
    w.nstring(view(p.id)).nstring(view(p.description)).string(p.encoding).number(p.body_size);
    if (p.is_message()) {
        // body-type-msg: ... SP envelope SP body SP body-fld-lines.
        render_envelope(w, *p.embedded);
        render_body(w, p.children.front(), extensible);
        w.number(p.body_lines);
    } else if (p.is_text()) {
        w.number(p.body_lines);
    }
    if (extensible) {
        // body-ext-1part = body-fld-md5 SP body-fld-dsp SP body-fld-lang SP body-fld-loc.
        w.nstring(view(p.md5));
        render_dsp_lang_loc(w, p);
    }
    w.close_list();
}

}  // namespace mailroom::imap
