//! `fake-app-server [app-server] [-c key=value]...`: a scripted stand-in for `codex app-server` on stdio.
//!
//! Arguments are accepted and ignored, so the host can launch it exactly as it launches codex
//! (`--codex-bin path/to/fake-app-server`). Turn behaviour comes from directives in the user's text; see
//! `codex_manager_fakes::appserver`. `FAKE_APP_SERVER_RECORD=<file>` appends every received line to the file.

fn main() {
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!(
            "usage: fake-app-server [app-server] [-c key=value]...\n\
             Speaks codex app-server 0.169 JSON-RPC on stdio. Directives in a turn's text:\n  \
             bench:deltas=N,rate=R   N deltas at R/s (0 = flat out); each delta is \"t=<unix nanos>;\"\n  \
             fault:crash_after=K     exit(1) after K deltas\n  \
             fault:malformed         one non-JSON line halfway through\n  \
             fault:hang              never complete the turn (until turn/interrupt)\n\
             FAKE_APP_SERVER_RECORD=<file> appends every received line to <file>."
        );
        return;
    }
    codex_manager_fakes::appserver::run_stdio()
}
