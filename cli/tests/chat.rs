//! `codex-manager chat` driven through a pseudo-terminal, as a person at a terminal would: the reply streams, an
//! approval is asked inline and answered with a key, a Plan-mode question is answered by typing, and Ctrl-C
//! interrupts the running turn. What the chat did is then checked against the host's own records. Also: colour only
//! on a terminal, and never with `NO_COLOR`.

mod support;

use std::time::{Duration, Instant};

use support::pty::{finished, Pty};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_chat_streams_answers_approvals_and_questions_and_interrupts_on_ctrl_c() {
    let env = Env::start("chat").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut pty = Pty::spawn(host, &["chat", &session]);
    pty.wait_for("you> ", 1).await;

    // An approval, asked inline with the command, answered with one key.
    pty.type_text("run it scenario:approval\n");
    let screen = pty.wait_for("approve?", 1).await;
    assert!(screen.contains("Codex wants to run:") && screen.contains("approved-output"), "{screen}");
    pty.type_text("y\n");
    let screen = pty.wait_for("you> ", 2).await;
    assert!(screen.contains("Command finished."), "the reply streamed after the approval: {screen}");
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?status=resolved")).await;
    let approval = &requests.as_array().unwrap()[0];
    assert_eq!((approval["decision"].as_str(), approval["decidedBy"].as_str()), (Some("accept"), Some("cli")), "{approval}");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(turns["turns"][0]["status"], "completed", "{turns}");
    assert!(turns["turns"][0]["finalText"].as_str().unwrap().contains("Command finished."), "{turns}");

    // A Plan-mode question, answered by typing.
    pty.type_text("/plan ask me scenario:user_input\n");
    pty.wait_for("Codex asks:", 1).await;
    pty.type_text("Blue\n");
    let screen = pty.wait_for("you> ", 3).await;
    assert!(screen.contains("Got:") && screen.contains("Blue"), "the answer reached the model and the reply shows it: {screen}");
    let (_, requests) = host.get(&format!("/api/sessions/{session}/requests?kind=tool_input")).await;
    assert_eq!(requests[0]["decidedBy"], "cli", "{requests}");

    // Ctrl-C interrupts the running turn; the chat stays, and says how the turn ended (from its record).
    pty.type_text("go scenario:slow\n");
    pty.wait_for("s3 ", 1).await;
    pty.type_text("\x03");
    let screen = pty.wait_for("[turn interrupted", 1).await;
    pty.wait_for("you> ", 4).await;
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(turns["turns"][0]["status"], "interrupted", "{turns}\n{screen}");

    pty.type_text("/quit\n");
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = pty.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the chat did not quit: {}", pty.screen());
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let env = Env::start("colour").await;
    let host = env.host();
    env.new_session().await;
    let mut coloured = Pty::spawn_with(host, &["sessions", "list"], &[]);
    assert!(finished(&mut coloured).await.success());
    let screen = coloured.wait_for("idle", 1).await;
    assert!(screen.contains("\x1b[1mID") && screen.contains("\x1b[32midle\x1b[0m"), "a bold header and a green state: {screen:?}");
    let mut plain = Pty::spawn_with(host, &["sessions", "list"], &[("NO_COLOR", "1")]);
    assert!(finished(&mut plain).await.success());
    let screen = plain.wait_for("idle", 1).await;
    assert!(!screen.contains('\x1b'), "{screen:?}");
    // Not a terminal: plain too (the harness's pipes).
    let (code, out, _) = host.cli(&["sessions", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("idle") && !out.contains('\x1b'), "{out:?}");
}
