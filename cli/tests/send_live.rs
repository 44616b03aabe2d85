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

/// The probe plugin of WIT 0.2.0 assesses every approval as it is asked, at the risk its setting names.
async fn install_probe(host: &Host) {
    let (s, b) = install_plugin(host, "probe-v02", &["log", "sessions-read", "notes", "requests", "workers"]).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = host.put("/api/plugins/probe-v02/settings", serde_json::json!({"risk": "high"})).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessment_shows_beside_the_approval_live_and_when_a_chat_finds_it_waiting() {
    let env = Env::start("send-assessed").await;
    let host = env.host();
    install_probe(host).await;
    let session = env.new_session().await;

    // Live: `send --wait` asks the approval, then the assessment comes (`approval.assessed`) while it waits.
    let mut pty = Pty::spawn(host, &["send", &session[..13], "run it scenario:approval", "--wait"]);
    let screen = pty.wait_for("assessment: high risk", 1).await;
    assert!(screen.contains("assessment: high risk — probe: ") && screen.contains("(by probe, via plugin:probe-v02)"), "{screen}");
    let asked = screen.find("Codex wants to run:").expect("the approval was asked");
    assert!(asked < screen.find("assessment: high risk").unwrap(), "beside the approval, after it: {screen}");
    pty.type_text("n\n");
    let status = finished(&mut pty).await;
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?status=resolved")).await;
    let first = &requests.as_array().unwrap()[0];
    assert_eq!((first["decision"].as_str(), first["decidedBy"].as_str()), (Some("decline"), Some("cli")), "{first}");
    assert_eq!(first["assessment"]["risk"], "high", "{first}");

    // Already judged: a chat opened on the waiting turn asks the approval with its assessment.
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "again scenario:approval").await;
    until(&mut ws, |e| e["type"] == "approval.assessed").await;
    let mut chat = Pty::spawn(host, &["chat", &session]);
    let screen = chat.wait_for("approve?", 1).await;
    assert!(screen.contains("assessment: high risk — probe: "), "{screen}");
    chat.type_text("y\n");
    until(&mut ws, is_turn_end(&turn)).await;
    chat.type_text("/quit\n");
    assert!(finished(&mut chat).await.success(), "{}", chat.screen());

    // The event log's line says the risk too.
    let (c, out, err) = host.cli(&["events", "--session", &session, "--types", "approval.assessed"]).await;
    assert_eq!(c, 0, "{err}");
    assert!(out.lines().filter(|l| l.contains("approval.assessed")).all(|l| l.contains("— high risk: probe: ")), "{out}");
    assert_eq!(out.lines().filter(|l| l.contains("approval.assessed")).count(), 2, "{out}");
}
