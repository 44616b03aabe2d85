//! The host's log: plain text in the data dir's `host.log` (what `codex-manager logs` reads) and on a redirected
//! stderr alike, with no colour codes; `--log-file none` writes no file.

mod support;

use support::*;

fn has_ansi(text: &str) -> bool {
    text.contains('\u{1b}')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_goes_to_the_data_dir_and_a_redirected_stderr_as_plain_text() {
    let mut env = Env::start("host-log").await;
    let file = env.data_dir().join("host.log");
    let logged = std::fs::read_to_string(&file).expect("host.log in the data dir");
    assert!(logged.contains("app-server ready"), "{logged}");
    assert!(!has_ansi(&logged), "the log file is plain text: {logged:?}");
    // The harness sends stderr to a file: no terminal, so no colour either.
    let stderr = std::fs::read_to_string(&env.host().log).unwrap();
    assert!(stderr.contains("app-server ready") && !has_ansi(&stderr), "{stderr:?}");

    // A restart appends to the same file.
    env.stop_host().await;
    let before = std::fs::read_to_string(&file).unwrap().len();
    env.start_host().await;
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.len() > before && after[before..].contains("app-server ready"));

    // Opting out leaves no file behind.
    env.stop_host().await;
    std::fs::remove_file(&file).unwrap();
    env.host_env.push(("CODEX_MANAGER_LOG_FILE".into(), "none".into()));
    env.start_host().await;
    assert!(!file.exists(), "--log-file none writes no file");
}
