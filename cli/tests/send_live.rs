//! `send --wait` on a terminal (issue 14): the approval a turn waits on is shown (the command) and answered inline
//! with one key; tool activity shows as lines; Ctrl-C offers to interrupt (`n` lets the turn go on, a second Ctrl-C
//! interrupts), and the exit code comes from the turn record. Driven through a pseudo-terminal; checked against the
//! host's records. Not a terminal, `send --wait` prints and exits as before (cli_commands.rs, turns.rs).

mod support;

use support::pty::{finished, Pty};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_wait_on_a_terminal_asks_the_approval_inline_and_shows_tool_activity() {
    let env = Env::start("send-live").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut pty = Pty::spawn(host, &["send", &session[..13], "run it scenario:approval", "--wait"]);
    let screen = pty.wait_for("approve?", 1).await;
    assert!(screen.contains("Codex wants to run:") && screen.contains("echo approved-output"), "{screen}");
    assert!(!screen.contains("answer with `codex-manager requests"), "asked inline, not pointed elsewhere: {screen}");
    pty.type_text("y\n");
    let status = finished(&mut pty).await;
    // What it printed last may still be on its way through the terminal.
    let screen = pty.wait_for("Command finished.", 1).await;
    assert!(status.success(), "{status:?}\n{screen}");
    assert!(screen.contains("$ /bin/bash -lc 'echo approved-output'") || screen.contains("$ echo approved-output"), "the command started: {screen}");
    assert!(screen.contains("[completed, exit 0]"), "the command finished: {screen}");
    assert!(screen.contains("Command finished."), "the reply streamed: {screen}");
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?status=resolved")).await;
    let approval = &requests.as_array().unwrap()[0];
    assert_eq!((approval["decision"].as_str(), approval["decidedBy"].as_str()), (Some("accept"), Some("cli")), "{approval}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_in_send_wait_offers_to_interrupt_and_a_second_one_does() {
    let env = Env::start("send-ctrlc").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut pty = Pty::spawn(host, &["send", "--last", "go scenario:slow", "--wait"]);
    pty.wait_for("s2 ", 1).await;
    pty.type_text("\x03");
    pty.wait_for("interrupt the turn? [y/N]", 1).await;
    pty.type_text("n\n");
    pty.wait_for("[the turn goes on]", 1).await;
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "running", "declining the offer left the turn running: {s}");
    pty.type_text("\x03");
    pty.wait_for("interrupt the turn? [y/N]", 2).await;
    pty.type_text("\x03");
    let status = finished(&mut pty).await;
    let screen = pty.wait_for("ended interrupted", 1).await;
    assert_eq!(status.code(), Some(7), "an interrupted turn exits 7: {screen}");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(turns["turns"][0]["status"], "interrupted", "{turns}");
    assert!(!screen.contains("s99 "), "interrupted before the end: {screen}");
}
