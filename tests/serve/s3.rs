//! Publishing into an S3-compatible bucket (moto's, on loopback): what a player and a
//! podcast app fetch from the bucket's public URL, a repost, and a delete.

use super::{Server, Site, article, heartstopper};
use crate::util::{self, moto::Moto};

const BUCKET: &str = "audio";

/// Check one article published in the bucket under `pub/`, fetched as a player fetches it:
/// the manifest parses, lists audio that is there and decodes to the manifest's length.
fn check_published_s3(moto: &Moto, id: &str) -> (articulate::model::Manifest, u64) {
    let (status, json) = moto.get(&format!("/{BUCKET}/pub/{id}/{id}.json"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&json));
    let manifest: articulate::model::Manifest = serde_json::from_slice(&json).unwrap();
    assert!(!manifest.audio.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let mut mp3_size = 0;
    for audio in &manifest.audio {
        let (status, bytes) = moto.get(&format!("/{BUCKET}/pub/{id}/{}", audio.file));
        assert_eq!(status, 200, "{}", audio.file);
        if audio.format == "mp3" {
            mp3_size = bytes.len() as u64;
        }
        let local = tmp.path().join(&audio.file);
        std::fs::write(&local, bytes).unwrap();
        let (frames, rate, _) = util::decode(&local);
        let ms = frames * 1000 / u64::from(rate);
        let expected = manifest.duration_ms.unwrap();
        assert!(ms.abs_diff(expected) <= 2, "{id}: {ms} ms decoded, manifest says {expected}");
    }
    (manifest, mp3_size)
}

fn feed(moto: &Moto) -> String {
    let (status, xml) = moto.get(&format!("/{BUCKET}/pub/feed.xml"));
    assert_eq!(status, 200);
    String::from_utf8(xml).unwrap()
}

fn start(site: &Site, moto: &Moto) -> Server {
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    site.start(&env)
}

#[test]
fn an_article_published_to_s3_is_fetched_from_the_bucket_updated_and_deleted_whole() {
    let moto = match Moto::start() {
        Ok(moto) => moto,
        Err(reason) => {
            eprintln!("SKIPPED: an_article_published_to_s3: {reason}");
            return;
        }
    };
    moto.create_public_bucket(BUCKET);
    let public = format!("{}/{BUCKET}/pub/", moto.endpoint());
    let mut site = Site::new(&format!("public_url = {public:?}"));
    site.output_url = Some(format!("s3://{BUCKET}/pub"));
    let server = start(&site, &moto);
    let id = "s3-story";
    let text: String = heartstopper().lines().take(12).map(|l| format!("{l}\n")).collect();
    assert_eq!(server.post(&article(id, &text)).status, 202);
    let job = server.wait_for(id);
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["manifest_url"], format!("{public}{id}/{id}.json"));
    let (first, mp3_size) = check_published_s3(&moto, id);
    let xml = feed(&moto);
    let enclosure = format!(
        "<enclosure url=\"{public}{id}/{id}.mp3\" length=\"{mp3_size}\" type=\"audio/mpeg\"/>"
    );
    assert!(xml.contains(&enclosure), "{enclosure}\n{xml}");
    let (status, vtt) = moto.get(&format!("/{BUCKET}/pub/{id}/{id}.transcript.vtt"));
    assert!(status == 200 && vtt.starts_with(b"WEBVTT"));
    // The files are in the bucket, not on this server.
    assert_eq!(server.get(&format!("/audio/{id}/{id}.json")).status, 404);

    let edited = format!("{text}\nA closing line added after publication.\n");
    assert_eq!(server.post(&article(id, &edited)).status, 202);
    let job = server.wait_for(id);
    assert_eq!((job["state"].as_str(), job["generation"].as_i64()), (Some("done"), Some(2)));
    let (second, _) = check_published_s3(&moto, id);
    assert!(second.segments.iter().any(|s| s.text.contains("closing line added")));
    assert!(second.duration_ms > first.duration_ms);
    let keys = moto.keys(BUCKET, &format!("pub/{id}/"));
    for file in [format!("{id}.json"), format!("{id}.mp3"), format!("{id}.transcript.vtt")] {
        assert!(keys.contains(&format!("pub/{id}/{file}")), "{file} not in {keys:?}");
    }

    let deleted = server.call("DELETE", &format!("/v1/articles/{id}"), None);
    assert_eq!(deleted.status, 200, "{:?}", deleted.json());
    assert_eq!(moto.keys(BUCKET, &format!("pub/{id}/")), Vec::<String>::new());
    assert!(!feed(&moto).contains(id), "the feed no longer lists it");
}

#[test]
fn an_s3_output_without_a_public_url_refuses_to_start_saying_which_key_to_set() {
    let mut site = Site::new("");
    site.output_url = Some("s3://audio/pub".into());
    let out = site.command(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]).output().unwrap();
    assert!(!out.status.success());
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(stderr.contains("public_url") && stderr.contains("output_url"), "{stderr}");
}
