//! A running `onus-serve`, started as a user starts it, and a client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`, as it printed it.
    pub base: String,
    pub agent: ureq::Agent,
    /// What it logs, read as it comes (a full pipe would stall it).
    log: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts the service on a free loopback port with these options.
    pub fn start(options: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onus-serve"))
            .args(["--listen", "127.0.0.1:0"])
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("onus-serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("onus serve: listening on ")
            .unwrap_or_else(|| panic!("the address line, not {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut stderr = child.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            let mut log = String::new();
            stderr.read_to_string(&mut log).unwrap();
            log
        });
        Server {
            child,
            base,
            agent,
            log: Some(log),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET: the status, the content type and the body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let response = self.agent.get(&self.url(path)).call().unwrap();
        answer(response)
    }

    /// POST a body: the status, the content type and the body.
    pub fn post(&self, path: &str, body: &str) -> (u16, String, String) {
        let response = self.agent.post(&self.url(path)).send(body).unwrap();
        answer(response)
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Stops it (SIGTERM) and gives its exit status and everything it
    /// logged.
    pub fn stop(self) -> (std::process::ExitStatus, String) {
        self.signal("TERM");
        self.stop_after_signal()
    }

    /// Waits for it to exit, signalled already, and gives its exit status
    /// and everything it logged.
    pub fn stop_after_signal(mut self) -> (std::process::ExitStatus, String) {
        let status = self.child.wait().unwrap();
        let log = self.log.take().unwrap().join().unwrap();
        (status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn answer(mut response: ureq::http::Response<ureq::Body>) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = (response.headers().get("content-type"))
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap();
    (status, content_type, body)
}

/// The error code of a JSON error body.
pub fn code(body: &str) -> String {
    let error: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body}"));
    error["error"]["code"].as_str().unwrap_or("").to_string()
}
