//! `serve --demo` without a data dir keeps its fake chats in a data dir of its own (`<default>/demo`) and answers
//! to the usual data dir's token, so the CLI reaches it with no flags and real chats are never mixed with demo ones.

mod support;

use std::io::BufRead;
use std::process::{Command, Stdio};

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_without_a_data_dir_gets_its_own_and_shares_the_usual_token() {
    let dir = TempDir::new("demo-mode");
    let xdg = dir.path().join("xdg");
    let usual = xdg.join("codex-manager");
    let mut child = Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("XDG_DATA_HOME", &xdg)
        .env("HOME", dir.path())
        .env("CODEX_BIN", codex_bin())
        .env("CODEX_MANAGER_BUNDLED_PLUGINS", "none")
        .env_remove("CODEX_MANAGER_DATA_DIR")
        .env_remove("CODEX_MANAGER_TOKEN")
        .env_remove("CODEX_MANAGER_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let banner = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        while let Some(Ok(line)) = lines.next() {
            let last = line.starts_with("Demo data dir:");
            banner.push(line);
            if last {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        banner
    })
    .await
    .unwrap();
    let url = banner.iter().find_map(|l| l.strip_prefix("Codex Manager listening on ")).expect("the address").to_string();
    assert!(banner.iter().any(|l| l.contains(&format!("{}/demo", usual.display()))), "{banner:#?}");

    // The usual data dir holds only the token; everything else is the demo's.
    let token = std::fs::read_to_string(usual.join("token")).expect("the usual token, created").trim().to_string();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut ready = false;
    for _ in 0..300 {
        let r = http.get(format!("{url}/api/ready")).bearer_auth(&token).send().await.unwrap();
        assert_ne!(r.status(), 401, "the demo answers to the usual token");
        if r.json::<serde_json::Value>().await.unwrap()["ready"] == true {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the demo host got ready");
    let mut usual_entries: Vec<_> = std::fs::read_dir(&usual).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    usual_entries.sort();
    assert_eq!(usual_entries, ["demo", "token"], "nothing of the demo's lands in the usual data dir");
    assert!(usual.join("demo/host.log").exists() && usual.join("demo/codex-home").is_dir());

    // The demo's catalog lists the fake alone and keeps codex's own models hidden, so codex knows every model it
    // uses by itself (no "unknown model" warning) and pickers offer only the fake.
    let catalog: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(usual.join("demo/demo-model-catalog.json")).unwrap()).unwrap();
    let models = catalog["models"].as_array().unwrap();
    assert_eq!((models[0]["slug"].as_str(), models[0]["visibility"].as_str()), (Some("fake-model"), Some("list")));
    assert!(models.len() > 1 && models[1..].iter().all(|m| m["visibility"] == "hide"), "{catalog}");
    let listed: serde_json::Value = http.get(format!("{url}/api/models")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = listed["data"].as_array().unwrap().iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["fake-model"], "{listed}");

    // The CLI, given only the URL, finds the token in the usual place and reaches the demo.
    let out = Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(["--url", &url, "--json", "status"])
        .env("XDG_DATA_HOME", &xdg)
        .env_remove("CODEX_MANAGER_DATA_DIR")
        .env_remove("CODEX_MANAGER_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = child.kill();
    let _ = child.wait();
}
