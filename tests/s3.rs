//! Many workers, one cache: two shards in two processes share a chunk cache in a real
//! S3-compatible server (moto's, started on loopback by the test).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::batch::{articles, report};
use crate::cache::Counting;
use crate::util::moto::Moto;

fn worker(moto: &Moto, counting: &Counting, input: &Path, out: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_articulate"))
        .current_dir(crate::util::root())
        .env_remove("ARTICULATE_LOG")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .args(["batch", "--voice", counting.voice(), "--cache-url", "s3://tts/cache/v1", "-o"])
        .arg(out)
        .args(extra)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn two_shards_in_two_processes_share_one_s3_cache_and_synthesize_every_chunk_once() {
    let moto = match Moto::start() {
        Ok(moto) => moto,
        Err(reason) => {
            eprintln!("SKIPPED: two_shards_in_two_processes_share_one_s3_cache: {reason}");
            return;
        }
    };
    moto.create_bucket("tts");
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    // Every sentence distinct, so each chunk belongs to one article and one shard.
    articles(&input, 6);
    let counting = Counting::new(&tmp.path().join("engine"), "0");
    let out = tmp.path().join("out");
    let reports = [tmp.path().join("0.jsonl"), tmp.path().join("1.jsonl")];
    let shards: Vec<Child> = ["0/2", "1/2"]
        .iter()
        .zip(&reports)
        .map(|(shard, report)| {
            let report = report.to_str().unwrap();
            worker(&moto, &counting, &input, &out, &["--shard", shard, "--report", report])
        })
        .collect();
    for shard in shards {
        finish(shard);
    }
    let mut done: Vec<String> = reports
        .iter()
        .flat_map(|r| report(r))
        .map(|line| {
            assert_eq!(line["status"], "narrated", "{line}");
            line["input"].as_str().unwrap().to_owned()
        })
        .collect();
    done.sort();
    assert_eq!(done.len(), 6, "every article once across both shards: {done:?}");
    done.dedup();
    assert_eq!(done.len(), 6);
    let requests = counting.requests();
    let mut distinct = requests.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(requests.len(), 30, "six articles of five chunks, each synthesized once");
    assert_eq!(distinct.len(), 30);

    // A third worker anywhere, with the same cache URL, pays for nothing.
    let again = tmp.path().join("again.jsonl");
    let third = worker(
        &moto,
        &counting,
        &input,
        &tmp.path().join("elsewhere"),
        &["--report", again.to_str().unwrap()],
    );
    finish(third);
    assert_eq!(counting.requests().len(), 30);
    assert!(report(&again).iter().all(|l| l["cache_hits"] == 5 && l["requests"] == 0));

    let stats = Command::new(env!("CARGO_BIN_EXE_articulate"))
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .args(["cache", "stats", "--json", "--cache-url", "s3://tts/cache/v1"])
        .output()
        .unwrap();
    assert!(stats.status.success(), "{}", String::from_utf8_lossy(&stats.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["entries"], 30);
}
