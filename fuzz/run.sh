#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (the first argument, else $FUZZ_SECONDS, else 10) each, from the seed corpus
# in fuzz/corpus/<target>/ (copied: the repository is never written), with
# the protocol's dictionary (<protocol>.dict). A crash fails the run and leaves the input in
# build/fuzz/artifacts/.
set -euo pipefail
seconds="${1:-${FUZZ_SECONDS:-10}}"
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/../build/fuzz/fuzz"
work="$here/../build/fuzz/work"
artifacts="$here/../build/fuzz/artifacts"
mkdir -p "$work" "$artifacts"
status=0
for target in pop3_command_parser_fuzz pop3_server_session_fuzz smtp_command_parser_fuzz smtp_data_decoder_fuzz \
              smtp_server_session_fuzz smtp_client_session_fuzz imap_parser_fuzz dns_mx_rdata_fuzz \
              control_request_fuzz store_index_files_fuzz mime_structure_fuzz imap_session_fuzz store_mutf7_fuzz imap_thread_fuzz \
              pop3_client_fuzz http_target_fuzz \
              imap_search_eval_fuzz imap_client_fuzz fault_scenario_fuzz \
              dev_api_query_fuzz dev_api_render_fuzz pop3_proxy_front_fuzz \
              session_tap_fuzz dev_api_id_fuzz; do
  corpus="$work/${target%_fuzz}"
  rm -rf "$corpus" && mkdir -p "$corpus"
  cp "$here/corpus/${target%_fuzz}/"* "$corpus/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! "$build/$target" -max_total_time="$seconds" -dict="$here/${target%%_*}.dict" -print_final_stats=1 \
        -artifact_prefix="$artifacts/${target}-" "$corpus" 2>"$work/$target.log"; then
    tail -n 40 "$work/$target.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target.log" | sed "s/^/  $target /" || true
done
exit $status
