// store::maildir layout, locks and crash instants (the design of the index).
//
//   <mailbox>/new/ cur/ tmp/    Maildir; folders are Maildir++ "<root>/.<Name>/"
//   mailroom-uidlist            UIDVALIDITY, next UID, base name -> UID (storage/uidlist.hpp;
//                               the format of every release so far, plus appended "+" lines)
//   dovecot-keywords            keyword names (index_files.hpp); the letters are in file names
//   dovecot-uidlist             Dovecot's UID list, read only while mailroom-uidlist is missing or
//                               empty (dovecot_uidlist.hpp): a Maildir Dovecot served keeps its
//                               UIDVALIDITY and UIDs. Ours wins when both exist: once we have
//                               written ours, Dovecot's is what it was when we took over.
//   mailroom-index              cache: MODSEQ, internal date, sizes, info last seen, expunge
//                               MODSEQs for VANISHED (index_files.hpp)
//   mailroom-blobs              cache: readers' opaque per-message data (blob_cache.hpp)
//   subscriptions               (root only) Dovecot's format (subscriptions.hpp)
//   ..deleted.<unique>/         (root only) a deleted folder being emptied; never listed
//   .mailroom-index.lock        flock: held for one sync or one UID append, never longer
//   .mailroom-pop3.lock         flock: held by a POP3 session for its life (RFC 1939 §8); IMAP
//                               and delivery never take it
//
// Durable facts are the file names (message, flags, keywords letters), the
// uidlist and dovecot-keywords; the index is a cache. UIDs are assigned at
// delivery by append_uid(): under the index lock, read the list's first
// line and last 512 octets, append "+<uid> <base>" - no fsync. Every sync
// that finds "+" lines or unnumbered files rewrites the list durably (write
// tmp, fdatasync, rename, fsync the directory) before it returns UIDs, so
// no client ever sees a UID that a crash could take back. Crash instants:
//   - before the delivery's group commit: the message was never acknowledged;
//     at most a file in tmp/.
//   - after the commit, before or during the "+" append (or the append lost
//     with the page cache): the message is in new/ without a UID; the next
//     sync numbers it (delivery-time order, as every release did).
//   - during a sync's rewrite: the old list or the new one, never a mix
//     (rename); a torn "+" line is damage only if it is not the last line.
//   - a damaged or deleted list: a fresh UIDVALIDITY (clients refetch
//     rather than mistake one message for another).
//   - a damaged, stale or deleted index: rebuilt from the names; MODSEQs are
//     max(highest + 1, now in microseconds), so a rebuild restarts them
//     higher, never lower. The index is replaced durably together with the
//     list whenever HIGHESTMODSEQ moves.
#pragma once

namespace mailroom::store::maildir {

constexpr const char* uidlist_file = "mailroom-uidlist";
constexpr const char* keywords_file = "dovecot-keywords";
constexpr const char* cache_file = "mailroom-index";
constexpr const char* index_lock_file = ".mailroom-index.lock";
constexpr const char* pop3_lock_file = ".mailroom-pop3.lock";
constexpr const char* folder_marker_file = "maildirfolder";  // Maildir++: "this is a folder"

}  // namespace mailroom::store::maildir
